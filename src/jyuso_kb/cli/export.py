"""``jyuso-kb export``: the plan as Turtle, JSON-LD or the programme catalog as CSV."""

from __future__ import annotations

import argparse
import sys

from jyuso_kb.cli.common import EXIT_OK
from jyuso_kb.formats import export
from jyuso_kb.plan.load import load_plan


def cmd_export(args: argparse.Namespace) -> int:
    plan = load_plan(args.data)
    graph = plan.merged() if args.with_vocabulary else plan.data
    if args.format == "csv":
        graph = plan.merged()
    sys.stdout.write(export.export(graph, args.format))
    return EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("export", help="計画を書き出す")
    p.add_argument("--format", choices=export.FORMATS, default="ttl")
    p.add_argument("--data", nargs="+", help="計画のファイルまたはフォルダ(省略時は組み込みの計画)")
    p.add_argument("--with-vocabulary", action="store_true", help="オントロジーとシソーラスも含める")
    p.set_defaults(func=cmd_export)
