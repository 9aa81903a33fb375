"""The programme catalog (`jyuso-kb programs --json`), read from a plan graph.

Keys are a public contract shared with the API: id, label, legal_basis, pillar, target_group, activities,
implementation, operators, departments, new, source (plus iri, label_en, component, fields, description, needs and
schedule for tools and the programme's page).
"""

from __future__ import annotations

from typing import Any

from rdflib import RDF, SKOS, Graph, Literal
from rdflib.term import Node

from jyuso_kb.formats.views import schedule_years
from jyuso_kb.namespaces import JY
from jyuso_kb.plan.terms import label, label_or_unknown, local_id, ordered, unknown_text, unstated


def _ref(graph: Graph, node: Node) -> dict[str, str | None]:
    return {"id": local_id(node), "label": label(graph, node)}


def _operators(graph: Graph, node: Node) -> list[dict[str, str | None]]:
    """The programme's operators; one entry without an id, labelled 「不明」, when the plan does not state them."""
    if unstated(graph, node, JY.operator):
        return [{"id": None, "label": unknown_text(graph)}]
    return [_ref(graph, o) for o in ordered(graph, graph.objects(node, JY.operator))]


def _section(graph: Graph, node: Node) -> str:
    sections = ordered(graph, graph.objects(node, JY.source))
    numbers = [str(graph.value(s, JY.sectionNumber) or "") for s in sections]
    return numbers[0] if numbers else ""


def _citation_key(graph: Graph, provision: Node) -> str:
    return str(graph.value(provision, JY.citation) or provision)


def _description(graph: Graph, node: Node) -> str | None:
    """The programme's description in Japanese (``jy:description``), or None when the plan gives none."""
    texts = sorted(str(v) for v in graph.objects(node, JY.description) if isinstance(v, Literal) and v.language == "ja")
    return texts[0] if texts else None


def _needs(graph: Graph, node: Node) -> list[dict[str, str | None]]:
    """The needs the programme serves (``jy:servesNeed``), each by its preferred label."""
    return [
        {"id": local_id(n), "label": label(graph, n, prop=SKOS.prefLabel) or label(graph, n)}
        for n in ordered(graph, graph.objects(node, JY.servesNeed))
    ]


def _schedule(graph: Graph, node: Node, components: list[Node]) -> list[dict[str, Any]]:
    """The schedule rows of the programme and of its components, in the plan's order: each row's id, label, whether
    it is the programme's own row (else a component's), and its statuses by fiscal year."""
    subjects = {node, *components}
    rows = ordered(graph, (r for s in subjects for r in graph.subjects(JY.scheduleSubject, s)))
    return [
        {
            "id": local_id(r),
            "label": label(graph, r),
            "own": (r, JY.scheduleSubject, node) in graph,
            "years": schedule_years(graph, r),
        }
        for r in rows
    ]


def program(graph: Graph, node: Node) -> dict[str, Any]:
    components = ordered(graph, graph.objects(node, JY.component))  # usually one; all of those run as one
    pillars = ordered(graph, {p for c in components for p in graph.objects(c, JY.pillar)})
    provisions = ordered(graph, graph.objects(node, JY.implementsProvision))
    groups = ordered(graph, graph.objects(node, JY.targetGroup))
    return {
        "id": local_id(node),
        "iri": str(node),
        "label": label(graph, node),
        "label_en": label(graph, node, "en"),
        "legal_basis": [_citation_key(graph, p) for p in provisions],
        "pillar": "・".join(label(graph, p) for p in pillars),
        "component": "・".join(label(graph, c) for c in components),
        "target_group": "、".join(label(graph, g) for g in groups) or label_or_unknown(graph, node, JY.targetGroup),
        "activities": [label(graph, a) for a in ordered(graph, graph.objects(node, JY.activity))],
        "implementation": label_or_unknown(graph, node, JY.implementationMode),
        "operators": _operators(graph, node),
        "departments": [_ref(graph, d) for d in ordered(graph, graph.objects(node, JY.responsibleDepartment))],
        "fields": [label(graph, f) for f in ordered(graph, graph.objects(node, JY.field))],
        "new": bool(graph.value(node, JY.isNew) is not None and graph.value(node, JY.isNew).toPython()),  # type: ignore[union-attr]
        "source": _section(graph, node),
        "description": _description(graph, node),
        "needs": _needs(graph, node),
        "schedule": _schedule(graph, node, components),
    }


def programs(graph: Graph) -> list[dict[str, Any]]:
    """Every implementing programme of the plan, in plan order."""
    return [program(graph, p) for p in ordered(graph, graph.subjects(RDF.type, JY.ImplementingProgram))]
