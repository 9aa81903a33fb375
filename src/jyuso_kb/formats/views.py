"""JSON views of a plan for tools (departments, meetings, matrix, schedule, legal items, needs), built at load."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from rdflib import RDF, SKOS, Graph, Literal
from rdflib.term import Node

from jyuso_kb.namespaces import JY
from jyuso_kb.plan.contact import contact_json, contact_of
from jyuso_kb.plan.terms import label, label_or_unknown, local_id, order_key, ordered


def _sections(graph: Graph, node: Node) -> list[str]:
    return [str(graph.value(s, JY.sectionNumber)) for s in ordered(graph, graph.objects(node, JY.source))]


def chapter(graph: Graph, items: Iterable[Node]) -> str:
    """The chapter of the plan the items come from, as the plan's data cites it (``jy:source``): the chapter most of
    their sections belong to (a section number up to its "(", as in the table of contents: 4.(1) → 4.); on a tie
    the one first in the plan's order. "" when no item cites a section."""
    counts: Counter[str] = Counter()
    first: dict[str, tuple[int, str]] = {}
    for item in items:
        for section in graph.objects(item, JY.source):
            number = str(graph.value(section, JY.sectionNumber) or "").split("(", 1)[0]
            if number:
                counts[number] += 1
                first[number] = min(first.get(number, order_key(graph, section)), order_key(graph, section))
    return min(counts, key=lambda n: (-counts[n], first[n])) if counts else ""


def chapters(graph: Graph) -> dict[str, str]:
    """The chapter each list of the catalog comes from (``source`` of /v1/programs, /v1/departments, /v1/meetings,
    /v1/matrix and /v1/schedule), each plan with its own numbering."""

    def of(*classes: Node) -> str:
        return chapter(graph, (s for cls in classes for s in graph.subjects(RDF.type, cls)))

    return {
        "programs": of(JY.ImplementingProgram),
        "departments": of(JY.Department, JY.Duty),
        "meetings": of(JY.Meeting),
        "matrix": of(JY.CollaborationCell),
        "schedule": of(JY.ScheduleRow),
    }


def _literals(graph: Graph, node: Node, prop: Node, lang: str = "ja") -> list[str]:
    return sorted(str(v) for v in graph.objects(node, prop) if isinstance(v, Literal) and v.language in (lang, None))


def _functions(graph: Graph) -> list[Node]:
    return ordered(graph, graph.subjects(RDF.type, JY.CollaborationFunction))


def matrix_row(graph: Graph, department: Node) -> dict[str, bool]:
    row = {}
    for function in _functions(graph):
        cells = [
            c for c in graph.subjects(JY.department, department) if (c, JY.collaborationFunction, function) in graph
        ]
        row[label(graph, function)] = bool(cells) and bool(graph.value(cells[0], JY.participates).toPython())  # type: ignore[union-attr]
    return row


def department(graph: Graph, node: Node) -> dict[str, Any]:
    division = graph.value(node, JY.division)
    return {
        "id": local_id(node),
        "iri": str(node),
        "label": label(graph, node),
        "label_en": label(graph, node, "en"),
        "aliases": _literals(graph, node, SKOS.altLabel),
        "division": label(graph, division) if division is not None else None,
        "contact": contact_json(contact_of(graph, node)),
        "duties": [label(graph, d) for d in ordered(graph, graph.subjects(JY.dutyOf, node))],
        "matrix": matrix_row(graph, node),
        "programs": [
            {"id": local_id(p), "label": label(graph, p)}
            for p in ordered(graph, graph.subjects(JY.responsibleDepartment, node))
            if (p, RDF.type, JY.ImplementingProgram) in graph
        ],
        "source": _sections(graph, node),
    }


def departments(graph: Graph) -> list[dict[str, Any]]:
    return [department(graph, d) for d in ordered(graph, graph.subjects(RDF.type, JY.Department))]


def meeting(graph: Graph, node: Node) -> dict[str, Any]:
    seats = ordered(graph, graph.objects(node, JY.hasMember))
    members_from = graph.value(node, JY.membersFrom)
    basis = graph.value(node, JY.legalBasis)
    confidentiality = graph.value(node, JY.confidentialityDuty)
    consent = graph.value(node, JY.requiresConsent)
    return {
        "id": local_id(node),
        "iri": str(node),
        "label": label(graph, node),
        "label_en": label(graph, node, "en"),
        "aliases": _literals(graph, node, SKOS.altLabel),
        "transitional_label": str(graph.value(node, JY.transitionalLabel) or "") or None,
        "purpose": _literals(graph, node, JY.purpose),
        "content": _literals(graph, node, JY.content),
        "members": [label(graph, s) for s in seats],
        "members_from": {"id": local_id(members_from), "label": label(graph, members_from)} if members_from else None,
        "member_description": str(graph.value(node, JY.memberDescription) or "") or None,
        "frequency": label_or_unknown(graph, node, JY.frequency),
        "requires_consent": bool(consent.toPython()) if isinstance(consent, Literal) else None,  # None: 不明
        "confidentiality_duty": bool(confidentiality.toPython()) if isinstance(confidentiality, Literal) else None,
        "legal_basis": str(graph.value(basis, JY.citation)) if basis is not None else None,
        "source": _sections(graph, node),
    }


