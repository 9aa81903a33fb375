"""``jyuso-kb workbook export | import | template``: the plan as tables for policy staff, back, and a blank one."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jyuso_kb.cli.common import add_plan_arguments, plan_of, unwritable
from jyuso_kb.errors import InputError
from jyuso_kb.formats.workbook import FORMATS, Tables, export_tables, template_tables, write_csv, write_xlsx
from jyuso_kb.plan.workbook.importer import read_workbook
from jyuso_kb.plan.workbook.sheets import WorkbookError


def _output_format(out: Path, requested: str | None) -> str:
    fmt = requested or ("xlsx" if out.suffix.lower() == ".xlsx" else "csv")
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
    return fmt


def _write(tables: Tables, out: Path, fmt: str) -> None:
    try:
        (out if fmt == "csv" else out.parent).mkdir(parents=True, exist_ok=True)
        if fmt == "csv":
            write_csv(tables, out)
        else:
            write_xlsx(tables, out)
    except OSError as err:
        raise unwritable(out) from err


def cmd_export(args: argparse.Namespace) -> int:
    out = Path(args.out)
    fmt = _output_format(out, args.format)
    plan = plan_of(args)
    tables = export_tables(plan.data, plan.merged())
    _write(tables, out, fmt)
    rows = sum(len(t.rows) for t in tables.tables)
    sys.stdout.write(
        f"{out} に書き出しました: シート {len(tables.tables)} 枚、{rows} 行、三つ組 {tables.triples} 個"
        f"(うち extra シート {tables.extra} 個)。\n"
    )
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    out = Path(args.out)
    fmt = _output_format(out, None)
    tables = template_tables(args.code, args.name)
    _write(tables, out, fmt)
    guide = tables.tables[0]
    sheets = sum(1 for t in tables.tables if not t.hidden)
    sys.stdout.write(
        f"{out} に計画ワークブックのひな形を書き出しました: シート {sheets} 枚。"
        f"最初のシート「{guide.name}」に、シートと列ごとの書き方と選べる値があります。\n"
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
    commands = parser.add_subparsers(dest="workbook_command", required=True, metavar="{export,import,template}")
    p = commands.add_parser(
        "export",
        help="計画を表に書き出す(シートごとの CSV か、1 つの .xlsx)",
        description="計画を表に書き出す。対応表は mapping/workbook.yaml。読み込むと元と同じ計画に戻る。",
    )
    p.add_argument(
        "--format", choices=FORMATS, help="csv(フォルダにシートごとの CSV)か xlsx(省略時は --out の拡張子で決める)"
    )
    p.add_argument("--out", required=True, help="出力先(csv はフォルダ、xlsx はファイル)")
    add_plan_arguments(p)
    p.set_defaults(func=cmd_export)
    p = commands.add_parser(
        "import",
        help="表(.xlsx または CSV のフォルダ)を読み込み Turtle に書き出す",
        description="表を読み込み Turtle に書き出す。誤りはシート・行・列で示す(終了コード 2)。",
    )
    p.add_argument("path", help="ワークブック(.xlsx)または CSV のフォルダ")
    p.add_argument("--out", required=True, help="書き出す Turtle ファイル(.ttl)")
    p.set_defaults(func=cmd_import)
    p = commands.add_parser(
        "template",
        help="どの市町村でも書き込める空の計画ワークブック(ひな形)を書き出す",
        description="空の計画ワークブックを書き出す。最初のシート「説明」に全シート・全列の書き方、選択肢の列には"
        "ドロップダウンがある。市町村のコードと名称だけが入る。",
    )
    p.add_argument("--code", required=True, help="全国地方公共団体コード(6 桁、検査数字付き。例: 232068)")
    p.add_argument("--name", required=True, help="市町村名(例: 春日井市)")
    p.add_argument("--out", required=True, help="出力先(.xlsx で終わればそのファイル、それ以外は CSV のフォルダ)")
    p.set_defaults(func=cmd_template)
