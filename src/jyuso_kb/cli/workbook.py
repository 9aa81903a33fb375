"""``jyuso-kb workbook export | import``: the plan as tables for policy staff, and back."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jyuso_kb.cli.common import unwritable
from jyuso_kb.errors import InputError
from jyuso_kb.formats.workbook import FORMATS, export_tables, write_csv, write_xlsx
from jyuso_kb.plan.load import load_plan
from jyuso_kb.plan.workbook.importer import read_workbook
from jyuso_kb.plan.workbook.sheets import WorkbookError


def cmd_export(args: argparse.Namespace) -> int:
    out = Path(args.out)
    fmt = args.format or ("xlsx" if out.suffix.lower() == ".xlsx" else "csv")
    if fmt == "xlsx" and out.suffix.lower() != ".xlsx":
        raise InputError(
            "bad_output", "Excel 形式の出力先は .xlsx で終わる名前にしてください。", str(out), "例: --out plan.xlsx"
        )
    if fmt == "csv" and (out.suffix.lower() == ".xlsx" or out.is_file()):
        raise InputError(
            "bad_output",
            "CSV 形式はフォルダに書き出します。",
            str(out),
            "フォルダ名を指定してください(例: --out plan-csv)。",
        )
    plan = load_plan(args.data)
    tables = export_tables(plan.data, plan.merged())
    try:
        (out if fmt == "csv" else out.parent).mkdir(parents=True, exist_ok=True)
        if fmt == "csv":
            write_csv(tables, out)
        else:
            write_xlsx(tables, out)
    except OSError as err:
        raise unwritable(out) from err
    rows = sum(len(t.rows) for t in tables.tables)
    sys.stdout.write(
        f"{out} に書き出しました: シート {len(tables.tables)} 枚、{rows} 行、三つ組 {tables.triples} 個"
        f"(うち extra シート {tables.extra} 個)。\n"
    )
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    source = Path(args.path)
    try:
        graph, _ = read_workbook(source)
    except WorkbookError as err:
        for problem in err.problems:
            sys.stderr.write(f"エラー: {problem.message}\n  場所: {problem.where}\n")
            if problem.hint:
                sys.stderr.write(f"  ヒント: {problem.hint}\n")
        return 2
    out = Path(args.out)
    try:
        out.write_text(graph.serialize(format="turtle"), encoding="utf-8")
    except OSError as err:
        raise unwritable(out) from err
    sys.stdout.write(f"{source} を読み込み、三つ組 {len(graph)} 個を {out} に書き出しました。\n")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Registers ``workbook export`` and ``workbook import`` on the CLI's subparsers."""
    parser = sub.add_parser(
        "workbook",
        help="計画を表(CSV のフォルダ / Excel ブック)として書き出す・読み込む",
        description="計画を表として書き出し(export)、編集した表を読み込む(import)。",
    )
    commands = parser.add_subparsers(dest="workbook_command", required=True, metavar="{export,import}")
    p = commands.add_parser(
        "export",
        help="計画を表に書き出す(シートごとの CSV か、1 つの .xlsx)",
        description="計画を表に書き出す。対応表は mapping/workbook.yaml。読み込むと元と同じ計画に戻る。",
    )
    p.add_argument(
        "--format", choices=FORMATS, help="csv(フォルダにシートごとの CSV)か xlsx(省略時は --out の拡張子で決める)"
    )
    p.add_argument("--out", required=True, help="出力先(csv はフォルダ、xlsx はファイル)")
    p.add_argument(
        "--data",
        nargs="+",
        help="計画のファイルまたはフォルダ(Turtle / JSON-LD / ワークブック。省略時は組み込みの計画)",
    )
    p.set_defaults(func=cmd_export)
    p = commands.add_parser(
        "import",
        help="表(.xlsx または CSV のフォルダ)を読み込み Turtle に書き出す",
        description="表を読み込み Turtle に書き出す。誤りはシート・行・列で示す(終了コード 2)。",
    )
    p.add_argument("path", help="ワークブック(.xlsx)または CSV のフォルダ")
    p.add_argument("--out", required=True, help="書き出す Turtle ファイル(.ttl)")
    p.set_defaults(func=cmd_import)