def meetings(graph: Graph) -> list[dict[str, Any]]:
    return [meeting(graph, m) for m in ordered(graph, graph.subjects(RDF.type, JY.Meeting))]


def matrix(graph: Graph) -> dict[str, Any]:
    functions = [label(graph, f) for f in _functions(graph)]
    rows = [
        {"department": {"id": local_id(d), "label": label(graph, d)}, "cells": matrix_row(graph, d)}
        for d in ordered(graph, graph.subjects(RDF.type, JY.Department))
        if (None, JY.department, d) in graph
    ]
    return {
        "functions": functions,
        "rows": rows,
        "source": chapter(graph, graph.subjects(RDF.type, JY.CollaborationCell)),
    }


def schedule_years(graph: Graph, row: Node) -> dict[str, list[str]]:
    """A schedule row's statuses by fiscal year ("2025" → ["本格実施"]), in year order; years it has no entry for
    are left out."""
    entries = {}
    for entry in graph.objects(row, JY.entry):
        value = graph.value(entry, JY.fiscalYear)
        if isinstance(value, Literal):
            entries[str(int(value))] = [label(graph, s) for s in ordered(graph, graph.objects(entry, JY.status))]
    return dict(sorted(entries.items()))


def schedule(graph: Graph) -> dict[str, Any]:
    rows = []
    years: set[int] = set()
    for row in ordered(graph, graph.subjects(RDF.type, JY.ScheduleRow)):
        entries = schedule_years(graph, row)
        years.update(int(y) for y in entries)
        rows.append(
            {
                "id": local_id(row),
                "label": label(graph, row),
                "subjects": [
                    {"id": local_id(s), "label": label(graph, s)}
                    for s in ordered(graph, graph.objects(row, JY.scheduleSubject))
                ],
                "years": entries,
                "main_activities": _literals(graph, row, JY.mainActivity),
            }
        )
    return {
        "fiscal_years": sorted(years),
        "rows": rows,
        "source": chapter(graph, graph.subjects(RDF.type, JY.ScheduleRow)),
    }


def legal_items(graph: Graph) -> list[dict[str, Any]]:
    out = []
    for node in ordered(graph, graph.subjects(RDF.type, JY.LegalProvision)):
        parent = graph.value(node, JY.partOf)
        out.append(
            {
                "id": local_id(node),
                "iri": str(node),
                "citation": str(graph.value(node, JY.citation) or ""),
                "label_en": label(graph, node, "en"),
                "part_of": local_id(parent) if parent is not None else None,
                "egov_law_id": str(graph.value(node, JY.egovLawId) or "") or None,
                "function": str(graph.value(node, JY.statutoryFunction) or "") or None,
                "must_be_implemented": graph.value(node, JY.mustBeImplemented) == Literal(True),
                "programs": [
                    {"id": local_id(p), "label": label(graph, p)}
                    for p in ordered(graph, graph.subjects(JY.implementsProvision, node))
                ],
            }
        )
    return out


def needs(graph: Graph) -> list[dict[str, Any]]:
    nodes = set(graph.subjects(RDF.type, JY.Need)) | set(graph.subjects(RDF.type, JY.CompoundNeed))
    out = []
    for node in sorted(nodes, key=str):
        pref = [v for v in graph.objects(node, SKOS.prefLabel) if isinstance(v, Literal)]
        out.append(
            {
                "id": local_id(node),
                "label": next((str(v) for v in pref if v.language == "ja"), label(graph, node)),
                "label_en": next((str(v) for v in pref if v.language == "en"), ""),
                "alt_labels": _literals(graph, node, SKOS.altLabel),
                "fields": [label(graph, f) for f in ordered(graph, graph.objects(node, JY.field))],
                "compound": (node, RDF.type, JY.CompoundNeed) in graph,
                "broader": sorted(local_id(b) for b in graph.objects(node, SKOS.broader)),
            }
        )
    return out
