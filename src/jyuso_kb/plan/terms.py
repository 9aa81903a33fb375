"""Reading the terms of a plan graph the same way everywhere: local ids, labels, and the plan's order.

An item without ``jy:order`` sorts after every ordered item (then by IRI), in routes, catalogs and documents alike.
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import RDFS, Graph, Literal
from rdflib.term import Node

from jyuso_kb.namespaces import JY

UNORDERED = 10**9  # the position of an item that has no jy:order: after all ordered ones


def local_id(node: Node) -> str:
    """The last segment of an IRI: the id tools use in URLs (``prog-outreach``)."""
    text = str(node)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def label(graph: Graph, node: Node | None, lang: str = "ja", prop: Node = RDFS.label) -> str:
    """The node's ``rdfs:label`` (or ``prop``) in ``lang``, else any of its values, else ""."""
    if node is None:
        return ""
    fallback = ""
    for value in graph.objects(node, prop):
        if isinstance(value, Literal):
            if value.language == lang:
                return str(value)
            fallback = fallback or str(value)
    return fallback


def position(graph: Graph, node: Node) -> int:
    """The node's ``jy:order``, or :data:`UNORDERED`."""
    value = graph.value(node, JY.order)
    if isinstance(value, Literal) and isinstance(value.toPython(), int):
        return int(value.toPython())
    return UNORDERED


def order_key(graph: Graph, node: Node) -> tuple[int, str]:
    """Sort key in the plan's order: ``jy:order`` first, then the IRI (so ties never depend on hash order)."""
    return (position(graph, node), str(node))


def ordered(graph: Graph, nodes: Iterable[Node]) -> list[Node]:
    """The distinct nodes in the plan's order."""
    return sorted(set(nodes), key=lambda n: order_key(graph, n))


def unstated(graph: Graph, node: Node | None, prop: Node) -> bool:
    """True when the plan says it does not state this fact of the node (``node jy:unstated prop``, 「不明」)."""
    return node is not None and (node, JY.unstated, prop) in graph


def unknown_text(graph: Graph, lang: str = "ja") -> str:
    """What answers show for a fact the plan does not state: the ontology's ``jy:shownAs`` of ``jy:unstated``."""
    texts = [o for o in graph.objects(JY.unstated, JY.shownAs) if isinstance(o, Literal)]
    return next((str(t) for t in texts if t.language == lang), str(texts[0]) if texts else "")


def label_or_unknown(graph: Graph, node: Node, prop: Node, lang: str = "ja") -> str:
    """The label of the node's value of ``prop``, or the text for 「不明」 when the plan leaves it unstated."""
    if unstated(graph, node, prop):
        return unknown_text(graph, lang)
    return label(graph, graph.value(node, prop), lang)
