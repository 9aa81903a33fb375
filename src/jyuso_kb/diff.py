"""What differs between two plans, per thing the plan states (programme, department, cell, meeting …)."""

from __future__ import annotations

from typing import Any

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.term import Node

from .catalog import label, local_id
from .namespaces import JY


def _value(graph: Graph, vocabulary: Graph, node: Node) -> str:
    if isinstance(node, Literal):
        return f"{node}@{node.language}" if node.language else str(node)
    name = label(graph, node) or label(vocabulary, node)
    return f"{name} ({local_id(node)})" if name else local_id(node)


def _kind(graph: Graph, vocabulary: Graph, node: Node) -> str:
    types = [t for t in graph.objects(node, RDF.type) if isinstance(t, URIRef) and str(t).startswith(str(JY))]
    return label(vocabulary, types[0]) if types else ""


def diff(old: Graph, new: Graph, vocabulary: Graph) -> dict[str, Any]:
    """Added, removed and changed subjects; for changed ones, the values removed and added per property."""
    old_subjects = {s for s in old.subjects(RDF.type, None) if isinstance(s, URIRef)}
    new_subjects = {s for s in new.subjects(RDF.type, None) if isinstance(s, URIRef)}
    added = sorted(new_subjects - old_subjects, key=str)
    removed = sorted(old_subjects - new_subjects, key=str)
    changed = []
    for subject in sorted(old_subjects & new_subjects, key=str):
        before = set(old.predicate_objects(subject))
        after = set(new.predicate_objects(subject))
        if before == after:
            continue
        props = sorted({p for p, _ in before ^ after}, key=str)
        changes = [
            {
                "property": label(vocabulary, p) or local_id(p),
                "property_id": local_id(p),
                "removed": sorted(_value(old, vocabulary, o) for q, o in before - after if q == p),
                "added": sorted(_value(new, vocabulary, o) for q, o in after - before if q == p),
            }
            for p in props
        ]
        changed.append(
            {
                "id": local_id(subject),
                "label": label(new, subject),
                "type": _kind(new, vocabulary, subject),
                "changes": changes,
            }
        )

    def brief(graph: Graph, node: Node) -> dict[str, str]:
        return {"id": local_id(node), "label": label(graph, node), "type": _kind(graph, vocabulary, node)}

    return {
        "summary": {"added": len(added), "removed": len(removed), "changed": len(changed)},
        "added": [brief(new, s) for s in added],
        "removed": [brief(old, s) for s in removed],
        "changed": changed,
    }
