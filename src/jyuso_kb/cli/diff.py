"""``jyuso-kb diff``: what differs between two plans."""

from __future__ import annotations

import argparse
import sys

from jyuso_kb.cli.common import EXIT_OK, dump
from jyuso_kb.formats.diff import render_text, semantic_diff
from jyuso_kb.plan.load import load_plan


def cmd_diff(args: argparse.Namespace) -> int:
    old = load_plan([args.old])
    new = load_plan([args.new])
    result = semantic_diff(old.data, new.data, old.vocabulary)
    if args.json:
        dump(result)
    else:
        sys.stdout.write(render_text(result))
    return EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("diff", help="2つの計画の違い(事業・課・マトリクス・会議・スケジュール)")
    p.add_argument("old", help="旧い計画(ファイルまたはフォルダ)")
    p.add_argument("new", help="新しい計画(ファイルまたはフォルダ)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_diff)
