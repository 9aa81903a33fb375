"""The read-only SPARQL endpoint's engine: user queries run in worker processes, never in the server process.

Why processes: rdflib's SPARQL parser is not thread-safe, and a cross join or a property-path star can run for
minutes with no way to stop a thread. Each worker is forked with the plan graph already in memory, answers one
query at a time, and is killed (and replaced) when a query passes the time limit. Inside a worker an audit hook
refuses network connections and file opens outside the Python installation, and the query is refused before
evaluation if it asks for SERVICE, FROM / FROM NAMED or any update (LOAD, INSERT …).
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import multiprocessing
import os
import sys
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
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


class PoolBusy(Exception):
    """No worker became free in time."""


def _guard(allowed_roots: tuple[str, ...]) -> None:
    """In the worker: refuse every network connection and file open outside the Python installation."""

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event in ("socket.connect", "socket.getaddrinfo", "urllib.Request", "socket.bind", "subprocess.Popen"):
            raise PermissionError(f"{event} refused in the SPARQL worker")
        if event == "open" and args and isinstance(args[0], str | bytes):
            path = os.path.realpath(os.fsdecode(args[0]))
            if not path.startswith(allowed_roots):
                raise PermissionError("file access refused in the SPARQL worker")

    sys.addaudithook(hook)


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
    except ParseException:
        try:
            parseUpdate(text)
        except ParseException:
            return None, (
                "sparql_syntax",
                "SPARQL の構文エラーです。",
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


def execute(graph: Graph, text: str, accept: str, row_cap: int) -> SparqlOutcome:
    """Run one query (in a worker). Never raises for bad queries: refusals come back as outcomes."""
    from rdflib.plugins.sparql import algebra

    parsed, refusal = check_query(text)
    if refusal is not None:
        return SparqlOutcome(400, "application/json", b"", error=refusal)
    query = algebra.translateQuery(parsed)
    result = graph.query(query)
    kind = result.type
    if kind in ("CONSTRUCT", "DESCRIBE"):
        media = accept if accept in GRAPH_TYPES else "text/turtle"
        out = Graph()
        truncated = False
        assert result.graph is not None
        for count, triple in enumerate(result.graph):
            if count >= row_cap:
                truncated = True
                break
            out.add(triple)
        return SparqlOutcome(200, media, out.serialize(format=GRAPH_TYPES[media], encoding="utf-8"), truncated)
    media = accept if accept in SELECT_TYPES else "application/sparql-results+json"
    fmt = SELECT_TYPES[media]
    if kind == "ASK":
        return SparqlOutcome(
            200,
            media if fmt in ("json", "xml") else "application/sparql-results+json",
            _ask(bool(result.askAnswer), fmt if fmt == "xml" else "json"),
        )
    variables = [str(v) for v in (result.vars or [])]
    rows: list[dict[str, Any]] = []
    truncated = False
    for row in result:
        if len(rows) >= row_cap:
            truncated = True
            break
        rows.append({str(k): v for k, v in row.asdict().items()})  # type: ignore[union-attr]
    return SparqlOutcome(200, media, _select(variables, rows, fmt), truncated)


def _worker(conn: Connection, graph: Graph, allowed_roots: tuple[str, ...], row_cap: int) -> None:
    import rdflib.plugins.sparql as sparql_settings
    from pyparsing import ParseBaseException

    sparql_settings.SPARQL_LOAD_GRAPHS = False
    _guard(allowed_roots)
    while True:
        try:
            text, accept = conn.recv()
        except EOFError:
            return
        try:
            outcome = execute(graph, text, accept, row_cap)
        except (
            ParseBaseException,
            PermissionError,
            ValueError,
            TypeError,
            KeyError,
            AttributeError,
            RecursionError,
            ZeroDivisionError,
            OverflowError,
        ) as err:
            refused = isinstance(err, PermissionError)
            outcome = SparqlOutcome(
                400,
                "application/json",
                b"",
                error=(
                    (
                        "access_refused",
                        "外部へのアクセスやファイルの読み込みはできません。",
                        "この計画のデータだけを問い合わせてください。",
                    )
                    if refused
                    else ("sparql_error", "このクエリは実行できません。", "構文と関数の使い方を確認してください。")
                ),
            )
        conn.send(outcome)


class _Worker:
    def __init__(self, ctx: Any, graph: Graph, allowed: tuple[str, ...], row_cap: int) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker, args=(child, graph, allowed, row_cap), daemon=True)
        self.process.start()
        child.close()

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=2)


class SparqlPool:
    """A few forked workers holding the plan graph; queries wait for a free worker, up to ``timeout``."""

    def __init__(self, graph: Graph, size: int = 2, timeout: float = 5.0, row_cap: int = 10_000) -> None:
        self.graph = graph
        self.size = size
        self.timeout = timeout
        self.row_cap = row_cap
        self._ctx = multiprocessing.get_context("fork")
        self._allowed = tuple(
            {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, *sys.path) if p}
        )
        self._lock = threading.Lock()
        self._idle: asyncio.Queue[_Worker] | None = None
        self._workers: list[_Worker] = []

    def start(self) -> None:
        self._workers = [self._spawn() for _ in range(self.size)]

    def _spawn(self) -> _Worker:
        with self._lock:
            return _Worker(self._ctx, self.graph, self._allowed, self.row_cap)

    def close(self) -> None:
        for worker in self._workers:
            worker.stop()
        self._workers = []

    async def _queue(self) -> asyncio.Queue[_Worker]:
        if self._idle is None:
            self._idle = asyncio.Queue()
            for worker in self._workers:
                self._idle.put_nowait(worker)
        return self._idle

    async def run(self, text: str, accept: str) -> SparqlOutcome | None:
        """The outcome, or None when the query passed the time limit (its worker was killed and replaced).
        A worker that dies on a query (an error rdflib raises as a bare Exception) answers a refusal."""
        idle = await self._queue()
        try:
            worker = await asyncio.wait_for(idle.get(), timeout=self.timeout)
        except TimeoutError as err:
            raise PoolBusy from err
        died = False
        try:
            worker.conn.send((text, accept))
            ready = await asyncio.to_thread(worker.conn.poll, self.timeout)
            if ready:
                outcome: SparqlOutcome = worker.conn.recv()
                idle.put_nowait(worker)
                return outcome
        except (EOFError, OSError, BrokenPipeError):
            died = True
        worker.stop()
        replacement = await asyncio.to_thread(self._spawn)
        self._workers = [w for w in self._workers if w is not worker] + [replacement]
        idle.put_nowait(replacement)
        if died:
            return SparqlOutcome(
                400,
                "application/json",
                b"",
                error=("sparql_error", "このクエリは実行できません。", "構文と関数の使い方を確認してください。"),
            )
        return None
