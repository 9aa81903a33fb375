"""An office's contact point (電話番号, 内線, 窓口): optional data on departments and support bodies.

The fields are the ontology's: every property carrying ``jy:contactOrder``, in that order, named by its Japanese
label. A field the plan does not give is ``None`` (the つなぎシート leaves a line to write on).
"""

from __future__ import annotations

from rdflib import Graph, Literal
from rdflib.term import Node

from jyuso_kb.namespaces import JY
from jyuso_kb.plan.terms import label, local_id

ContactField = tuple[str, str, str | None]  # (field id, its Japanese label, the value or None)


def contact_fields(graph: Graph) -> list[Node]:
    """The contact properties in their ``jy:contactOrder``."""
    found = [(int(o), str(p), p) for p, o in graph.subject_objects(JY.contactOrder) if isinstance(o, Literal)]
    return [p for _, _, p in sorted(found)]


def _value(graph: Graph, node: Node, prop: Node, lang: str) -> str | None:
    values = [v for v in graph.objects(node, prop) if isinstance(v, Literal)]
    chosen = [v for v in values if v.language == lang] or [v for v in values if v.language is None] or values
    return str(min(chosen, key=str)) if chosen else None


def contact_of(graph: Graph, node: Node, lang: str = "ja") -> tuple[ContactField, ...]:
    """Every contact field of the ontology for the office, its value or ``None``."""
    return tuple((local_id(p), label(graph, p, lang), _value(graph, node, p, lang)) for p in contact_fields(graph))


def contact_json(fields: tuple[ContactField, ...]) -> list[dict[str, str | None]]:
    """The answers' ``contact``: ``[{"field": "telephone", "label": "電話番号", "value": "…" | null}, …]``."""
    return [{"field": f, "label": lab, "value": value} for f, lab, value in fields]
