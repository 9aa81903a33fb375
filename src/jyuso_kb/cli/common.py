"""What every command shares: exit codes, JSON output, how a failed quality check is printed."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jyuso_kb.check import quality
from jyuso_kb.errors import InputError
from jyuso_kb.namespaces import JY
from jyuso_kb.plan.load import load_plan, load_with_locations
from jyuso_kb.plan.municipalities import choose, load_plans
from jyuso_kb.plan.source import PlanSource
from jyuso_kb.plan.workbook.sheets import WorkbookIndex

EXIT_OK, EXIT_NOT_CONFORMING, EXIT_BAD_INPUT = 0, 1, 2


def dump(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def render_check(result: quality.CheckResult) -> str:
    kind = "違反" if result.check.severity == "error" else "警告"
    lines = ["", f"[{kind}] 品質チェック: {result.check.title}"]
    places = list(result.locations) + [""] * len(result.rows)
    named = result.labels or result.rows  # in staff's words; the JSON output keeps the RDF names for tools
    lines += [
        f"  対象: {' '.join(row)}" + (f"({place})" if place else "")
        for row, place in zip(named[:20], places, strict=False)
    ]
    if len(result.rows) > 20:
        lines.append(f"  …ほか {len(result.rows) - 20} 件")
    if result.fix:
        lines.append(f"  直し方: {result.fix}")
    return "\n".join(lines) + "\n"


PLACE_IN_FILE = re.compile(r"(.+?):(\d+)(?::(\d+))?")  # an error's `where`: path:line or path:line:column
LINE_ONLY = re.compile(r"line (\d+)(?::(\d+))?")


def place(where: str) -> str:
    """An error's ``where`` as staff read it: 「ファイル plan.ttl、行 2、列 6」 for ``plan.ttl:2:6`` (the API keeps
    the ``path:line:column`` form its clients parse); any other place (a sheet, an option) as it is."""
    found = PLACE_IN_FILE.fullmatch(where)
    if found is not None:
        name, line, column = found.groups()
        return f"ファイル {name}、行 {line}" + (f"、列 {column}" if column else "")
    found = LINE_ONLY.fullmatch(where)
    if found is not None:
        return f"行 {found.group(1)}" + (f"、列 {found.group(2)}" if found.group(2) else "")
    return where


def refuse_empty(plan: PlanSource, paths: Sequence[str | Path]) -> None:
    """Exit 2 for paths that hold no plan at all (an empty file, a folder with no plan file), rather than report
    every requirement a plan must meet as missing."""
    if len(plan.data) == 0:
        raise InputError(
            "empty_plan",
            "計画のデータがありません(ファイルが空か、フォルダに計画のファイルがありません)。",
            "、".join(str(p) for p in paths),
            "Turtle(.ttl)・JSON-LD(.jsonld)・ワークブック(.xlsx)の計画のファイルを指定してください。",
        )


def unwritable(path: Path) -> InputError:
    """The error for an output file or folder that cannot be written (exit 2)."""
    return InputError("unwritable", "書き出せません。", str(path), "フォルダの有無と書き込み権限を確認してください。")


DATA_HELP = "計画のファイルまたはフォルダ(省略時は組み込みの計画)。複数指定すると1つの計画として読む"
MUNICIPALITY_HELP = (
    "複数の市町村の計画を読み込んだとき(--data を市町村ごとに、または市町村ごとのフォルダを持つフォルダ)、"
    "この全国地方公共団体コードの計画を使う"
)


def add_plan_arguments(p: argparse.ArgumentParser) -> None:
    """``--data PATH…`` (repeatable) and ``--municipality CODE``, the same on every command that reads a plan."""
    p.add_argument("--data", nargs="+", action="extend", metavar="PATH", help=DATA_HELP)
    p.add_argument("--municipality", metavar="CODE", help=MUNICIPALITY_HELP)


def plan_of(args: argparse.Namespace) -> PlanSource:
    """The plan a command answers from: with ``--municipality``, that municipality's among the plans given (each
    ``--data`` one municipality's); without it, everything given read as one plan, as long as it is one
    municipality's (exit 2 otherwise, naming the codes to choose from)."""
    return located_plan_of(args)[0]


def located_plan_of(args: argparse.Namespace) -> tuple[PlanSource, list[WorkbookIndex]]:
    """:func:`plan_of`, with where each fact stood in the workbooks among the paths (sheet, row, column)."""
    if args.municipality:
        chosen = choose(load_plans(args.data), args.municipality)
        return chosen.plan, list(chosen.locations)
    plan, indexes = load_with_locations(args.data) if args.data else (load_plan(), [])
    if args.data:
        refuse_empty(plan, args.data)
    codes = sorted({str(c) for c in plan.data.objects(None, JY.localGovernmentCode)})
    if len(codes) > 1:
        raise InputError(
            "several_municipalities",
            "複数の市町村の計画が読み込まれました。",
            "--data",
            f"--municipality で全国地方公共団体コードを指定してください(読み込んだ計画: {'、'.join(codes)})。",
        )
    return plan, indexes
