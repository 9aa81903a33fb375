"""The plan workbook: the plan as tables, as a folder of CSV files or as one .xlsx, and back to RDF without loss.

What goes in which sheet and column is declared in ``mapping/workbook.yaml``; this module is the generic engine that
reads the declaration. Export puts every triple it can write back exactly (same lexical form, language tag and
datatype) into a column; any other triple goes to the ``extra`` sheet as Turtle terms, so export → import always
gives a graph isomorphic to the source. Import names sheet, row and column for every mistake it finds, and keeps a
:class:`WorkbookIndex` from which :func:`locate` turns a validation finding back into a cell.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import re
import sys
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple, cast
from xml.etree.ElementTree import ParseError

import yaml
from rdflib import RDF, XSD, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from . import resources
from .errors import InputError
from .kb import PlanSource, load_embedded, load_vocabulary
from .namespaces import PREFIXES
from .rdf_input import MAX_FILE_BYTES, read_files

KINDS = ("iri", "lang", "string", "integer", "boolean", "date", "gYearMonth", "typed")
FORMATS = ("csv", "xlsx")
CELL_LIMIT = 32_767  # the most characters an Excel cell holds
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
MAX_ROWS = 100_000
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "'")
_ILLEGAL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_PREFIX_RE = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]*")
_LOCAL_RE = re.compile(r"[A-Za-z0-9_.\-~]*")
_ABSOLUTE_IRI_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|^`\\]*")
_INTEGER_RE = re.compile(r"[+-]?[0-9]+")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_GYEARMONTH_RE = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
_LITERAL_RE = re.compile(r'"((?:[^"\\]|\\.)*)"(?:@([A-Za-z]+(?:-[A-Za-z0-9]+)*)|\^\^(\S+))?', re.DOTALL)
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_UNESCAPES = {"\\": "\\", '"': '"', "n": "\n", "r": "\r", "t": "\t", "'": "'", "b": "\b", "f": "\f"}
_KIND_JA = {
    "iri": "IRI(接頭辞:名前 または <IRI>)",
    "lang": "文字列",
    "string": "文字列(言語タグなし)",
    "integer": "整数",
    "boolean": "真偽",
    "date": "日付 YYYY-MM-DD",
    "gYearMonth": "年月 YYYY-MM",
    "typed": "型付きの値",
}


# ---------------------------------------------------------------------------------------------------- the mapping


@dataclass(frozen=True)
class Column:
    """One column: which property its cells hold, and how a cell is written."""

    header: str
    property: URIRef
    kind: str
    lang: str | None = None
    datatype: URIRef | None = None
    multi: bool = False
    separator: str = "\n"
    order: str = "by-order"
    inverse: bool = False
    readonly: bool = False
    true_token: str = "true"
    false_token: str = "false"


@dataclass(frozen=True)
class SheetSpec:
    """One sheet: an entity sheet (``type``: one row per resource of that class) or a facet of other sheets (``of``)."""

    name: str
    title: str
    type: URIRef | None
    of: tuple[str, ...]
    id_header: str
    sort: tuple[str, ...]
    columns: tuple[Column, ...]

    @property
    def headers(self) -> list[str]:
        return [self.id_header, *(c.header for c in self.columns)]


@dataclass(frozen=True)
class Mapping:
    prefixes: dict[str, str]
    order_property: URIRef
    sheets: tuple[SheetSpec, ...]
    prefix_sheet: str
    prefix_title: str
    prefix_headers: tuple[str, str]
    extra_sheet: str
    extra_title: str
    extra_headers: tuple[str, str, str]

    def sheet(self, name: str) -> SheetSpec | None:
        return next((s for s in self.sheets if s.name == name), None)

    def sheet_names(self) -> list[str]:
        return [self.prefix_sheet, *(s.name for s in self.sheets), self.extra_sheet]


def mapping_file() -> Path:
    return resources.root() / "mapping" / "workbook.yaml"


def load_mapping(path: Path | None = None) -> Mapping:
    """The mapping declared in ``mapping/workbook.yaml`` (or ``path``); raises ValueError if it is inconsistent."""
    return _load_mapping(str(path or mapping_file()))


@lru_cache(maxsize=4)
def _load_mapping(path: str) -> Mapping:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: the mapping must be a YAML mapping")
    prefixes = {str(k): str(v) for k, v in (raw.get("prefixes") or {}).items()}
    separator = str((raw.get("defaults") or {}).get("separator", "\n"))

    def iri(text: Any, where: str) -> URIRef:
        prefix, sep, local = str(text).partition(":")
        if sep and prefix in prefixes:
            return URIRef(prefixes[prefix] + local)
        raise ValueError(f"{path}: {where}: unknown prefix in {text!r}")

    sheets: list[SheetSpec] = []
    for item in raw.get("sheets") or []:
        name = str(item["name"])
        columns = []
        for col in item.get("columns") or []:
            where = f"sheet {name} column {col.get('header')}"
            kind = str(col.get("kind", "lang"))
            if kind not in KINDS:
                raise ValueError(f"{path}: {where}: unknown kind {kind!r}")
            if kind == "lang" and not col.get("lang"):
                raise ValueError(f"{path}: {where}: kind lang needs lang")
            if kind == "typed" and not col.get("datatype"):
                raise ValueError(f"{path}: {where}: kind typed needs datatype")
            order = str(col.get("order", "by-order" if kind == "iri" else "lexical"))
            if order not in ("by-order", "lexical"):
                raise ValueError(f"{path}: {where}: unknown order {order!r}")
            columns.append(
                Column(
                    header=str(col["header"]),
                    property=iri(col["property"], where),
                    kind=kind,
                    lang=str(col["lang"]).lower() if col.get("lang") else None,
                    datatype=iri(col["datatype"], where) if col.get("datatype") else None,
                    multi=bool(col.get("multi", False)),
                    separator=str(col.get("separator", separator)),
                    order=order,
                    inverse=bool(col.get("inverse", False)),
                    readonly=bool(col.get("readonly", False)),
                    true_token=str(col.get("true", "true")),
                    false_token=str(col.get("false", "false")),
                )
            )
        of = tuple(str(o) for o in item.get("of") or ())
        spec = SheetSpec(
            name=name,
            title=str(item.get("title", name)),
            type=iri(item["type"], f"sheet {name}") if item.get("type") else None,
            of=of,
            id_header=str(item.get("id", "ID")),
            sort=tuple(str(s) for s in item.get("sort") or ()),
            columns=tuple(columns),
        )
        if (spec.type is None) == (not of):
            raise ValueError(f"{path}: sheet {name}: give exactly one of type and of")
        known = {s.name for s in sheets if s.type is not None}
        if any(o not in known for o in of):
            raise ValueError(f"{path}: sheet {name}: 'of' must name entity sheets declared before it")
        if len(set(spec.headers)) != len(spec.headers):
            raise ValueError(f"{path}: sheet {name}: headers must be unique")
        if any(s not in spec.headers for s in spec.sort):
            raise ValueError(f"{path}: sheet {name}: sort names an unknown column")
        sheets.append(spec)
    prefix_sheet = raw.get("prefix_sheet") or {}
    extra_sheet = raw.get("extra_sheet") or {}
    mapping = Mapping(
        prefixes=prefixes,
        order_property=iri(raw.get("order_property", "jy:order"), "order_property"),
        sheets=tuple(sheets),
        prefix_sheet=str(prefix_sheet.get("name", "prefixes")),
        prefix_title=str(prefix_sheet.get("title", "接頭辞")),
        prefix_headers=cast(tuple[str, str], tuple(prefix_sheet.get("columns", ["接頭辞", "名前空間"]))),
        extra_sheet=str(extra_sheet.get("name", "extra")),
        extra_title=str(extra_sheet.get("title", "その他の三つ組")),
        extra_headers=cast(tuple[str, str, str], tuple(extra_sheet.get("columns", ["主語", "述語", "目的語"]))),
    )
    names = mapping.sheet_names()
    if len(set(names)) != len(names):
        raise ValueError(f"{path}: sheet names must be unique")
    if any(len(n) > 31 or not re.fullmatch(r"[a-z][a-z0-9_]*", n) for n in names):
        raise ValueError(f"{path}: sheet names must be lower-case ASCII of at most 31 characters (an Excel limit)")
    return mapping


# ---------------------------------------------------------------------------------------------------- cell values


class CellError(Exception):
    """A cell that cannot be read; ``message`` and ``hint`` are Japanese."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class Terms:
    """Writes and reads IRIs as ``prefix:local``, ``<IRI>`` or ``_:label`` with one set of prefixes."""

    def __init__(self, prefixes: dict[str, str]) -> None:
        self.prefixes = dict(prefixes)
        self._by_namespace = sorted(((ns, p) for p, ns in self.prefixes.items()), key=lambda x: (-len(x[0]), x[1]))
        self.used: set[str] = set()
        self._labels: dict[BNode, str] = {}
        self._bnodes: dict[str, BNode] = {}

    def format_iri(self, node: Node) -> str:
        if isinstance(node, BNode):
            if node not in self._labels:
                self._labels[node] = f"b{len(self._labels) + 1}"
            return "_:" + self._labels[node]
        text = str(node)
        for namespace, prefix in self._by_namespace:
            if text.startswith(namespace) and _LOCAL_RE.fullmatch(text[len(namespace) :]):
                self.used.add(prefix)
                return f"{prefix}:{text[len(namespace) :]}"
        return f"<{text}>"

    def parse_iri(self, text: str) -> URIRef | BNode:
        text = text.strip()
        if text.startswith("<") and text.endswith(">"):
            inner = text[1:-1]
            if not _ABSOLUTE_IRI_RE.fullmatch(inner):
                raise CellError(
                    f"「{text}」は IRI として読めません。", "<https://…> のように完全な IRI を書いてください。"
                )
            return URIRef(inner)
        if text.startswith("_:"):
            label = text[2:]
            if not label or not _LOCAL_RE.fullmatch(label):
                raise CellError(f"空白ノード「{text}」の書き方が正しくありません。", "_:b1 のように書いてください。")
            return self._bnodes.setdefault(label, BNode())
        prefix, sep, local = text.partition(":")
        if not sep or not _PREFIX_RE.fullmatch(prefix):
            raise CellError(
                f"「{text}」は IRI として読めません。",
                "接頭辞:名前(例: uozu:dept-shakaifukushi)か <https://…> の形で書いてください。",
            )
        if prefix not in self.prefixes:
            raise CellError(
                f"接頭辞「{prefix}:」が定義されていません。",
                "綴りを確かめるか、シート prefixes に接頭辞と名前空間を加えてください。",
            )
        if not _LOCAL_RE.fullmatch(local):
            raise CellError(
                f"「{text}」の「:」の後に使えない文字があります。",
                "名前には英数字と - _ . ~ だけを使ってください(空白や全角文字は使えません)。",
            )
        return URIRef(self.prefixes[prefix] + local)

    def format_term(self, node: Node) -> str:
        """A Turtle term: IRI as above, or a literal with its language tag or datatype."""
        if not isinstance(node, Literal):
            return self.format_iri(node)
        body = '"' + "".join(_escape_char(ch) for ch in str(node)) + '"'
        if node.language:
            return f"{body}@{node.language}"
        if node.datatype is not None:
            return f"{body}^^{self.format_iri(node.datatype)}"
        return body

    def parse_term(self, text: str) -> Node:
        text = text.strip()
        if not text.startswith('"'):
            if _INTEGER_RE.fullmatch(text):
                return Literal(text, datatype=XSD.integer)
            if text in ("true", "false"):
                return Literal(text, datatype=XSD.boolean)
            return self.parse_iri(text)
        match = _LITERAL_RE.fullmatch(text)
        if match is None:
            raise CellError(
                f"リテラル {text[:40]} の書き方が正しくありません。",
                '"文字列"@ja や "2024-04-01"^^xsd:date のように書き、文字列中の " は \\" と書いてください。',
            )
        value = _unescape(match.group(1))
        if match.group(2):
            return Literal(value, lang=match.group(2))
        if match.group(3):
            datatype = self.parse_iri(match.group(3))
            if not isinstance(datatype, URIRef):
                raise CellError("データ型には IRI を書いてください。")
            return Literal(value, datatype=datatype)
        return Literal(value)


