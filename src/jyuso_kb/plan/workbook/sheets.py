"""Reading a workbook's sheets as text (.xlsx or a folder of CSV files), bounded, and where each fact stood."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

from rdflib.term import Node

from jyuso_kb.errors import InputError
from jyuso_kb.plan.read import MAX_FILE_BYTES
from jyuso_kb.plan.workbook.mapping import MAX_ROWS, MAX_UNZIPPED_BYTES, load_mapping

# ---------------------------------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class RawSheet:
    """A sheet as read: ``rows[0]`` is the header (row 1); every cell is text."""

    name: str  # the mapping's name of the sheet, or the name as written when the mapping has none
    file: str
    rows: list[list[str]]
    shown: str = ""  # the name as written (the Japanese title, or the name in an older workbook): what places name

    @property
    def place(self) -> str:
        return self.shown or self.name


@dataclass(frozen=True)
class Location:
    sheet: str
    row: int
    column: str | None = None

    def __str__(self) -> str:
        text = f"シート {self.sheet}、行 {self.row}"
        return f"{text}、列 {self.column}" if self.column else text


@dataclass
class WorkbookIndex:
    """Where each resource and each of its properties was written: subject → row, (subject, property) → cell."""

    source: str
    prefixes: dict[str, str] = field(default_factory=dict)
    rows: dict[Node, Location] = field(default_factory=dict)
    cells: dict[tuple[Node, Node], Location] = field(default_factory=dict)


class WorkbookError(InputError):
    """Input errors of a workbook: the first one as an InputError, all of them in ``problems``."""

    problems: tuple[InputError, ...]

    def __init__(self, first: InputError, problems: Sequence[InputError]) -> None:
        more = f"(ほかに {len(problems) - 1} 件の誤りがあります)" if len(problems) > 1 else ""
        super().__init__(first.code, first.message + more, first.where, first.hint)
        self.problems = tuple(problems)


def is_workbook(path: Path) -> bool:
    """True for an .xlsx file, or a folder holding CSV files named after the workbook's sheets."""
    if path.suffix.lower() == ".xlsx" and not path.is_dir():
        return True
    if path.is_dir():
        csvs = list(path.glob("*.csv"))  # the mapping is read only when there is a CSV file to name
        return bool(csvs) and any(load_mapping().canonical(p.stem) is not None for p in csvs)
    return False


def read_csv_folder(folder: Path) -> list[RawSheet]:
    if not folder.is_dir():
        raise InputError(
            "file_not_found", "ワークブックのフォルダが見つかりません。", str(folder), "パスを確認してください。"
        )
    mapping = load_mapping()
    names = mapping.sheet_names()
    files = sorted((p for p in folder.iterdir() if p.suffix.lower() == ".csv" and p.is_file()), key=lambda p: p.name)
    if not files:
        raise InputError(
            "not_a_workbook",
            "フォルダに CSV ファイルがありません。",
            str(folder),
            "workbook export で書き出したフォルダを指定してください。",
        )
    sheets = []
    for position, path in enumerate(files, start=1):
        if path.stem in mapping.ignored_sheets():
            continue  # the template's guide: for people, never read
        canonical = mapping.canonical(path.stem)
        if canonical is None:
            # the file's name is the user's text: named by its position instead
            raise InputError(
                "unknown_sheet",
                "計画ワークブックにない名前の CSV ファイルがあります。",
                f"{folder}: 名前順で {position} 番目の CSV ファイル",
                "ファイル名(シート名)は "
                + "、".join(names)
                + " のどれかにしてください(不要なファイルは消してください)。",
            )
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InputError("too_large", "ファイルが大きすぎます(上限 10 MiB)。", str(path), "表を分けてください。")
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as err:
            raise InputError(
                "encoding", "UTF-8 として読めません。", str(path), "文字コードを UTF-8 にして保存してください。"
            ) from err
        except OSError as err:
            raise InputError("unreadable", "ファイルを読めません。", str(path), "権限を確認してください。") from err
        reader = csv.reader(io.StringIO(text, newline=""))
        rows: list[list[str]] = []
        limit = csv.field_size_limit(MAX_FILE_BYTES)
        try:
            for row in reader:
                rows.append(row)
                if len(rows) > MAX_ROWS:
                    raise InputError("too_large", "行が多すぎます。", str(path), f"1 シート {MAX_ROWS} 行までです。")
        except csv.Error as err:
            raise InputError(
                "syntax_error",
                f"CSV として読めません(行 {reader.line_num}): {_csv_reason(str(err))}。",
                f"{path}: シート {path.stem}、行 {reader.line_num}",
                '引用符 " の対応を確認してください。',
            ) from err
        finally:
            csv.field_size_limit(limit)
        sheets.append(RawSheet(canonical, str(path), rows, path.stem))
    return sheets


