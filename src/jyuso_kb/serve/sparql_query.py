"""Checking and answering one SPARQL query, in a worker process: refusals (updates, SERVICE, FROM, GRAPH,
extension functions), the result formats, and the row and byte caps."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from rdflib import BNode, Graph, Literal, URIRef

from jyuso_kb.formula import formula_safe

_XSD = "http://www.w3.org/2001/XMLSchema#"
SELECT_TYPES = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
GRAPH_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
}


@dataclass(frozen=True)
class SparqlOutcome:
    status: int
    content_type: str
    body: bytes
    truncated: bool = False
    error: tuple[str, str, str] | None = None  # code, message, hint


def _walk(node: Any) -> Any:
    """Every CompValue / ParseResults element of a parsed query (for the SERVICE / FROM checks)."""
    stack = [node]
    while stack:
        item = stack.pop()
        yield item
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif hasattr(item, "asList") and not isinstance(item, str):
            stack.extend(list(item))


def check_query(text: str) -> tuple[Any, tuple[str, str, str] | None]:
    """Parse a query; (parsed, None) when it may run, or (None, (code, message, hint)) when it is refused."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        parsed = parseQuery(text)
    except ParseException as err:
        try:
            parseUpdate(text)
        except ParseException:
            return None, (  # where the parser stopped: pyparsing's line and column (1-based, in characters)
                "sparql_syntax",
                f"SPARQL の構文エラーです(行 {err.lineno}、列 {err.col})。",
                "SELECT / ASK / CONSTRUCT / DESCRIBE の構文を確認してください。",
            )
        return None, (
            "read_only",
            "このエンドポイントは読み取り専用です(更新・LOAD はできません)。",
            "SELECT / ASK / CONSTRUCT / DESCRIBE を使ってください。",
        )
    for item in _walk(parsed):
        name = getattr(item, "name", None)
        if name == "GraphGraphPattern":
            return None, (
                "graph_refused",
                "GRAPH(名前付きグラフ)は使えません。",
                "計画のデータは既定グラフにあります。GRAPH を外してください。",
            )
        if (
            name == "Function"
            and isinstance(item, dict)
            and "iri" in item.keys()
            and not str(item["iri"]).startswith(_XSD)
        ):
            return None, (
                "function_refused",
                "拡張関数(IRI で呼ぶ関数)は使えません。",
                "SPARQL 1.1 の組み込み関数と xsd の型変換だけを使ってください。",
            )
        if name == "ServiceGraphPattern":
            return None, (
                "service_refused",
                "SERVICE(外部エンドポイントへの問い合わせ)は使えません。",
                "この計画のデータだけを問い合わせてください。",
            )
        if name == "DatasetClause" or (isinstance(item, dict) and "datasetClause" in item.keys()):
            return None, (
                "from_refused",
                "FROM / FROM NAMED(外部グラフの読み込み)は使えません。",
                "FROM を外してください。既定グラフに計画のデータがあります。",
            )
    return parsed, None


def _term_json(term: Any) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    out = {"type": "literal", "value": str(term)}
    if isinstance(term, Literal):
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype:
            out["datatype"] = str(term.datatype)
    return out


def _select(variables: list[str], rows: list[dict[str, Any]], fmt: str) -> bytes:
    if fmt == "json":
        bindings = [{v: _term_json(r[v]) for v in variables if r.get(v) is not None} for r in rows]
        return json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}}, ensure_ascii=False).encode()
    if fmt in ("csv", "tsv"):
        out = io.StringIO()
        if fmt == "csv":
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow(variables)
            for r in rows:
                writer.writerow(["" if r.get(v) is None else formula_safe(str(r[v])) for v in variables])
        else:
            out.write("\t".join("?" + v for v in variables) + "\n")
            for r in rows:
                out.write("\t".join("" if r.get(v) is None else _tsv_term(r[v]) for v in variables) + "\n")
        return out.getvalue().encode()
    parts = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>']
    parts += [f'<variable name="{escape(v)}"/>' for v in variables]
    parts.append("</head>\n<results>")
    for r in rows:
        parts.append("<result>")
        for v in variables:
            term = r.get(v)
            if term is None:
                continue
            if isinstance(term, URIRef):
                inner = f"<uri>{escape(str(term))}</uri>"
            elif isinstance(term, BNode):
                inner = f"<bnode>{escape(str(term))}</bnode>"
            else:
                attr = (
                    f' xml:lang="{term.language}"'
                    if term.language
                    else (f' datatype="{escape(str(term.datatype))}"' if term.datatype else "")
                )
                inner = f"<literal{attr}>{escape(str(term))}</literal>"
            parts.append(f'<binding name="{escape(v)}">{inner}</binding>')
        parts.append("</result>")
    parts.append("</results>\n</sparql>\n")
    return "".join(parts).encode()


