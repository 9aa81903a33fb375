"""``jyuso-kb validate``: SHACL and the quality checks of severity error over a plan."""

from __future__ import annotations

import argparse
import sys

from jyuso_kb.check import shacl
from jyuso_kb.check.located import in_workbook
from jyuso_kb.check.validation import validate
from jyuso_kb.cli.common import EXIT_NOT_CONFORMING, EXIT_OK, MUNICIPALITY_HELP, dump, refuse_empty, render_check
from jyuso_kb.plan.load import load_plan, load_with_locations
from jyuso_kb.plan.municipalities import choose, load_plans


def cmd_validate(args: argparse.Namespace) -> int:
    if args.municipality:
        chosen = choose(load_plans(args.paths), args.municipality)
        plan, indexes = chosen.plan, list(chosen.locations)
    else:
        plan, indexes = load_with_locations(args.paths) if args.paths else (load_plan(), [])
        if args.paths:
            refuse_empty(plan, args.paths)
    result = in_workbook(validate(plan), indexes)
    report = result.report
    if args.json:
        dump(result.as_dict())
    else:
        sys.stdout.write(shacl.render_text(report) + "\n")
        for failed in result.failed_checks:
            sys.stdout.write(render_check(failed))
    return EXIT_OK if result.conforms else EXIT_NOT_CONFORMING


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("validate", help="計画(Turtle / JSON-LD)を SHACL で検証する")
    p.add_argument("paths", nargs="*", help="ファイルまたはフォルダ(省略時は組み込みの計画)")
    p.add_argument("--json", action="store_true", help="JSON で出力する")
    p.add_argument("--municipality", metavar="CODE", help=MUNICIPALITY_HELP)
    p.set_defaults(func=cmd_validate)
