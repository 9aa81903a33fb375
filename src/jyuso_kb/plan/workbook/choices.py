"""Choices: the closed vocabularies a column holds (``values``: individuals of an ontology class) and the rows of the
same workbook it points at (``refers``), each named by its Japanese label, and how a cell's label is read back as
the identifier. What the labels are comes from the ontology and the mapping (``labels``), never from code."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.term import Node

from jyuso_kb.plan.source import vocabulary_graph
from jyuso_kb.plan.terms import order_key
from jyuso_kb.plan.workbook.cells import CellError, Terms, split_cell, unescape_cell
from jyuso_kb.plan.workbook.mapping import Column, Mapping, SheetSpec
from jyuso_kb.plan.workbook.sheets import RawSheet

_IDENTIFIER_RE = re.compile(r"\s*(<|_:|[A-Za-z][A-Za-z0-9_.\-]*:)")
MAX_LISTED = 12  # a hint lists the choices when there are at most this many; else it points at the guide sheet


@dataclass(frozen=True)
class Choice:
    """One value of a closed vocabulary: its identifier, the label lists show, and every name that reads as it."""

    node: URIRef
    label: str
    names: tuple[str, ...]


def normalise(text: str) -> str:
    """How labels are compared: NFKC (全角の数字・英字 = 半角), blanks at either end and inside removed."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def subclasses(graph: Graph, cls: URIRef) -> list[URIRef]:
    """``cls`` and every class below it (rdfs:subClassOf, transitively)."""
    found = [cls]
    for sub in found:
        found.extend(s for s in graph.subjects(RDFS.subClassOf, sub) if isinstance(s, URIRef) and s not in found)
    return found


def ja_text(graph: Graph, node: Node, properties: Iterable[URIRef], lang: str = "ja") -> str:
    """The first (lexically least) literal in ``lang`` of the first of ``properties`` that has one, else ""."""
    for prop in properties:
        texts = sorted(str(o) for o in graph.objects(node, prop) if isinstance(o, Literal) and o.language == lang)
        if texts:
            return texts[0]
    return ""


@lru_cache(maxsize=64)
def vocabulary_choices(cls: URIRef, properties: tuple[URIRef, ...], lang: str) -> tuple[Choice, ...]:
    """The individuals of ``cls`` (or a subclass) in the project's vocabulary, in the plan's order (jy:order, IRI)."""
    graph = vocabulary_graph()
    members = {s for c in subclasses(graph, cls) for s in graph.subjects(RDF.type, c) if isinstance(s, URIRef)}
    out = []
    for node in sorted(members, key=lambda n: order_key(graph, n)):
        label = ja_text(graph, node, properties, lang) or str(node)
        names = [
            str(o)
            for prop in properties
            for o in graph.objects(node, prop)
            if isinstance(o, Literal) and o.language in (lang, None)
        ]
        out.append(Choice(node, label, tuple(dict.fromkeys([label, *sorted(names)]))))
    return tuple(out)


def column_choices(col: Column, mapping: Mapping) -> tuple[Choice, ...]:
    """The closed vocabulary of a ``values`` column (empty for any other column)."""
    if col.values is None:
        return ()
    return vocabulary_choices(col.values, mapping.label_properties, mapping.label_lang)


@dataclass(frozen=True)
class Unknown:
    """「不明」 in a column whose property the plan may leave unstated: the text, and the triple it stands for
    (row, ``property``, the column's property)."""

    property: URIRef
    text: str


def unknown_of(col: Column, mapping: Mapping) -> Unknown | None:
    """The 「不明」 a column takes (the mapping's ``unknown``), or None for a column whose property must be stated."""
    if mapping.unknown is None or col.readonly or col.inverse:
        return None
    return _unknown(col.property, mapping.unknown, mapping.label_lang)


@lru_cache(maxsize=128)
def _unknown(prop: URIRef, unknown: tuple[URIRef, URIRef, URIRef], lang: str) -> Unknown | None:
    graph = vocabulary_graph()
    unstated, marker, shown = unknown
    if (prop, marker, Literal(True)) not in graph:
        return None
    text = ja_text(graph, unstated, (shown,), lang)
    return Unknown(unstated, text) if text else None