def _escape_char(ch: str) -> str:
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    return f"\\u{ord(ch):04X}" if ord(ch) < 0x20 or ord(ch) == 0x7F else ch


def _unescape(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = text[i + 1 : i + 2]
        if nxt in _UNESCAPES:
            out.append(_UNESCAPES[nxt])
            i += 2
        elif nxt in ("u", "U"):
            width = 4 if nxt == "u" else 8
            digits = text[i + 2 : i + 2 + width]
            if len(digits) != width or not all(c in "0123456789abcdefABCDEF" for c in digits):
                raise CellError("\\u の後には 16 進数を書いてください。")
            out.append(chr(int(digits, 16)))
            i += 2 + width
        else:
            raise CellError(f"使えないエスケープ「\\{nxt}」があります。")
    return "".join(out)


def format_value(col: Column, node: Node, terms: Terms) -> str | None:
    """The cell text of one value, or None if this column does not hold such a value."""
    if col.kind == "iri":
        return terms.format_iri(node) if isinstance(node, (URIRef, BNode)) else None
    if not isinstance(node, Literal):
        return None
    lexical = str(node)
    if col.kind == "lang":
        return lexical if node.language is not None and node.language.lower() == col.lang else None
    if node.language is not None:
        return None
    if col.kind == "string":
        return lexical if node.datatype is None else None
    expected = {"integer": XSD.integer, "boolean": XSD.boolean, "date": XSD.date, "gYearMonth": XSD.gYearMonth}
    if col.kind == "typed":
        return lexical if node.datatype == col.datatype else None
    if node.datatype != expected[col.kind]:
        return None
    if col.kind == "boolean":
        return {"true": col.true_token, "false": col.false_token}.get(lexical)
    return lexical


def parse_value(col: Column, text: str, terms: Terms) -> Node:
    """The RDF term of one cell value; raises CellError with a Japanese message."""
    if col.kind == "iri":
        return terms.parse_iri(text)
    if col.kind == "lang":
        return Literal(text, lang=col.lang)
    if col.kind == "string":
        return Literal(text)
    value = text.strip()
    if col.kind == "integer":
        if not _INTEGER_RE.fullmatch(value):
            raise CellError(f"「{value}」は整数ではありません。", "半角数字で書いてください(例: 2024)。")
        return Literal(int(value))
    if col.kind == "boolean":
        tokens = {col.true_token: "true", col.false_token: "false", "true": "true", "false": "false"}
        lowered = {k.lower(): v for k, v in tokens.items()}
        if value.lower() not in lowered:
            raise CellError(
                f"「{value}」は真偽の値として読めません。",
                f"{col.true_token}(はい)か {col.false_token}(いいえ)を書いてください。",
            )
        return Literal(lowered[value.lower()], datatype=XSD.boolean)
    if col.kind == "date":
        try:
            if not _DATE_RE.fullmatch(value):
                raise ValueError(value)
            dt.date.fromisoformat(value)
        except ValueError as err:
            raise CellError(
                f"「{value}」は日付として読めません。",
                "YYYY-MM-DD の形で、実在する日付を書いてください(例: 2024-04-01)。",
            ) from err
        return Literal(value, datatype=XSD.date)
    if col.kind == "gYearMonth":
        if not _GYEARMONTH_RE.fullmatch(value):
            raise CellError(f"「{value}」は年月として読めません。", "YYYY-MM の形で書いてください(例: 2025-03)。")
        return Literal(value, datatype=XSD.gYearMonth)
    literal = Literal(value, datatype=col.datatype)
    if getattr(literal, "ill_typed", False):
        raise CellError(f"「{value}」はこの列の型の値として読めません。")
    return literal


def _cell_text(col: Column, node: Node, terms: Terms) -> str | None:
    """The text of a value that reads back as exactly the same term, else None (the triple goes to ``extra``)."""
    text = format_value(col, node, terms)
    if text is None or not text.strip() or len(text) > CELL_LIMIT:
        return None
    if _ILLEGAL_CHARS.search(text) or "\r" in text or (col.multi and col.separator in text):
        return None
    try:
        back = parse_value(col, text, terms)
    except CellError:
        return None
    return text if type(back) is type(node) and back == node else None


def split_cell(col: Column, text: str) -> list[str]:
    if col.separator == "\n":
        text = text.replace("\r\n", "\n")
    parts = text.split(col.separator) if col.multi else [text]
    return [p for p in parts if p.strip()]


def escape_cell(text: str) -> str:
    """Cells a spreadsheet would run as a formula (and cells starting with ') get a leading '; undone on import."""
    return "'" + text if text[:1] in FORMULA_TRIGGERS else text


def unescape_cell(text: str) -> str:
    return text[1:] if text[:1] == "'" else text


# ---------------------------------------------------------------------------------------------------- export


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
            notes=["接頭辞(例: uozu)", "名前空間の IRI"],
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
            notes=["主語(IRI)", "述語(IRI)", 'IRI、または "文字列"@ja / "2024-04-01"^^xsd:date のようなリテラル'],
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


def write_csv(tables: Tables, folder: Path) -> list[Path]:
    """One UTF-8 (with BOM, for Excel) CSV file per sheet in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table in tables.tables:
        path = folder / f"{table.name}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow(table.header)
            for row in table.rows:
                writer.writerow([escape_cell(c) for c in row])
        written.append(path)
    return written


def write_xlsx(tables: Tables, path: Path) -> None:
    """One .xlsx with one sheet per table: header row frozen, notes on headers, text cells kept as text."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    book.remove(book.active)
    book.properties.creator = "jyuso-kb"
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    readonly_fill = PatternFill("solid", fgColor="EDEDED")
    for table in tables.tables:
        sheet = book.create_sheet(table.name)
        widths = [_width(h) for h in table.header]
        for j, header in enumerate(table.header, start=1):
            cell = sheet.cell(row=1, column=j, value=header)
            cell.font = Font(bold=True)
            cell.fill = readonly_fill if table.readonly[j - 1] else head_fill
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
                if "\n" in text:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
                widths[j - 1] = max(widths[j - 1], max(_width(line) for line in text.split("\n")))
        for j, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(j)].width = min(60, width + 2)
        sheet.freeze_panes = "B2" if table.name not in (tables.tables[0].name, tables.tables[-1].name) else "A2"
        if table.rows:
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.header))}{len(table.rows) + 1}"
        for j, tokens in enumerate(table.choices, start=1):
            if tokens:
                check = DataValidation(type="list", formula1='"' + ",".join(tokens) + '"', allow_blank=True)
                letter = get_column_letter(j)
                check.add(f"{letter}2:{letter}{len(table.rows) + 200}")
                sheet.add_data_validation(check)
    book.save(path)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


