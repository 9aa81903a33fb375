"""``jyuso-kb export``: the plan as Turtle, JSON-LD or the programme catalog as CSV, or in a public-service
standard's terms (``exports/<name>``: Turtle, JSON-LD or JSON as the standard is written)."""

from __future__ import annotations

import argparse
import sys

from jyuso_kb.cli.common import EXIT_OK, add_plan_arguments, plan_of
from jyuso_kb.formats import export, standards


def cmd_export(args: argparse.Namespace) -> int:
    plan = plan_of(args)
    if args.format in standards.names():
        sys.stdout.write(standards.render(plan.merged(), args.format).decode())
        return EXIT_OK
    graph = plan.merged() if args.with_vocabulary else plan.data
    if args.format == "csv":
        graph = plan.merged()
    sys.stdout.write(export.export(graph, args.format))
    return EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("export", help="計画を書き出す")
    p.add_argument(
        "--format",
        choices=[*export.FORMATS, *standards.names()],
        default="ttl",
        help="ttl / jsonld / csv(計画そのもの)、または公共サービスの標準(cpsv-ap: CPSV-AP 3.2 の Turtle、hsds: HSDS 3.0 の"
        " JSON、schema-org: schema.org の JSON-LD、gif: GIF 行政サービス・制度の JSON、dcat: DCAT 3 のデータセット説明)",
    )
    add_plan_arguments(p)
    p.add_argument("--with-vocabulary", action="store_true", help="オントロジーとシソーラスも含める")
    p.set_defaults(func=cmd_export)