_TSV_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _tsv_term(term: Any) -> str:
    """A term as the SPARQL TSV format writes it: Turtle syntax on one line, tabs and line breaks escaped."""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    text = '"' + str(term).translate(_TSV_ESCAPES) + '"'
    if isinstance(term, Literal) and term.language:
        return f"{text}@{term.language}"
    if isinstance(term, Literal) and term.datatype:
        return f"{text}^^<{term.datatype}>"
    return text


def _ask(value: bool, fmt: str) -> bytes:
    if fmt == "xml":
        return (
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>\n"
        ).encode()
    return json.dumps({"head": {}, "boolean": value}).encode()


def _size(terms: Any) -> int:
    return sum(len(str(term).encode("utf-8")) + 16 for term in terms if term is not None)


def _within(items: list[Any], render: Any, byte_cap: int) -> tuple[bytes, bool]:
    """The rendered result, leaving off trailing items until it fits ``byte_cap`` bytes (True when any was)."""
    body = render(items)
    truncated = False
    while len(body) > byte_cap and items:
        items = items[: len(items) // 2]
        body, truncated = render(items), True
    return body, truncated


def execute(graph: Graph, text: str, accept: str, row_cap: int, byte_cap: int = 16 * 1024 * 1024) -> SparqlOutcome:
    """Run one query on an rdflib graph (in a worker). Never raises for bad queries: refusals come back as outcomes.
    At most ``row_cap`` rows (or triples) and ``byte_cap`` bytes come back; the outcome says when some were left
    off."""
    from rdflib.plugins.sparql import algebra

    parsed, refusal = check_query(text)
    if refusal is not None:
        return SparqlOutcome(400, "application/json", b"", error=refusal)
    result = graph.query(algebra.translateQuery(parsed))
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        assert result.graph is not None
        return render_graph(iter(result.graph), accept, row_cap, byte_cap)
    if result.type == "ASK":
        return render_ask(bool(result.askAnswer), accept)
    rows = ({str(k): v for k, v in row.asdict().items()} for row in result)  # type: ignore[union-attr]
    return render_select([str(v) for v in (result.vars or [])], rows, accept, row_cap, byte_cap)


def render_graph(triples: Iterator[Any], accept: str, row_cap: int, byte_cap: int) -> SparqlOutcome:
    """A CONSTRUCT / DESCRIBE result (rdflib triples) in the asked graph format, within the caps."""
    media = accept if accept in GRAPH_TYPES else "text/turtle"
    kept: list[Any] = []
    truncated, size = False, 0
    for triple in triples:
        size += _size(triple)
        if len(kept) >= row_cap or size > byte_cap:
            truncated = True
            break
        kept.append(triple)

    def graph_of(items: list[Any]) -> bytes:
        out = Graph()
        for item in items:
            out.add(item)
        return out.serialize(format=GRAPH_TYPES[media], encoding="utf-8")

    body, cut = _within(kept, graph_of, byte_cap)
    return SparqlOutcome(200, media, body, truncated or cut)


def render_ask(answer: bool, accept: str) -> SparqlOutcome:
    media = accept if accept in SELECT_TYPES else "application/sparql-results+json"
    fmt = SELECT_TYPES[media]
    return SparqlOutcome(
        200,
        media if fmt in ("json", "xml") else "application/sparql-results+json",
        _ask(answer, fmt if fmt == "xml" else "json"),
    )


def render_select(
    variables: list[str], solutions: Iterator[dict[str, Any]], accept: str, row_cap: int, byte_cap: int
) -> SparqlOutcome:
    """A SELECT result (rows of rdflib terms by variable name) in the asked results format, within the caps."""
    media = accept if accept in SELECT_TYPES else "application/sparql-results+json"
    fmt = SELECT_TYPES[media]
    rows: list[dict[str, Any]] = []
    truncated, size = False, 0
    for values in solutions:
        size += _size(values.values())
        if len(rows) >= row_cap or size > byte_cap:
            truncated = True
            break
        rows.append(values)
    body, cut = _within(rows, lambda items: _select(variables, items, fmt), byte_cap)
    return SparqlOutcome(200, media, body, truncated or cut)
