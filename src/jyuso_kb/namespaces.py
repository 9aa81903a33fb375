"""The prefixes the project writes IRIs with, in reports and exports."""

from __future__ import annotations

from rdflib import Graph, Namespace

JY = Namespace("https://w3id.org/jyuso-kb/ontology#")
JYSH = Namespace("https://w3id.org/jyuso-kb/shapes#")
LAW = Namespace("https://w3id.org/jyuso-kb/law/326AC0000000045/")
NEED = Namespace("https://w3id.org/jyuso-kb/needs/")

PREFIXES = {
    "jy": str(JY),
    "jysh": str(JYSH),
    "law": str(LAW),
    "need": str(NEED),
    "uozu": "https://w3id.org/jyuso-kb/data/uozu/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
}


def bind_prefixes(graph: Graph) -> Graph:
    """Bind the project's prefixes on the graph's namespace manager (no triple changes) and return it."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    return graph
