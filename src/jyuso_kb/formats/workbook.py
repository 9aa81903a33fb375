"""The plan as a workbook: tables from the graph, written as a folder of CSV files or one .xlsx.

Export puts every triple it can write back exactly (same lexical form, language tag and datatype) into a column;
any other triple goes to the ``extra`` sheet as Turtle terms, so export → import gives an isomorphic graph.
"""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.term import Node

from jyuso_kb.errors import InputError
from jyuso_kb.plan.workbook.cells import Terms, _cell_text, escape_cell
from jyuso_kb.plan.workbook.choices import name_headers, unknown_of
from jyuso_kb.plan.workbook.guide import choice_key, choice_lists, guide_rows
from jyuso_kb.plan.workbook.mapping import (
    _ABSOLUTE_IRI_RE,
    _INTEGER_RE,
    _KIND_JA,
    CELL_LIMIT,
    Column,
    Mapping,
    SheetSpec,
    load_mapping,
)
from jyuso_kb.plan.workbook.template import template_graph

# ---------------------------------------------------------------------------------------------------- export


FORMATS = ("csv", "xlsx")
LIST_ROWS = 1000  # a blank workbook's drop-down lists reach this many rows below the last filled one


@dataclass
class Table:
    """One sheet as text: header, rows, and per column whether xlsx writes it as a number and whether it is read."""

    name: str
    title: str
    header: list[str]
    rows: list[list[str]]
    numeric: list[bool]
    readonly: list[bool]
    notes: list[str]
    choices: list[tuple[str, ...]] = field(default_factory=list)
    lists: list[tuple[str, bool]] = field(default_factory=list)  # per column: a list's range and whether it binds
    freeze: str = "B2"
    hidden: bool = False
    wrap: bool = False


@dataclass
class Tables:
    tables: list[Table]
    triples: int
    extra: int

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)


class _Value(NamedTuple):
    key: tuple[int, int, str]
    text: str
    triple: tuple[Node, Node, Node]
    node: Node


class _Exporter:
    def __init__(self, data: Graph, context: Graph, mapping: Mapping) -> None:
        self.data = data
        self.context = context
        self.mapping = mapping
        candidates = dict(mapping.prefixes)
        for prefix, namespace in data.namespaces():
            if prefix and prefix not in candidates and str(namespace) not in candidates.values():
                candidates[prefix] = str(namespace)
        self.terms = Terms(candidates)
        self.claimed: set[tuple[Node, Node, Node]] = set()
        self.members: dict[str, list[Node]] = {}

    def key(self, node: Node | None) -> tuple[int, int, str]:
        if node is None:
            return (2, 0, "")
        if isinstance(node, Literal):
            value = node.toPython()
            if isinstance(value, int) and not isinstance(value, bool):
                return (0, value, "")
            return (1, 0, str(node))
        order = self.context.value(node, self.mapping.order_property)
        if isinstance(order, Literal) and isinstance(order.toPython(), int):
            return (0, int(order.toPython()), str(node))
        return (1, 0, str(node))

    def run(self) -> Tables:
        for triple in self.data:
            for node in triple:
                if isinstance(node, URIRef) and not _ABSOLUTE_IRI_RE.fullmatch(str(node)):
                    raise InputError(
                        "bad_iri",
                        "IRI に使えない文字(空白など)があるため、表に書き出せません。",
                        str(node),
                        "IRI を直してから書き出してください。",
                    )
        assigned: set[Node] = set()
        for spec in self.mapping.sheets:
            if spec.type is None:
                continue
            subjects = sorted(
                (s for s in self.data.subjects(RDF.type, spec.type) if s not in assigned),
                key=lambda s: self.key(s),
            )
            assigned.update(subjects)
            self.claimed.update((s, RDF.type, spec.type) for s in subjects)
            self.members[spec.name] = subjects
        tables = [self.sheet(spec) for spec in self.mapping.sheets]
        extra = self.extra_table()
        prefixes = Table(
            name=self.mapping.prefix_sheet,
            title=self.mapping.prefix_title,
            header=list(self.mapping.prefix_headers),
            rows=[[p, self.terms.prefixes[p]] for p in sorted(self.terms.used)],
            numeric=[False, False],
            readonly=[False, False],
            notes=list(self.mapping.prefix_notes),
            freeze="A2",
        )
        return Tables([prefixes, *tables, extra], triples=len(self.data), extra=len(extra.rows))

    def sheet(self, spec: SheetSpec) -> Table:
        if spec.type is not None:
            subjects = self.members[spec.name]
        else:
            subjects = list(dict.fromkeys(s for parent in spec.of for s in self.members[parent]))
        keyed = []
        for subject in subjects:
            cells = [self.terms.format_iri(subject)]
            firsts: dict[str, Node | None] = {spec.id_header: subject}
            for col in spec.columns:
                text, first = self.fill(col, subject)
                cells.append(text)
                firsts[col.header] = first
            sort_key = [self.key(firsts[h]) for h in spec.sort] if spec.type is not None else []
            keyed.append(((*sort_key, self.key(subject)) if spec.type is not None else (), cells, subject))
        if spec.type is not None:
            keyed.sort(key=lambda item: item[0])
            self.members[spec.name] = [item[2] for item in keyed]
        return Table(
            name=spec.name,
            title=spec.title,
            header=spec.headers,
            rows=[item[1] for item in keyed],
            numeric=[False, *(c.kind == "integer" and not c.multi for c in spec.columns)],
            readonly=[False, *(c.readonly for c in spec.columns)],
            notes=["この行の資源の IRI(接頭辞:名前)", *(_column_note(c, self.terms) for c in spec.columns)],
            choices=[(), *((c.true_token, c.false_token) if c.kind == "boolean" else () for c in spec.columns)],
        )

    def fill(self, col: Column, subject: Node) -> tuple[str, Node | None]:
        if col.inverse:
            found = [((v, col.property, subject), v) for v in self.data.subjects(col.property, subject)]
        else:
            found = [((subject, col.property, v), v) for v in self.data.objects(subject, col.property)]
        values: list[_Value] = []
        for triple, node in found:
            if not col.readonly and triple in self.claimed:
                continue
            text = _cell_text(col, node, self.terms)
            if text is None:
                continue
            key = self.key(node) if col.order == "by-order" else (1, 0, text)
            values.append(_Value(key, text, triple, node))
        values.sort(key=lambda v: (v.key, v.text))
        if not col.multi:
            values = values[:1]
        kept: list[_Value] = []
        length = 0
        for value in values:
            length += len(value.text) + len(col.separator)
            if length > CELL_LIMIT:
                break
            kept.append(value)
        if not col.readonly:
            self.claimed.update(v.triple for v in kept)
        unknown = unknown_of(col, self.mapping) if not kept else None
        if unknown is not None and (said := (subject, unknown.property, col.property)) in self.data:
            if said not in self.claimed:
                self.claimed.add(said)
                return unknown.text, None  # 「不明」: the plan does not state it
        return col.separator.join(v.text for v in kept), (kept[0].node if kept else None)

    def extra_table(self) -> Table:
        left = [t for t in self.data if t not in self.claimed]
        rows = [[self.terms.format_term(s), self.terms.format_term(p), self.terms.format_term(o)] for s, p, o in left]
        rows.sort()
        return Table(
            name=self.mapping.extra_sheet,
            title=self.mapping.extra_title,
            header=list(self.mapping.extra_headers),
            rows=rows,
            numeric=[False, False, False],
            readonly=[False, False, False],
            notes=list(self.mapping.extra_notes),
            freeze="A2",
        )


