"""``jyuso-kb render``: the plan's tables as Markdown or HTML."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jyuso_kb.cli.common import add_plan_arguments, plan_of, unwritable
from jyuso_kb.formats.render import FORMATS, render

# ---------------------------------------------------------------------------------------------------- command line


def cmd_render(args: argparse.Namespace) -> int:

    text = render(plan_of(args).merged(), args.format)
    if args.out:
        out = Path(args.out)
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as err:
            raise unwritable(out) from err
        sys.stdout.write(f"{out} に書き出しました。\n")
    else:
        sys.stdout.write(text)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Registers ``render`` on the CLI's subparsers."""
    p = sub.add_parser(
        "render",
        help="計画書の表(各事業・会議体・スケジュール・庁内連携体制)を Markdown / HTML で出力する",
        description="知識ベースから計画書の表を生成する。HTML は外部のファイルを使わない 1 枚のページ。",
    )
    p.add_argument("--format", choices=FORMATS, default="md", help="md(Markdown、既定)か html")
    add_plan_arguments(p)
    p.add_argument("--out", help="出力ファイル(省略時は標準出力)")
    p.set_defaults(func=cmd_render)
