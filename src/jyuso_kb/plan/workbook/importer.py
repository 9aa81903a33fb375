"""Workbook → RDF: the graph the sheets state, with sheet, row and column for every mistake, and :func:`locate`,
which turns a validation finding back into a cell."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from jyuso_kb.errors import InputError
from jyuso_kb.namespaces import PREFIXES
from jyuso_kb.plan.workbook.cells import CellError, Terms, parse_value, split_cell, unescape_cell
from jyuso_kb.plan.workbook.choices import Resolver, normalise, unknown_of
from jyuso_kb.plan.workbook.findings import sheet_column
from jyuso_kb.plan.workbook.mapping import _ABSOLUTE_IRI_RE, _PREFIX_RE, Mapping, SheetSpec, load_mapping
from jyuso_kb.plan.workbook.sheets import (
    Location,
    RawSheet,
    WorkbookError,
    WorkbookIndex,
    _letter,
    read_csv_folder,
    read_xlsx,
)

# ---------------------------------------------------------------------------------------------------- import


class _Importer:
    def __init__(self, sheets: Sequence[RawSheet], source: str, mapping: Mapping) -> None:
        self.sheets = {s.name: s for s in sheets}
        self.order = [s.name for s in sheets]
        self.source = source
        self.mapping = mapping
        self.graph = Graph()
        self.problems: list[InputError] = []
        self.index = WorkbookIndex(source)
        self.subjects: dict[str, dict[Node, tuple[int, bool]]] = {}

    def problem(self, sheet: RawSheet, row: int | None, column: str | None, message: str, hint: str = "") -> None:
        place = f"シート {sheet.place}"
        if row is not None:
            place += f"、行 {row}"
        if column:
            place += f"、列 {column}"
        code = "bad_cell" if column else "bad_row"
        self.problems.append(InputError(code, message, f"{sheet.file}: {place}", hint))

    def run(self) -> tuple[Graph, WorkbookIndex]:
        known = self.mapping.sheet_names()
        ignored = self.mapping.ignored_sheets()
        for position, name in enumerate(self.order, start=1):
            if name not in known and name not in ignored:
                # the sheet's name is the user's text: named by its position instead
                self.problems.append(
                    InputError(
                        "unknown_sheet",
                        "計画ワークブックにないシートがあります。",
                        f"{self.sheets[name].file}: {position} 枚目のシート",
                        "シート名は " + "、".join(self.mapping.sheet_titles()) + " のどれか(以前の版の英語の名前も可)"
                        "にしてください(不要なシートは消してください)。",
                    )
                )
        prefixes = dict(self.mapping.prefixes)
        if self.mapping.prefix_sheet in self.sheets:
            prefixes.update(self.read_prefixes(self.sheets[self.mapping.prefix_sheet]))
        self.terms = Terms(prefixes)
        self.resolver = Resolver(self.mapping, self.sheets, self.terms)
        self.index.prefixes = prefixes
        for prefix, namespace in prefixes.items():
            self.graph.bind(prefix, namespace, override=True)
        for spec in self.mapping.sheets:
            if spec.name in self.sheets:
                self.read_sheet(spec, self.sheets[spec.name])
        for spec in self.mapping.sheets:
            if spec.name in self.sheets and spec.type is None:
                self.check_facet(spec, self.sheets[spec.name])
        if self.mapping.extra_sheet in self.sheets:
            self.read_extra(self.sheets[self.mapping.extra_sheet])
        if self.problems:
            raise WorkbookError(self.problems[0], self.problems)
        return self.graph, self.index

    def columns(self, raw: RawSheet, headers: Sequence[str]) -> dict[int, str]:
        """Column index → header, for the known headers; unknown or repeated headers are problems."""
        found: dict[int, str] = {}
        if not raw.rows:
            return found
        for j, text in enumerate(raw.rows[0]):
            header = text.strip()
            if not header:
                if any(j < len(row) and row[j].strip() for row in raw.rows[1:]):
                    self.problem(
                        raw, 1, _letter(j + 1), "見出しのない列に値があります。", "1 行目に列の見出しを書いてください。"
                    )
                continue
            if header not in headers:
                # the header is the user's text: the column is named by its letter
                self.problem(
                    raw,
                    1,
                    _letter(j + 1),
                    f"この列の見出しはシート {raw.place} にありません。",
                    "見出しは " + "、".join(headers) + " のどれかにしてください。",
                )
            elif header in found.values():
                self.problem(
                    raw, 1, _letter(j + 1), f"列「{header}」が 2 回あります。", "どちらか一方にまとめてください。"
                )
            else:
                found[j] = header
        return found

    def data_rows(self, raw: RawSheet) -> Iterable[tuple[int, list[str]]]:
        for r, row in enumerate(raw.rows[1:], start=2):
            if any(cell.strip() for cell in row):
                yield r, row

    def read_prefixes(self, raw: RawSheet) -> dict[str, str]:
        prefix_header, namespace_header = self.mapping.prefix_headers
        columns = {h: j for j, h in self.columns(raw, self.mapping.prefix_headers).items()}
        out: dict[str, str] = {}
        for r, row in self.data_rows(raw):
            prefix = _get(row, columns.get(prefix_header)).strip().removesuffix(":")
            namespace = _get(row, columns.get(namespace_header)).strip()
            if not _PREFIX_RE.fullmatch(prefix):
                self.problem(
                    raw,
                    r,
                    prefix_header,
                    "接頭辞の書き方が正しくありません。",
                    "英字で始まる英数字にしてください(例: city)。",
                )
            elif not _ABSOLUTE_IRI_RE.fullmatch(namespace):
                self.problem(
                    raw,
                    r,
                    namespace_header,
                    "名前空間が IRI ではありません。",
                    "https://… の形で書いてください。",
                )
            else:
                out[prefix] = namespace
        return out

    def read_sheet(self, spec: SheetSpec, raw: RawSheet) -> None:
        columns = self.columns(raw, spec.headers)
        by_header = {h: j for j, h in columns.items()}
        specs = {c.header: c for c in spec.columns}
        id_col = by_header.get(spec.id_header)
        seen: dict[Node, int] = {}
        for r, row in self.data_rows(raw):
            if id_col is None:
                self.problem(
                    raw,
                    1,
                    None,
                    f"{spec.id_header} の列がありません。",
                    f"1 行目に「{spec.id_header}」の列を加えてください。",
                )
                return
            text = unescape_cell(_get(row, id_col)).strip()
            if not text:
                self.problem(
                    raw,
                    r,
                    spec.id_header,
                    "ID が空です。",
                    "この行の資源の IRI(例: city:prog-outreach)を書いてください。",
                )
                continue
            try:
                subject = self.terms.parse_iri(text)
            except CellError as err:
                self.problem(raw, r, spec.id_header, err.message, err.hint)
                continue
            if subject in seen:
                self.problem(
                    raw,
                    r,
                    spec.id_header,
                    f"ID が行 {seen[subject]} と重複しています。",
                    "1 つの資源は 1 行にまとめてください。",
                )
                continue
            seen[subject] = r
            before = len(self.graph)
            if spec.type is not None:
                self.graph.add((subject, RDF.type, spec.type))
            if spec.type is not None or subject not in self.index.rows:
                self.index.rows[subject] = Location(raw.place, r)
            for header, col in specs.items():
                if col.readonly:
                    continue
                j = by_header.get(header)
                cell = Location(raw.place, r, header)
                if not col.inverse:
                    self.index.cells.setdefault((subject, col.property), cell)
                if j is None:
                    continue
                unknown = unknown_of(col, self.mapping)
                for part in split_cell(col, unescape_cell(_get(row, j))):
                    if unknown is not None and normalise(part) == normalise(unknown.text):
                        self.graph.add((subject, unknown.property, col.property))  # 「不明」: the plan does not say
                        continue
                    try:
                        if col.kind == "iri" and col.has_choices():
                            value = self.resolver.value(col, part)
                        else:
                            value = parse_value(col, part, self.terms)
                    except CellError as err:
                        self.problem(raw, r, header, err.message, err.hint)
                        continue
                    if col.inverse:
                        if isinstance(value, Literal):
                            self.problem(raw, r, header, "この列には IRI を書いてください。")
                            continue
                        self.graph.add((value, col.property, subject))
                        self.index.cells.setdefault((value, col.property), cell)
                    else:
                        self.graph.add((subject, col.property, value))
            self.subjects.setdefault(spec.name, {})[subject] = (r, len(self.graph) > before)

    def check_facet(self, spec: SheetSpec, raw: RawSheet) -> None:
        """A row of a facet sheet must belong to a row of one of its sheets (when those sheets are present)."""
        parents = [p for p in spec.of if p in self.sheets]
        if not parents:
            return
        known = {s for p in parents for s in self.subjects.get(p, {})}
        for subject, (r, stated) in self.subjects.get(spec.name, {}).items():
            if stated and subject not in known:
                self.problem(
                    raw,
                    r,
                    spec.id_header,
                    f"この行の ID はシート {'、'.join(self.mapping.shown(p) for p in parents)} にありません。",
                    f"シート {'、'.join(self.mapping.shown(p) for p in parents)} に行を加えるか、"
                    "元の行を消したのならこの行も消してください。",
                )

    def read_extra(self, raw: RawSheet) -> None:
        headers = self.mapping.extra_headers
        columns = {h: j for j, h in self.columns(raw, headers).items()}
        for r, row in self.data_rows(raw):
            terms: list[Node] = []
            for position, header in enumerate(headers):
                text = unescape_cell(_get(row, columns.get(header))).strip()
                if not text:
                    self.problem(raw, r, header, "値が空です。", "主語・述語・目的語をすべて書いてください。")
                    break
                try:
                    term = self.terms.parse_term(text) if position == 2 else self.terms.parse_iri(text)
                except CellError as err:
                    self.problem(raw, r, header, err.message, err.hint)
                    break
                if position == 1 and not isinstance(term, URIRef):
                    self.problem(raw, r, header, "述語には IRI を書いてください。")
                    break
                terms.append(term)
            if len(terms) == 3:
                s, p, o = terms
                self.graph.add((s, p, o))
                self.index.rows.setdefault(s, Location(raw.place, r))
                self.index.cells.setdefault((s, p), Location(raw.place, r, headers[2]))


def _get(row: Sequence[str], j: int | None) -> str:
    return row[j] if j is not None and j < len(row) else ""


def import_tables(
    sheets: Sequence[RawSheet], source: str = "", mapping: Mapping | None = None
) -> tuple[Graph, WorkbookIndex]:
    """The graph the sheets state and where each fact was; raises WorkbookError naming sheet, row and column."""
    return _Importer(sheets, source, mapping or load_mapping()).run()


def read_workbook(path: Path) -> tuple[Graph, WorkbookIndex]:
    """The graph a workbook (.xlsx or CSV folder) states, and where each fact was; raises InputError (exit 2)."""
    if path.is_file() and path.suffix.lower() != ".xlsx":
        raise InputError(
            "not_a_workbook",
            "ワークブック(.xlsx または CSV のフォルダ)ではありません。",
            str(path),
            "workbook export で書き出した .xlsx か、CSV のフォルダを指定してください。",
        )
    sheets = read_xlsx(path) if path.suffix.lower() == ".xlsx" else read_csv_folder(path)
    return import_tables(sheets, str(path))


# ---------------------------------------------------------------------------------------------------- validation


def locate(index: WorkbookIndex, focus_iri: str | Node, path_iri: str | Node | None = None) -> str:
    """Where in the workbook a finding's node (and property) was written, as 「シート <name>、行 <n>、列 <header>」.

    ``focus_iri`` and ``path_iri`` may be full IRIs, ``<IRI>``, prefixed names (as in validation reports) or nodes.
    Returns the cell when the property has a column in the node's row, else the row; for a node that is no row of the
    workbook (a provision of the law), the sheet and column that hold the property when only one sheet does; else "".
    """
    focus = _resolve(index, focus_iri)
    if focus is None:
        return ""
    path = _resolve(index, path_iri) if path_iri else None
    if path is not None and focus not in index.rows:
        return sheet_column(path)
    if path is not None:
        cell = index.cells.get((focus, path))
        if cell is not None:
            return str(cell)
    row = index.rows.get(focus)
    return str(row) if row is not None else ""


def _resolve(index: WorkbookIndex, value: str | Node | None) -> Node | None:
    if value is None or isinstance(value, (URIRef, BNode, Literal)):
        return value
    text = str(value).strip()
    if text.startswith("<") and text.endswith(">"):
        return URIRef(text[1:-1])
    prefix, sep, local = text.partition(":")
    prefixes = {**PREFIXES, **index.prefixes}
    if sep and prefix in prefixes and not local.startswith("//"):
        return URIRef(prefixes[prefix] + local)
    node = URIRef(text)
    if node in index.rows or any(key[0] == node for key in index.cells):
        return node
    blank = BNode(text)
    return blank if blank in index.rows else node