def _column_note(col: Column, terms: Terms) -> str:
    parts = [terms.format_iri(col.property), _KIND_JA[col.kind]]
    if col.kind == "lang":
        parts[-1] += f"(@{col.lang})"
    if col.kind == "boolean":
        parts[-1] += f"({col.true_token} / {col.false_token})"
    if col.multi:
        parts.append("複数可(改行で区切る)" if col.separator == "\n" else f"複数可({col.separator!r} で区切る)")
    if col.inverse:
        parts.append("向き: この値 → この行")
    if col.readonly:
        parts.append("参照用(読み込みでは使わない)")
    return "\n".join(parts)


def export_tables(data: Graph, context: Graph | None = None, mapping: Mapping | None = None) -> Tables:
    """The data graph as tables. ``context`` (e.g. vocabulary + data) is read only to order rows and values."""
    return _Exporter(data, context if context is not None else data, mapping or load_mapping()).run()


def template_tables(code: str, name: str, mapping: Mapping | None = None) -> Tables:
    """A blank workbook for one municipality: the guide first, then every sheet of the export with its headers and
    only the municipality and its plan filled in, and last a hidden sheet with the lists the drop-downs show."""
    mapping = mapping or load_mapping()
    tables = export_tables(template_graph(code, name, mapping), mapping=mapping)
    lists = choice_lists(mapping)
    keys = list(lists)
    for table in tables.tables:
        spec = mapping.sheet(table.name)
        if spec is not None:
            table.choices = []
            table.lists = [("", False), *(_list_of(col, mapping, keys, lists) for col in spec.columns)]
    depth = max((len(labels) for _, labels in lists.values()), default=0)
    rows = [[labels[i] if i < len(labels) else "" for _, labels in lists.values()] for i in range(depth)]
    choices = Table(
        name=mapping.choices_sheet,
        title=mapping.choices_sheet,
        header=[title for title, _ in lists.values()],
        rows=rows,
        numeric=[False] * len(lists),
        readonly=[False] * len(lists),
        notes=[],
        freeze="A2",
        hidden=True,
    )
    columns = list(mapping.guide.columns)
    guide = Table(
        name=mapping.guide.name,
        title=mapping.guide.name,
        header=columns,
        rows=guide_rows(mapping),
        numeric=[False] * len(columns),
        readonly=[False] * len(columns),
        notes=[],
        freeze="A2",
        wrap=True,
    )
    return Tables([guide, *tables.tables, choices], triples=tables.triples, extra=0)