# ---------------------------------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class RawSheet:
    """A sheet as read: ``rows[0]`` is the header (row 1); every cell is text."""

    name: str
    file: str
    rows: list[list[str]]


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

    def row_of(self, subject: Node) -> Location | None:
        return self.rows.get(subject)

    def cell_of(self, subject: Node, prop: Node) -> Location | None:
        return self.cells.get((subject, prop))


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
        names = set(load_mapping().sheet_names())
        return any(p.stem in names for p in path.glob("*.csv"))
    return False


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


def read_csv_folder(folder: Path) -> list[RawSheet]:
    if not folder.is_dir():
        raise InputError(
            "file_not_found", "ワークブックのフォルダが見つかりません。", str(folder), "パスを確認してください。"
        )
    names = load_mapping().sheet_names()
    files = sorted((p for p in folder.iterdir() if p.suffix.lower() == ".csv" and p.is_file()), key=lambda p: p.name)
    if not files:
        raise InputError(
            "not_a_workbook",
            "フォルダに CSV ファイルがありません。",
            str(folder),
            "workbook export で書き出したフォルダを指定してください。",
        )
    sheets = []
    for path in files:
        if path.stem not in names:
            raise InputError(
                "unknown_sheet",
                f"シート「{path.stem}」は計画ワークブックにありません。",
                str(path),
                "ファイル名(シート名)は " + "、".join(names) + " のどれかにしてください。",
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
                f"CSV として読めません(行 {reader.line_num}): {err}",
                f"{path}: シート {path.stem}、行 {reader.line_num}",
                '引用符 " の対応を確認してください。',
            ) from err
        finally:
            csv.field_size_limit(limit)
        sheets.append(RawSheet(path.stem, str(path), rows))
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
    try:
        for sheet in book.worksheets:
            if sheet.max_row > MAX_ROWS:
                raise InputError(
                    "too_large", "行が多すぎます。", f"{where}: シート {sheet.title}", f"{MAX_ROWS} 行までです。"
                )
            rows: list[list[str]] = []
            for r, row in enumerate(sheet.iter_rows(min_row=1, max_row=sheet.max_row), start=1):
                cells = []
                for cell in row:
                    if cell.data_type == "f":
                        raise InputError(
                            "formula",
                            "数式のセルは読み込めません。",
                            f"{where}: シート {sheet.title}、行 {r}、列 {_header_of(rows, cell.column)}",
                            "値を直接書いてください(数式の結果を値として貼り付けます)。",
                        )
                    cells.append(_cell_to_text(cell.value))
                rows.append(cells)
            sheets.append(RawSheet(str(sheet.title), where, rows))
    finally:
        book.close()
    return sheets


