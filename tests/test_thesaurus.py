"""The needs thesaurus: the plan's situations, the ways residents say them, and links to who serves them."""

from __future__ import annotations

import unicodedata

import pytest
from rdflib import RDF, SKOS, Graph
from rdflib.term import Node

from jyuso_kb.namespaces import JY, NEED
from jyuso_kb.plan.source import PlanSource


@pytest.fixture(scope="module")
def graph(uozu: PlanSource) -> Graph:
    return uozu.merged()


def needs(graph: Graph) -> set[Node]:
    return set(graph.subjects(RDF.type, JY.Need)) | set(graph.subjects(RDF.type, JY.CompoundNeed))


def index(graph: Graph) -> dict[str, set[Node]]:
    out: dict[str, set[Node]] = {}
    for need in needs(graph):
        for prop in (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel):
            for value in graph.objects(need, prop):
                if getattr(value, "language", None) in ("ja", None):
                    out.setdefault(unicodedata.normalize("NFKC", str(value)), set()).add(need)
    return out


UOZU = "https://w3id.org/jyuso-kb/data/uozu/"

# The compound situations the plan names, and the programmes the plan says serve each (every link with its evidence,
# data/uozu/needs.ttl): 8050問題 and ダブルケア are 1. はじめに's households with several problems (→ 多機関協働事業,
# 4.(1)); 社会的孤立 is its case the existing schemes hardly cover (制度の狭間) and what 3.(2)'s goal says 参加支援 and
# 居場所づくり prevent; ひきこもり and セルフネグレクト are the target groups of アウトリーチ and 参加支援 (4.(1), 4.(2));
# ヤングケアラー is named only as a duty of こども課 (7.), so no programme serves it.
COMPOUND = {
    "8050問題": ("problem-8050", {"prog-takikan-kyodo"}),
    "ダブルケア": ("double-care", {"prog-takikan-kyodo"}),
    "社会的孤立": ("social-isolation", {"prog-takikan-kyodo", "prog-sanka-shien", "prog-konkyu-chiikizukuri"}),
    "ひきこもり": ("hikikomori", {"prog-outreach", "prog-sanka-shien"}),
    "セルフネグレクト": ("self-neglect", {"prog-outreach"}),
    "制度の狭間": ("between-schemes", {"prog-takikan-kyodo", "prog-sanka-shien", "prog-konkyu-chiikizukuri"}),
    "ヤングケアラー": ("young-carer", set()),
}


@pytest.mark.parametrize(("label", "slug", "served_by"), [(k, *v) for k, v in COMPOUND.items()])
def test_compound_situations_of_the_plan(graph: Graph, label: str, slug: str, served_by: set[str]) -> None:
    need = NEED[slug]
    assert (need, RDF.type, JY.CompoundNeed) in graph
    assert [str(v) for v in graph.objects(need, SKOS.prefLabel) if getattr(v, "language", None) == "ja"] == [label]
    involved = set(graph.objects(need, JY.involvesNeed))
    assert len(involved) >= 2
    assert set(graph.objects(need, JY.field))
    programs = {str(p).removeprefix(UOZU) for p in graph.subjects(JY.servesNeed, need)}
    assert programs == served_by
    duties = {d for n in {need, *involved} for d in graph.subjects(JY.coversNeed, n) if (d, RDF.type, JY.Duty) in graph}
    assert duties, f"{label}: no department duty covers it or what it involves"


def test_every_need_has_labels_definition_and_field(graph: Graph) -> None:
    problems = []
    for need in needs(graph):
        langs = {getattr(v, "language", None) for v in graph.objects(need, SKOS.prefLabel)}
        if (
            not {"ja", "en"} <= langs
            or not set(graph.objects(need, JY.field))
            or not set(graph.objects(need, SKOS.altLabel))
        ):
            problems.append(str(need))
        if {getattr(v, "language", None) for v in graph.objects(need, SKOS.definition)} != {"ja", "en"}:
            problems.append(str(need))
    assert problems == []
    assert len(needs(graph)) >= 70


def test_no_label_names_two_needs(graph: Graph) -> None:
    ambiguous = {label: sorted(map(str, found)) for label, found in index(graph).items() if len(found) > 1}
    assert ambiguous == {}


@pytest.mark.parametrize(
    ("phrase", "slug"),
    [
        ("親の介護", "care-of-parent"),
        ("税金を滞納している", "tax-arrears"),
        ("隣の空き家が心配", "vacant-house"),
        ("ひきこもりの息子", "hikikomori"),
        ("認知症", "dementia"),
        ("不登校", "school-refusal"),
        ("いじめ", "bullying"),
        ("ゴミ屋敷", "hoarding"),
        ("水道料金が払えない", "water-bill-arrears"),
        ("仕事がない", "employment"),
    ],
)
def test_resident_phrasings_find_the_need(graph: Graph, phrase: str, slug: str) -> None:
    assert index(graph).get(unicodedata.normalize("NFKC", phrase)) == {NEED[slug]}


def test_every_duty_and_target_group_is_linked(graph: Graph) -> None:
    for cls in (JY.Duty, JY.TargetGroup):
        unlinked = [str(s) for s in graph.subjects(RDF.type, cls) if (s, JY.coversNeed, None) not in graph]
        assert unlinked == []
    assert [
        str(p) for p in graph.subjects(RDF.type, JY.ImplementingProgram) if (p, JY.servesNeed, None) not in graph
    ] == []