def _list_of(
    col: Column, mapping: Mapping, keys: list[tuple[str, ...]], lists: dict[tuple[str, ...], tuple[str, list[str]]]
) -> tuple[str, bool]:
    """A column's drop-down: its vocabulary's list on the hidden sheet, or the name column of the one sheet it refers
    to; binding only for a single value of a closed vocabulary (or a boolean), warning otherwise."""
    from openpyxl.utils import get_column_letter

    key = choice_key(col, mapping)
    if col.readonly:
        return ("", False)
    if key:
        letter = get_column_letter(keys.index(key) + 1)
        binding = col.kind == "boolean" or (not col.refers and not col.multi)
        return (f"'{mapping.choices_sheet}'!${letter}$2:${letter}${len(lists[key][1]) + 1}", binding)
    target = mapping.sheet(col.refers[0]) if len(col.refers) == 1 else None
    names = name_headers(target, mapping) if target is not None else []
    if target is None or not names:
        return ("", False)
    letter = get_column_letter(target.headers.index(names[0]) + 1)
    return (f"'{target.title or target.name}'!${letter}$2:${letter}${LIST_ROWS + 1}", False)  # the sheet's xlsx name


def write_csv(tables: Tables, folder: Path) -> list[Path]:
    """One UTF-8 (with BOM, for Excel) CSV file per sheet in ``folder`` (a hidden sheet has none)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table in tables.tables:
        if table.hidden:
            continue
        path = folder / f"{table.name}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow(table.header)
            for row in table.rows:
                writer.writerow([escape_cell(c) for c in row])
        written.append(path)
    return written


def write_xlsx(tables: Tables, path: Path | BinaryIO) -> None:
    """One .xlsx with one sheet per table: header row frozen, notes on headers, text cells kept as text, and the
    drop-down lists the tables name (a hidden table is a hidden sheet)."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    book.properties.creator = "jyuso-kb"
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    readonly_fill = PatternFill("solid", fgColor="EDEDED")
    for table in tables.tables:
        sheet = book.create_sheet(table.title or table.name)  # the Japanese title (CSV files keep the names)
        widths = [_width(h) for h in table.header]
        for j, header in enumerate(table.header, start=1):
            cell = sheet.cell(row=1, column=j, value=header)
            cell.font = Font(bold=True)
            cell.fill = readonly_fill if table.readonly[j - 1] else head_fill
            if j <= len(table.notes) and table.notes[j - 1]:
                note = Comment(table.notes[j - 1], "jyuso-kb")
                note.width, note.height = 260, 110
                cell.comment = note
        for i, row in enumerate(table.rows, start=2):
            for j, text in enumerate(row, start=1):
                if text == "":
                    continue
                if len(escape_cell(text)) > CELL_LIMIT:
                    raise InputError(
                        "too_long",
                        f"Excel のセルに入りきらない値があります({CELL_LIMIT} 文字まで)。",
                        f"{path}: シート {table.name}、行 {i}、列 {table.header[j - 1]}",
                        "--format csv で書き出してください(CSV には長さの上限がありません)。",
                    )
                if table.numeric[j - 1] and _INTEGER_RE.fullmatch(text):
                    sheet.cell(row=i, column=j, value=int(text))
                    continue
                cell = sheet.cell(row=i, column=j, value=escape_cell(text))
                cell.data_type = "s"
                cell.number_format = "@"
                if "\n" in text or table.wrap:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
                widths[j - 1] = max(widths[j - 1], max(_width(line) for line in text.split("\n")))
        for j, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(j)].width = min(60, width + 2)
        sheet.freeze_panes = table.freeze
        if table.rows and not table.hidden:
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.header))}{len(table.rows) + 1}"
        if table.hidden:
            sheet.sheet_state = "hidden"
        _add_lists(sheet, table)
    book.save(path)


def _add_lists(sheet: Any, table: Table) -> None:
    """Drop-down lists: a table's ``lists`` (a range on another sheet; binding ones refuse other values, the others
    warn), else its inline ``choices``."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    last = len(table.rows) + (LIST_ROWS if table.lists else 200)
    for j in range(1, len(table.header) + 1):
        letter = get_column_letter(j)
        source, binding = table.lists[j - 1] if j <= len(table.lists) else ("", False)
        tokens = table.choices[j - 1] if j <= len(table.choices) else ()
        if source:
            check = DataValidation(type="list", formula1=source, allow_blank=True, showErrorMessage=True)
            check.errorStyle = "stop" if binding else "warning"
            check.errorTitle = "選択肢にない値です"
            check.error = (
                "一覧から選んでください。"
                if binding
                else "一覧にない値です。複数の値はセルの中で改行して区切り、一覧にないものは ID(接頭辞:名前)で書きます。"
            )
        elif tokens:
            check = DataValidation(type="list", formula1='"' + ",".join(tokens) + '"', allow_blank=True)
        else:
            continue
        check.add(f"{letter}2:{letter}{last}")
        sheet.add_data_validation(check)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)