def _header_of(rows: list[list[str]], column: int) -> str:
    if rows and 0 < column <= len(rows[0]) and rows[0][column - 1].strip():
        return rows[0][column - 1].strip()
    return _letter(column)


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
        place = f"シート {sheet.name}"
        if row is not None:
            place += f"、行 {row}"
        if column:
            place += f"、列 {column}"
        code = "bad_cell" if column else "bad_row"
        self.problems.append(InputError(code, message, f"{sheet.file}: {place}", hint))

    def run(self) -> tuple[Graph, WorkbookIndex]:
        known = self.mapping.sheet_names()
        for name in self.order:
            if name not in known:
                raw = self.sheets[name]
                self.problems.append(
                    InputError(
                        "unknown_sheet",
                        f"シート「{name}」は計画ワークブックにありません。",
                        f"{raw.file}: シート {name}",
                        "シート名は " + "、".join(known) + " のどれかにしてください。",
                    )
                )
        prefixes = dict(self.mapping.prefixes)
        if self.mapping.prefix_sheet in self.sheets:
            prefixes.update(self.read_prefixes(self.sheets[self.mapping.prefix_sheet]))
        self.terms = Terms(prefixes)
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
                self.problem(
                    raw,
                    1,
                    header,
                    f"列「{header}」はシート {raw.name} にありません。",
                    "見出しは " + "、".join(headers) + " のどれかにしてください。",
                )
            elif header in found.values():
                self.problem(raw, 1, header, f"列「{header}」が 2 回あります。", "どちらか一方にまとめてください。")
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
                    f"接頭辞「{prefix}」の書き方が正しくありません。",
                    "英字で始まる英数字にしてください(例: uozu)。",
                )
            elif not _ABSOLUTE_IRI_RE.fullmatch(namespace):
                self.problem(
                    raw,
                    r,
                    namespace_header,
                    f"名前空間「{namespace}」は IRI ではありません。",
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
                    "この行の資源の IRI(例: uozu:prog-outreach)を書いてください。",
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
                    f"ID「{text}」が行 {seen[subject]} と重複しています。",
                    "1 つの資源は 1 行にまとめてください。",
                )
                continue
            seen[subject] = r
            before = len(self.graph)
            if spec.type is not None:
                self.graph.add((subject, RDF.type, spec.type))
            if spec.type is not None or subject not in self.index.rows:
                self.index.rows[subject] = Location(spec.name, r)
            for header, col in specs.items():
                if col.readonly:
                    continue
                j = by_header.get(header)
                cell = Location(spec.name, r, header)
                if not col.inverse:
                    self.index.cells.setdefault((subject, col.property), cell)
                if j is None:
                    continue
                for part in split_cell(col, unescape_cell(_get(row, j))):
                    try:
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
                    f"ID「{self.terms.format_iri(subject)}」はシート {'、'.join(parents)} にありません。",
                    f"シート {'、'.join(parents)} に行を加えるか、元の行を消したのならこの行も消してください。",
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
                self.index.rows.setdefault(s, Location(raw.name, r))
                self.index.cells.setdefault((s, p), Location(raw.name, r, headers[2]))


