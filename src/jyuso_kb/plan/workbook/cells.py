"""Cell values: how an RDF term is written into a workbook cell and read back, losslessly."""

from __future__ import annotations

import datetime as dt

from rdflib import XSD, BNode, Literal, URIRef
from rdflib.term import Node

from jyuso_kb.formula import formula_safe
from jyuso_kb.plan.workbook.mapping import (
    _ABSOLUTE_IRI_RE,
    _DATE_RE,
    _ESCAPES,
    _GYEARMONTH_RE,
    _ILLEGAL_CHARS,
    _INTEGER_RE,
    _LITERAL_RE,
    _LOCAL_RE,
    _PREFIX_RE,
    _UNESCAPES,
    CELL_LIMIT,
    Column,
)

# ---------------------------------------------------------------------------------------------------- cell values


class CellError(Exception):
    """A cell that cannot be read; ``message`` and ``hint`` are Japanese and never quote the cell (the error names
    its sheet, row and column instead)."""

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
                raise CellError("IRI として読めません。", "<https://…> のように完全な IRI を書いてください。")
            return URIRef(inner)
        if text.startswith("_:"):
            label = text[2:]
            if not label or not _LOCAL_RE.fullmatch(label):
                raise CellError("空白ノードの書き方が正しくありません。", "_:b1 のように書いてください。")
            return self._bnodes.setdefault(label, BNode())
        prefix, sep, local = text.partition(":")
        if not sep or not _PREFIX_RE.fullmatch(prefix):
            raise CellError(
                "IRI として読めません。",
                "接頭辞:名前(例: city:dept-fukushi)か <https://…> の形で書いてください。",
            )
        if prefix not in self.prefixes:
            raise CellError(
                "接頭辞が定義されていません。",
                "綴りを確かめるか、シート prefixes に接頭辞と名前空間を加えてください。",
            )
        if not _LOCAL_RE.fullmatch(local):
            raise CellError(
                "「:」の後に使えない文字があります。",
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
                "リテラルの書き方が正しくありません。",
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
            raise CellError(
                "使えないエスケープ(\\ の後の文字)があります。", '使えるのは \\n \\t \\" \\\\ \\uXXXX などです。'
            )
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
            raise CellError("整数ではありません。", "半角数字で書いてください(例: 2024)。")
        return Literal(int(value))
    if col.kind == "boolean":
        tokens = {"true": "true", "false": "false", col.true_token: "true", col.false_token: "false"}
        tokens.update({col.true_label: "true", col.false_label: "false"})
        lowered = {k.lower(): v for k, v in tokens.items()}
        if value.lower() not in lowered:
            raise CellError(
                "真偽の値として読めません。",
                f"{col.true_label} か {col.false_label} を書いてください(true / false でも書けます)。",
            )
        return Literal(lowered[value.lower()], datatype=XSD.boolean)
    if col.kind == "date":
        try:
            if not _DATE_RE.fullmatch(value):
                raise ValueError(value)
            dt.date.fromisoformat(value)
        except ValueError as err:
            raise CellError(
                "日付として読めません。",
                "YYYY-MM-DD の形で、実在する日付を書いてください(例: 2024-04-01)。",
            ) from err
        return Literal(value, datatype=XSD.date)
    if col.kind == "gYearMonth":
        if not _GYEARMONTH_RE.fullmatch(value):
            raise CellError("年月として読めません。", "YYYY-MM の形で書いてください(例: 2025-03)。")
        return Literal(value, datatype=XSD.gYearMonth)
    literal = Literal(value, datatype=col.datatype)
    if getattr(literal, "ill_typed", False):
        raise CellError("この列の型の値として読めません。")
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
    return "'" + text if text.startswith("'") else formula_safe(text)


def unescape_cell(text: str) -> str:
    return text[1:] if text[:1] == "'" else text
