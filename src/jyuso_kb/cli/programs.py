"""``jyuso-kb programs``: the programme catalog."""

from __future__ import annotations

import argparse
import sys

from jyuso_kb.cli.common import EXIT_OK, add_plan_arguments, dump, plan_of
from jyuso_kb.formats import catalog


def cmd_programs(args: argparse.Namespace) -> int:
    rows = catalog.programs(plan_of(args).merged())
    if args.json:
        dump({"programs": rows})
        return EXIT_OK
    for row in rows:
        new = "【新規】" if row["new"] else ""
        sys.stdout.write(f"{row['source']:<6} {row['label']}{new}\n")
        sys.stdout.write(f"       根拠: {'、'.join(row['legal_basis'])}\n")
        sys.stdout.write(
            f"       所管課: {'、'.join(d['label'] for d in row['departments'])}  実施方式: {row['implementation']}\n"
        )
        if row["operators"]:
            sys.stdout.write(f"       委託先・実施場所: {'、'.join(o['label'] for o in row['operators'])}\n")
        sys.stdout.write(f"       支援対象者: {row['target_group']}\n")
    return EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("programs", help="事業の一覧")
    p.add_argument("--json", action="store_true")
    add_plan_arguments(p)
    p.set_defaults(func=cmd_programs)
