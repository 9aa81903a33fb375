"""Exports to public-service standards: each is one SPARQL CONSTRUCT in ``exports/<name>.rq`` over the plan with the
project's vocabulary, so that a new standard (or a change in a mapping) is a data file, not code."""

from __future__ import annotations

from functools import lru_cache

from rdflib import Graph
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query

from jyuso_kb import resources
from jyuso_kb.reason.headers import read_headers

PREFIXES = {
    "cpsv": "http://purl.org/vocab/cpsv#",
    "cv": "http://data.europa.eu/m8g/",
    "dct": "http://purl.org/dc/terms/",
    "eli": "http://data.europa.eu/eli/ontology#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "org": "http://www.w3.org/ns/org#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
}


@lru_cache(maxsize=1)
def _queries() -> dict[str, tuple[Query, dict[str, str]]]:
    found = {}
    for path in resources.export_files():
        text = path.read_text(encoding="utf-8")
        found[path.stem] = (prepareQuery(text), read_headers(text))
    return found


def names() -> tuple[str, ...]:
    """The standards there is an export for (``cpsv-ap`` …)."""
    return tuple(_queries())


def headers(name: str) -> dict[str, str]:
    """The export's header: name, intent, standard, example."""
    return _queries()[name][1]


def export_graph(merged: Graph, name: str) -> Graph:
    """A new graph: the plan (with the project's vocabulary) in the standard's terms."""
    query = _queries()[name][0]
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    for triple in merged.query(query):
        graph.add(triple)  # type: ignore[arg-type]
    return graph
