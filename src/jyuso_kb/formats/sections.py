"""The plan section a routing rule cites, in each plan's own numbering.

A rule's header names what it reads (``# section-of: jy:CollaborationCell``): a class (its instances), a property
(the subjects that have it) or ``property value`` (the subjects with that value; a CURIE, ``true`` or ``false``);
terms are separated by ", ", and ``-`` says the rule reads the law's structure, not the plan. For
each term, the section is the one the plan's data cites most for those subjects (``jy:source``; on a tie, the first
in the plan's order), written as the plan writes it (「7. 庁内連携体制」 in one plan, 「6. 庁内連携体制」 in another).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef
from rdflib.term import Node

from jyuso_kb.namespaces import JY, PREFIXES
from jyuso_kb.plan.terms import label, order_key
from jyuso_kb.reason import rules as reasoning

CLASS_TYPES = (OWL.Class, RDFS.Class)


def expand(curie: str) -> URIRef:
    """``jy:ScheduleRow`` → its IRI (the project's prefixes only); ValueError for an unknown prefix."""
    prefix, colon, local = curie.partition(":")
    if not colon or prefix not in PREFIXES:
        raise ValueError(f"unknown prefix in {curie!r}")
    return URIRef(PREFIXES[prefix] + local)


def _subjects(graph: Graph, term: str) -> Iterable[Node]:
    parts = term.split()
    first = expand(parts[0])
    if len(parts) == 2:
        value = Literal(parts[1] == "true") if parts[1] in ("true", "false") else expand(parts[1])
        return graph.subjects(first, value)
    if any((first, RDF.type, kind) in graph for kind in CLASS_TYPES):
        return graph.subjects(RDF.type, first)
    return graph.subjects(first, None, unique=True)


def cited_section(graph: Graph, subjects: Iterable[Node]) -> str:
    """「number label」 of the section these subjects cite most; "" when they cite none."""
    counts: Counter[Node] = Counter(s for node in subjects for s in graph.objects(node, JY.source))
    if not counts:
        return ""
    best = min(counts, key=lambda s: (-counts[s], order_key(graph, s)))
    number = str(graph.value(best, JY.sectionNumber) or "")
    return f"{number} {label(graph, best)}".strip()


def rule_section(graph: Graph, section_of: str) -> str:
    """The sections a rule cites in this plan, joined by 「、」."""
    terms = [term.strip() for term in section_of.split(",") if term.strip() and term.strip() != "-"]
    found = [cited_section(graph, _subjects(graph, term)) for term in terms]
    return "、".join(dict.fromkeys(s for s in found if s))


def rule_summaries(graph: Graph) -> tuple[dict[str, Any], ...]:
    """Every routing rule's summary with the section of this plan it cites."""
    return tuple({**rule.summary(), "section": rule_section(graph, rule.section_of)} for rule in reasoning.rules())
