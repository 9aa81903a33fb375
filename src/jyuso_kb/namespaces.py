"""The prefixes the project writes IRIs with, in reports and exports. A municipality's prefix is never listed here:
its data lives under ``DATA/<name>/`` and is written ``<name>:``, whoever it is."""

from __future__ import annotations

import re

from rdflib import Graph, Namespace, URIRef

JY = Namespace("https://w3id.org/jyuso-kb/ontology#")
JYSH = Namespace("https://w3id.org/jyuso-kb/shapes#")
LAW = Namespace("https://w3id.org/jyuso-kb/law/326AC0000000045/")
NEED = Namespace("https://w3id.org/jyuso-kb/needs/")
DATA = "https://w3id.org/jyuso-kb/data/"
_DATA_NAME = re.compile(re.escape(DATA) + r"([a-z][a-z0-9-]*)/")

PREFIXES = {
    "jy": str(JY),
    "jysh": str(JYSH),
    "law": str(LAW),
    "need": str(NEED),
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
}


def bind_prefixes(graph: Graph) -> Graph:
    """Bind the project's prefixes, and ``<name>:`` for each municipality's data namespace its subjects use, on the
    graph's namespace manager (no triple changes) and return it."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    for name, namespace in data_prefixes(graph).items():
        graph.bind(name, namespace, override=False)
    return graph


def data_prefixes(graph: Graph) -> dict[str, str]:
    """``{"<name>": ".../data/<name>/"}`` for each municipality's data namespace the graph's subjects use."""
    names = {m.group(1) for s in graph.subjects(unique=True) if isinstance(s, URIRef) and (m := _DATA_NAME.match(s))}
    return {name: f"{DATA}{name}/" for name in sorted(names) if name not in PREFIXES}