def _get(row: Sequence[str], j: int | None) -> str:
    return row[j] if j is not None and j < len(row) else ""


def import_tables(
    sheets: Sequence[RawSheet], source: str = "", mapping: Mapping | None = None
) -> tuple[Graph, WorkbookIndex]:
    """The graph the sheets state and where each fact was; raises WorkbookError naming sheet, row and column."""
    return _Importer(sheets, source, mapping or load_mapping()).run()


def tables_as_raw(tables: Tables, file: str = "") -> list[RawSheet]:
    """Exported tables as if read back (cells escaped and unescaped as in a file); for tests and conversions."""
    return [
        RawSheet(t.name, file, [t.header, *([escape_cell(c) for c in row] for row in t.rows)]) for t in tables.tables
    ]


# ---------------------------------------------------------------------------------------------------- validation


def locate(index: WorkbookIndex, focus_iri: str | Node, path_iri: str | Node | None = None) -> str:
    """Where in the workbook a finding's node (and property) was written, as 「シート <name>、行 <n>、列 <header>」.

    ``focus_iri`` and ``path_iri`` may be full IRIs, ``<IRI>``, prefixed names (as in validation reports) or nodes.
    Returns the cell when the property has a column in the node's row, else the row, else "" (not in the workbook).
    """
    focus = _resolve(index, focus_iri)
    if focus is None:
        return ""
    path = _resolve(index, path_iri) if path_iri else None
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


