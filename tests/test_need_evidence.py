"""Every link into the needs thesaurus rests on the plan's words: a jy:NeedLinkEvidence per link (data/<municipality>/
needs.ttl) quoting the plan verbatim, with the section of the same plan the quote is in."""

from __future__ import annotations

import unicodedata

import pytest
from rdflib import RDF, Graph, Literal
from rdflib.term import Node

from jyuso_kb.check import quality
from jyuso_kb.namespaces import JY
from jyuso_kb.plan.source import PlanSource

from .conftest import TESTS

# The text of 魚津市's plan (the published 実施計画, as the hand-checked enumerations in tests/expected/ were read from).
PLAN_TEXT = TESTS / "fixtures" / "plan_text" / "uozu.txt"


def _links(graph: Graph) -> set[tuple[Node, Node, Node]]:
    return {(s, p, o) for p in (JY.servesNeed, JY.coversNeed) for s, o in graph.subject_objects(p)}


def _evidence(graph: Graph) -> dict[Node, tuple[tuple[Node, Node, Node], str, Node]]:
    out = {}
    for node in graph.subjects(RDF.type, JY.NeedLinkEvidence):
        link = (graph.value(node, RDF.subject), graph.value(node, RDF.predicate), graph.value(node, RDF.object))
        out[node] = (link, str(graph.value(node, JY.evidence)), graph.value(node, JY.source))
    return out


@pytest.mark.parametrize("name", ["uozu", "kasou"])
def test_every_link_has_evidence_and_every_evidence_its_link(name: str, request: pytest.FixtureRequest) -> None:
    plan: PlanSource = request.getfixturevalue(name)
    links, evidence = _links(plan.data), _evidence(plan.data)
    assert links and {link for link, _, _ in evidence.values()} == links
    [result] = [r for r in quality.run(plan.merged()) if r.check.name == "need-link-without-evidence"]
    assert result.rows == ()


@pytest.mark.parametrize("name", ["uozu", "kasou"])
def test_each_quote_cites_a_section_of_its_own_plan(name: str, request: pytest.FixtureRequest) -> None:
    plan: PlanSource = request.getfixturevalue(name)
    plans = set(plan.data.subjects(RDF.type, JY.Plan))
    for _, quote, section in _evidence(plan.data).values():
        assert quote.strip() == quote and quote
        assert plan.data.value(section, JY.plan) in plans


def test_kasou_quotes_are_the_plan_s_own_words(kasou: PlanSource) -> None:
    """架空町 has no plan document: its words are its data (支援対象者, 事業内容, duties, names)."""
    evidence = set(kasou.data.subjects(RDF.type, JY.NeedLinkEvidence))
    texts = [str(o) for s, _, o in kasou.data if s not in evidence and isinstance(o, Literal) and o.language == "ja"]
    missing = [quote for _, quote, _ in _evidence(kasou.data).values() if not any(quote in t for t in texts)]
    assert missing == []


def test_uozu_quotes_are_verbatim_from_the_plan(uozu: PlanSource) -> None:
    text = unicodedata.normalize("NFC", PLAN_TEXT.read_text(encoding="utf-8"))
    missing = [
        quote for _, quote, _ in _evidence(uozu.data).values() if unicodedata.normalize("NFC", quote) not in text
    ]
    assert missing == []


def test_evidence_ids_are_unique_across_municipalities(uozu: PlanSource, kasou: PlanSource) -> None:
    local = {
        "uozu": {str(n).rsplit("/", 1)[1] for n in _evidence(uozu.data)},
        "kasou": {str(n).rsplit("/", 1)[1] for n in _evidence(kasou.data)},
    }
    assert local["uozu"] and local["kasou"] and local["uozu"].isdisjoint(local["kasou"])
    assert all(name.isascii() and name.startswith("evidence-") for names in local.values() for name in names)