def read_xlsx(path: Path) -> list[RawSheet]:
    where = str(path)
    if not path.is_file():
        raise InputError("file_not_found", "ファイルが見つかりません。", where, "パスを確認してください。")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InputError("too_large", "ファイルが大きすぎます(上限 10 MiB)。", where, "表を分けてください。")
    not_excel = InputError(
        "not_a_workbook", "Excel ブック(.xlsx)として読めません。", where, "Excel で .xlsx 形式で保存し直してください。"
    )
    try:
        with zipfile.ZipFile(path) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED_BYTES:
                raise InputError("too_large", "展開後のサイズが大きすぎます。", where, "表を分けてください。")
    except (zipfile.BadZipFile, OSError) as err:
        raise not_excel from err
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=False, data_only=False)
    except (
        KeyError,
        ValueError,
        TypeError,
        IndexError,
        AttributeError,
        OSError,
        zipfile.BadZipFile,
        ParseError,
    ) as err:
        # a damaged file fails in openpyxl's zip and XML readers (defusedxml's refusals are ValueErrors)
        raise not_excel from err
    sheets = []
    mapping = load_mapping()
    try:
        for position, sheet in enumerate(book.worksheets, start=1):
            title = str(sheet.title)
            if title in mapping.ignored_sheets():
                continue  # the template's guide and lists of choices: for people, never read
            # a sheet of the workbook is named by its name; any other by its position (its name is the user's text)
            canonical = mapping.canonical(title)
            place = f"シート {title}" if canonical is not None else f"{position} 枚目のシート"
            if sheet.max_row > MAX_ROWS:
                raise InputError("too_large", "行が多すぎます。", f"{where}: {place}", f"{MAX_ROWS} 行までです。")
            spec = mapping.sheet(title)
            known = spec.headers if spec is not None else []
            rows: list[list[str]] = []
            for r, row in enumerate(sheet.iter_rows(min_row=1, max_row=sheet.max_row), start=1):
                cells = []
                for cell in row:
                    if cell.data_type == "f":
                        raise InputError(
                            "formula",
                            "数式のセルは読み込めません。",
                            f"{where}: {place}、行 {r}、列 {_header_of(rows, cell.column, known)}",
                            "値を直接書いてください(数式の結果を値として貼り付けます)。",
                        )
                    cells.append(_cell_to_text(cell.value))
                rows.append(cells)
            sheets.append(RawSheet(canonical or title, where, rows, title))
    finally:
        book.close()
    return sheets


def _header_of(rows: list[list[str]], column: int, known: Sequence[str]) -> str:
    """The column's header when it is one of the sheet's (``known``), else its letter (a header the workbook does
    not define is the user's text)."""
    if rows and 0 < column <= len(rows[0]) and rows[0][column - 1].strip() in known:
        return rows[0][column - 1].strip()
    return _letter(column)


def _csv_reason(message: str) -> str:
    """The csv module's reason in Japanese (its messages do not quote the file, but are English)."""
    if "field larger than field limit" in message:
        return "セルが大きすぎます"
    if "line contains NUL" in message:
        return "NUL 文字があります"
    if "new-line character seen in unquoted field" in message:
        return "引用符で囲まれていないセルに改行があります"
    return "CSV の書き方が正しくありません"


def _letter(column: int) -> str:
    text = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        text = chr(65 + rest) + text
    return text


def _cell_to_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)
