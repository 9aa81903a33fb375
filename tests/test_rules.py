"""Rules are data: each rules/*.rq is a well-formed rule, and the fixpoint on a small plan is exactly as hand-checked."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from jyuso_kb.namespaces import JY
from jyuso_kb.plan.source import PlanSource
from jyuso_kb.reason import rules as reasoning

from .conftest import FIXTURES

ROUTING = "https://w3id.org/jyuso-kb/routing/"


def _blank_routings(graph: Graph) -> Graph:
    """Routing IRIs are content hashes; compare them as blank nodes."""
    names: dict[URIRef, BNode] = {}

    def swap(node):  # type: ignore[no-untyped-def]
        if isinstance(node, URIRef) and str(node).startswith(ROUTING):
            return names.setdefault(node, BNode())
        return node

    out = Graph()
    for s, p, o in graph:
        out.add((swap(s), p, swap(o)))
    return out


def test_fixpoint_on_a_small_plan_equals_the_hand_checked_graph() -> None:
    base = Graph().parse(FIXTURES / "rules" / "mini.ttl")
    result = reasoning.reason(base)
    derived = Graph()
    for triple in result.graph:
        if triple not in base and triple not in reasoning.rule_graph(reasoning.rules()):
            derived.add(triple)
    expected = Graph().parse(FIXTURES / "rules" / "mini-expected.ttl")
    got = _blank_routings(derived)
    if not isomorphic(got, expected):
        _, only_got, only_expected = graph_diff(to_isomorphic(got), to_isomorphic(expected))
        pytest.fail(
            f"only derived:\n{only_got.serialize(format='nt')}\nonly expected:\n{only_expected.serialize(format='nt')}"
        )
    assert result.rounds == 1


def test_reasoning_leaves_the_input_unchanged(uozu: PlanSource) -> None:
    base = uozu.merged()
    size = len(base)
    result = reasoning.reason(base)
    assert len(base) == size
    assert len(result.graph) > size
    assert (None, JY.byRule, None) not in base


@pytest.mark.parametrize(
    "path", sorted((Path(reasoning.resources.root()) / "rules").glob("*.rq")), ids=lambda p: p.stem
)
def test_each_rule_file_has_a_full_header(path: Path) -> None:
    rule = reasoning.load_rule(path)
    assert rule.id == path.stem
    assert rule.name and rule.intent and rule.section_of and rule.legal and rule.example


def test_a_rule_without_header_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "nameless.rq"
    bad.write_text("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "utf-8")
    with pytest.raises(reasoning.RuleError, match="header lacks id"):
        reasoning.load_rule(bad)


def test_a_new_rule_file_needs_no_python_change(tmp_path: Path, uozu: PlanSource) -> None:
    """A rule added as a file is run and cited like the shipped ones."""
    rule = tmp_path / "extra-hint.rq"
    rule.write_text(
        "# id: extra-hint\n# name: テスト\n# intent: テスト用\n# section-of: jy:CollaborationCell\n# legal: なし\n# example: なし\n"
        "PREFIX jy: <https://w3id.org/jyuso-kb/ontology#>\n"
        'CONSTRUCT { ?d jy:note "テスト"@ja } WHERE { ?d a jy:Department }\n',
        "utf-8",
    )
    rules = (*reasoning.rules(), reasoning.load_rule(rule))
    graph = reasoning.reason(uozu.merged(), rules).graph
    noted = set(graph.subjects(JY.note, Literal("テスト", lang="ja")))
    assert noted == set(graph.subjects(RDF.type, JY.Department))
    assert len(noted) == 12
    assert (reasoning.RULE["extra-hint"], None, None) in graph
