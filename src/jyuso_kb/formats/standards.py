"""Exports to public-service standards, each written as data in ``exports/``, so that a new standard (or a change in
a mapping) is a data file, not code:

- ``exports/<name>.rq``: one SPARQL CONSTRUCT over the plan with the project's vocabulary, written as Turtle, or as
  JSON-LD when its header says ``# media: application/ld+json`` (``# vocab:`` names the vocabulary terms compact to);
- ``exports/<name>/``: a JSON document; ``about.txt`` holds the header and ``# lists:`` the document's lists in order,
  each built by one SELECT ``<list>.rq`` (how rows become objects: :mod:`jyuso_kb.formats.tables`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import orjson
from rdflib import Graph, Literal
from rdflib.plugins.sparql.sparql import Query

from jyuso_kb import query_parsing, resources
from jyuso_kb.formats import export
from jyuso_kb.formats.tables import TableSpec, objects_of
from jyuso_kb.reason.headers import read_headers

PREFIXES = {
    "cpsv": "http://purl.org/vocab/cpsv#",
    "cv": "http://data.europa.eu/m8g/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "eli": "http://data.europa.eu/eli/ontology#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "org": "http://www.w3.org/ns/org#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
}
TURTLE = "text/turtle"
JSONLD = "application/ld+json"
JSON = "application/json"


@dataclass(frozen=True)
class Table:
    name: str
    query: Query
    spec: TableSpec


@dataclass(frozen=True)
class Standard:
    """One export: its header (name, intent, standard, example …), and a CONSTRUCT or the SELECTs of a document."""

    name: str
    headers: dict[str, str]
    construct: Query | None = None
    tables: tuple[Table, ...] = ()

    @property
    def media_type(self) -> str:
        if self.tables:
            return JSON
        return self.headers.get("media", TURTLE)

    def graph(self, merged: Graph, base: str | None = None) -> Graph:
        """A new graph: the plan in the standard's terms (a CONSTRUCT export only). ``base`` is the service's URL,
        given to the query as ``?base`` (the DCAT record's links; without it, the query's own default)."""
        if self.construct is None:
            raise ValueError(f"{self.name} is a JSON document, not a graph")
        graph = Graph()
        for prefix, namespace in PREFIXES.items():
            graph.bind(prefix, namespace)
        bindings = {"base": Literal(base)} if base is not None else {}
        for triple in merged.query(self.construct, initBindings=bindings):
            graph.add(triple)  # type: ignore[arg-type]
        return graph

    def document(self, merged: Graph) -> dict[str, list[dict[str, Any]]]:
        """The JSON document: each list built by its SELECT (a document export only)."""
        out = {}
        for table in self.tables:
            result = merged.query(table.query)
            columns = [str(v) for v in result.vars or ()]
            out[table.name] = objects_of(result, columns, table.spec)  # type: ignore[arg-type]
        return out

    def render(self, merged: Graph) -> bytes:
        """The export as the bytes a client receives (Turtle, JSON-LD or JSON)."""
        if self.tables:
            return orjson.dumps(self.document(merged), option=orjson.OPT_INDENT_2) + b"\n"
        graph = self.graph(merged)
        if self.media_type == JSONLD:
            context = {"@vocab": self.headers["vocab"]} if "vocab" in self.headers else dict(PREFIXES)
            compact = json.loads(graph.serialize(format="json-ld", context=context, auto_compact=True))

            def ordered(value: Any) -> Any:
                """The same JSON-LD with keys, nodes and values in one order (JSON-LD arrays are sets unless @list,
                which no export builds), so that the bytes (and their ETag) do not depend on the process."""
                if isinstance(value, dict):
                    return {key: ordered(value[key]) for key in sorted(value)}
                if isinstance(value, list):
                    return sorted((ordered(v) for v in value), key=lambda v: orjson.dumps(v))
                return value

            return orjson.dumps(ordered(compact), option=orjson.OPT_INDENT_2) + b"\n"
        return export.to_turtle(graph).encode()


def _document(folder: Path) -> Standard:
    headers = read_headers((folder / "about.txt").read_text(encoding="utf-8"))
    tables = []
    for name in (n.strip() for n in headers.get("lists", "").split(",") if n.strip()):
        text = (folder / f"{name}.rq").read_text(encoding="utf-8")
        tables.append(Table(name, query_parsing.prepare(text), TableSpec.of(read_headers(text))))
    return Standard(folder.name, headers, tables=tuple(tables))


@cache
def _paths() -> dict[str, Path]:
    """The exports' files by name, listed once (a request checks a name against them)."""
    return {(p.name if p.is_dir() else p.stem): p for p in resources.export_files()}


@cache
def standard(name: str) -> Standard:
    """One export, its queries parsed on first use (KeyError for a name :func:`names` does not list)."""
    path = _paths()[name]
    if path.is_dir():
        return _document(path)
    text = path.read_text(encoding="utf-8")
    return Standard(name, read_headers(text), construct=query_parsing.prepare(text))


def _standards() -> dict[str, Standard]:
    return {name: standard(name) for name in names()}


def names() -> tuple[str, ...]:
    """The standards there is an export for (``cpsv-ap``, ``hsds`` …), from the file names: nothing is parsed."""
    return tuple(sorted(_paths()))


def headers(name: str) -> dict[str, str]:
    """The export's header: name, intent, standard, example."""
    return standard(name).headers


def export_graph(merged: Graph, name: str) -> Graph:
    """A new graph: the plan (with the project's vocabulary) in the standard's terms."""
    return standard(name).graph(merged)


def minted(merged: Graph) -> Graph:
    """A new graph: every graph export together. It describes the IRIs the exports mint (``…/city/area``, a
    programme's ``…/participation-…``, ``…/contract-…``, ``…/channel-…``, the DCAT record's ``…/plan/dataset`` …),
    so that each of them dereferences like the plan's own."""
    out = Graph()
    for found in _standards().values():
        if found.construct is not None:
            out += found.graph(merged)
    return out


def embedded(name: str, document: bytes, start: str) -> str | None:
    """The JSON-LD data block a page about ``start`` embeds (``<script type="application/ld+json">``): the node of a
    JSON-LD export's ``@graph`` and every node it refers to, directly or through others (``start`` first, then in the
    order they are reached), with the export's ``@context``; ``<`` escaped so the block cannot end early. None when
    the export does not describe ``start`` as one of the types its header names in ``# embed:``."""
    worth = set(headers(name).get("embed", "").split())
    exported = orjson.loads(document)
    nodes = {node["@id"]: node for node in exported.get("@graph", [])}
    types = nodes.get(start, {}).get("@type", [])
    if not worth.intersection(types if isinstance(types, list) else [types]):
        return None
    order, seen = [start], {start}
    for iri in order:
        for key, value in nodes[iri].items():
            refs = [
                v["@id"] for v in (value if isinstance(value, list) else [value]) if isinstance(v, dict) and "@id" in v
            ]
            for ref in refs if not key.startswith("@") else []:
                if ref in nodes and ref not in seen:
                    seen.add(ref)
                    order.append(ref)
    block = {"@context": exported["@context"], "@graph": [nodes[iri] for iri in order]}
    return orjson.dumps(block).decode().replace("<", "\\u003c")


def render(merged: Graph, name: str) -> bytes:
    return standard(name).render(merged)