# ---------------------------------------------------------------------------------------------------- command line


def load_source(paths: Sequence[Path]) -> PlanSource:
    """A plan from Turtle / JSON-LD files or folders and workbooks (.xlsx or CSV folders), all merged."""
    graph = Graph()
    plain: list[Path] = []
    for path in paths:
        if is_workbook(path):
            part, _ = read_workbook(path)
        else:
            plain.append(path)
            continue
        graph += part
        for prefix, namespace in part.namespaces():
            graph.bind(prefix, namespace, override=False)
    if plain:
        part = read_files(plain)
        graph += part
        for prefix, namespace in part.namespaces():
            if prefix:
                graph.bind(prefix, namespace, override=False)
    return PlanSource(load_vocabulary(), graph, ", ".join(str(p) for p in paths))


def plan_for(paths: Sequence[str] | None) -> PlanSource:
    return load_source([Path(p) for p in paths]) if paths else load_embedded()


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
    plan = plan_for(args.data)
    tables = export_tables(plan.data, plan.merged())
    try:
        (out if fmt == "csv" else out.parent).mkdir(parents=True, exist_ok=True)
        if fmt == "csv":
            write_csv(tables, out)
        else:
            write_xlsx(tables, out)
    except OSError as err:
        raise InputError(
            "unwritable", "書き出せません。", str(out), "フォルダの有無と書き込み権限を確認してください。"
        ) from err
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
        raise InputError(
            "unwritable", "書き出せません。", str(out), "フォルダの有無と書き込み権限を確認してください。"
        ) from err
    sys.stdout.write(f"{source} を読み込み、三つ組 {len(graph)} 個を {out} に書き出しました。\n")
    return 0


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
        "--data", nargs="+", help="計画のファイルまたはフォルダ(Turtle / JSON-LD / ワークブック。省略時は魚津市)"
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