def name_headers(spec: SheetSpec, mapping: Mapping) -> list[str]:
    """The columns whose values name a row of this sheet: ``names``, else its label columns in the label language."""
    if spec.names:
        return list(spec.names)
    return [
        c.header
        for c in spec.columns
        if c.property in mapping.label_properties
        and c.kind == "lang"
        and c.lang == mapping.label_lang
        and not c.readonly
    ]


class Resolver:
    """Reads a cell of a column with choices: an identifier as written, else a label of the column's vocabulary or
    of a row of the sheets it refers to. Raises CellError naming no cell text (the error gives the place)."""

    def __init__(self, mapping: Mapping, sheets: dict[str, RawSheet], terms: Terms) -> None:
        self.mapping = mapping
        self.sheets = sheets
        self.terms = terms
        self._rows: dict[str, tuple[dict[str, list[Node]], dict[str, list[Node]]]] = {}

    def value(self, col: Column, text: str) -> Node:
        try:
            return self.terms.parse_iri(text)
        except CellError as err:
            not_an_identifier = err
        found = self.lookup(col, normalise(text))
        if len(found) == 1:
            return found[0]
        if found:
            raise CellError(
                f"{col.header}の値に当てはまるものが 2 つ以上あります。",
                "同じ名称のものがあります。ID(接頭辞:名前)で書いてください。",
            )
        if _IDENTIFIER_RE.match(text):
            raise not_an_identifier
        raise CellError(f"{col.header}の値は選択肢にありません。説明シートの一覧から選んでください。", self.hint(col))

    def lookup(self, col: Column, key: str) -> list[Node]:
        """Nodes named ``key``: by the label lists show first; by any other name only when none has that label."""
        firsts: list[Node] = []
        others: list[Node] = []
        for choice in column_choices(col, self.mapping):
            if normalise(choice.label) == key:
                firsts.append(choice.node)
            elif key in (normalise(n) for n in choice.names):
                others.append(choice.node)
        for sheet in col.refers:
            first, every = self.rows(sheet)
            firsts.extend(first.get(key, ()))
            others.extend(every.get(key, ()))
        return list(dict.fromkeys(firsts or others))

    def rows(self, name: str) -> tuple[dict[str, list[Node]], dict[str, list[Node]]]:
        """The rows of sheet ``name`` by their first name column and by any name column (read once)."""
        if name not in self._rows:
            spec = self.mapping.sheet(name)
            raw = self.sheets.get(name)
            first: dict[str, list[Node]] = {}
            every: dict[str, list[Node]] = {}
            if spec is not None and raw is not None and raw.rows:
                headers = [h.strip() for h in raw.rows[0]]
                wanted = [h for h in name_headers(spec, self.mapping) if h in headers]
                specs = {c.header: c for c in spec.columns}
                for row in raw.rows[1:]:
                    node = self._row_id(row, headers, spec.id_header)
                    if node is None:
                        continue
                    for position, header in enumerate(wanted):
                        cell = _get(row, headers.index(header))
                        column = specs.get(header)
                        parts = split_cell(column, unescape_cell(cell)) if column is not None else [cell]
                        for part in parts:
                            if position == 0:
                                first.setdefault(normalise(part), []).append(node)
                            every.setdefault(normalise(part), []).append(node)
            self._rows[name] = (first, every)
        return self._rows[name]

    def _row_id(self, row: Sequence[str], headers: list[str], id_header: str) -> Node | None:
        if id_header not in headers:
            return None
        text = unescape_cell(_get(row, headers.index(id_header))).strip()
        try:
            return self.terms.parse_iri(text) if text else None
        except CellError:
            return None

    def hint(self, col: Column) -> str:
        parts = []
        choices = column_choices(col, self.mapping)
        if choices and len(choices) <= MAX_LISTED:
            parts.append("選べる値: " + "、".join(c.label for c in choices) + "。")
        elif choices:
            parts.append(f"選べる値は説明シートの列「{col.header}」の行にあります。")
        if col.refers:
            sheets = "、".join(self.mapping.shown(s) for s in col.refers)
            parts.append(f"シート {sheets} の行の名称を書くか、先にそのシートに行を加えてください。")
        return "".join(parts) + "ID(接頭辞:名前)で書くこともできます。"


def _get(row: Sequence[str], j: int) -> str:
    return row[j] if j < len(row) else ""
