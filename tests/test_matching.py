"""How residents and clerks really say it: matching on words, names, never an empty answer, ties that mean something.

The same behaviour holds for 魚津市 and the fictional 架空町 (nothing here depends on one municipality's data but the
ids each expectation names).
"""

from __future__ import annotations

from typing import Any

import pytest
from rdflib import Graph, Literal

from jyuso_kb.answer import route as routing
from jyuso_kb.answer.who_handles import who_handles
from jyuso_kb.index.routing import RoutingIndex, build, compile_index, index_of
from jyuso_kb.index.words import WordMatcher
from jyuso_kb.namespaces import JY
from jyuso_kb.plan.source import PlanSource
from jyuso_kb.reason import rules as reasoning


@pytest.fixture(scope="module")
def index(uozu: PlanSource) -> RoutingIndex:
    return build(uozu)


@pytest.fixture(scope="module")
def kasou_index(kasou: PlanSource) -> RoutingIndex:
    return build(kasou)


def _first(answer: dict[str, Any]) -> str:
    return str(answer["results"][0]["department"]["id"])


# ---- words -----------------------------------------------------------------------------------------------------


def test_inflection_and_word_order_do_not_matter() -> None:
    matcher = WordMatcher([("税金を払っていない", "need:tax", 0.8), ("夫に殴られる", "need:dv", 0.8)])
    hits = matcher.find("先月から税金がまだ払えていないんです")
    assert [(h.label.original, h.matched) for h in hits] == [("税金を払っていない", ("税金", "払え", "ない"))]
    assert [h.label.target for h in matcher.find("夫から殴られている")] == ["need:dv"]
    assert matcher.find("税金を払った") == []  # negation is a word: paying is not arrears


def test_kana_only_questions_find_words_by_their_reading() -> None:
    matcher = WordMatcher([("税金が払えない", "need:tax", 0.8)])
    assert [h.label.target for h in matcher.find("ぜいきんがはらえない")] == ["need:tax"]


def test_the_most_specific_label_wins(index: RoutingIndex) -> None:
    """夫に殴られる (two words) over any label of one of its words."""
    found = [f for f in index.matcher.match("夫に殴られる") if f.how == "words"]
    assert {f.label.target.rsplit("/", 1)[1] for f in found} == {"domestic-violence"}
    assert {f.words for f in found} == {("夫", "殴ら")}


@pytest.mark.parametrize(
    ("question", "department", "need"),
    [
        ("夫に殴られる", "dept-shakaifukushi", "domestic-violence"),  # directly or as 多機関協働事業's 所管課
        ("税金を払っていない", "dept-zeimu", "tax-arrears"),
        ("家賃を滞納して追い出されそう", "dept-shakaifukushi", "housing-loss"),
        ("隣のおばあさんを最近見かけない", "dept-shakaifukushi", "watching-over"),
    ],
)
def test_residents_words_find_the_department(index: RoutingIndex, question: str, department: str, need: str) -> None:
    answer = who_handles(index, question)
    assert department in [r["department"]["id"] for r in answer["results"][:3]]
    assert need in [n["id"] for n in answer["needs"]]
    matched = [m for r in answer["results"] for m in r["matched"] if m["need"] == need]
    assert matched and all(m["how"] in ("words", "label") for m in matched)
    assert all(m.get("words") for m in matched if m["how"] == "words")  # which words of the question matched


def test_route_reads_free_text_by_words(index: RoutingIndex) -> None:
    answer = routing.route(index, routing.Household(needs=("妻に叩かれる",)))
    assert [n["id"] for n in answer["needs"]] == ["domestic-violence"]
    assert "fallback" not in answer


# ---- names -----------------------------------------------------------------------------------------------------

NAMES = [
    ("uozu", "税務課に行きたい", "dept-zeimu", ["dept-zeimu"]),
    ("uozu", "参加支援事業って何", "prog-sanka-shien", ["dept-shakaifukushi"]),
    ("uozu", "こども家庭センターに相談したい", "body-kodomo-katei-center", ["dept-kenko-center", "dept-kodomo"]),
    ("uozu", "重層的支援会議はどこが開くの", "mtg-jusoteki-shien", ["dept-shakaifukushi"]),
    ("uozu", "子ども課", "dept-kodomo", ["dept-kodomo"]),  # the plan's variant spelling, kept as an alias
    ("uozu", "しょうこうかんこうかにいきたい", "dept-shokokanko", ["dept-shokokanko"]),  # by reading
    ("uozu", "子ども家庭総合支援拠点の担当", "body-kodomo-katei-sogo", ["dept-kenko-center", "dept-kodomo"]),
    ("kasou", "福祉課に行きたい", "dept-fukushi", ["dept-fukushi"]),
    ("kasou", "架空町こども家庭センターはどこ", "body-kodomo-katei-center", None),
]


@pytest.mark.parametrize(("town", "question", "named", "departments"), NAMES)
def test_a_named_thing_is_answered_with_whom_it_belongs_to(
    index: RoutingIndex, kasou_index: RoutingIndex, town: str, question: str, named: str, departments: Any
) -> None:
    plan = index if town == "uozu" else kasou_index
    answer = who_handles(plan, question)
    assert named in [n["id"] for n in answer["named"]]
    thing = next(n for n in answer["named"] if n["id"] == named)
    expected = departments or [d["id"] for d in thing["departments"]]
    assert expected and sorted(d["id"] for d in thing["departments"]) == sorted(expected)
    assert sorted(r["department"]["id"] for r in answer["results"][: len(expected)]) == sorted(expected)
    assert "fallback" not in answer


# ---- never an empty answer ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("town", "department", "program"),
    [("uozu", "dept-shakaifukushi", "prog-takikan-kyodo"), ("kasou", None, None)],
)
@pytest.mark.parametrize("text", ["xyzzy", "🙂🙂🙂", "なんとなくもやもやする"])
def test_nothing_matched_still_gets_an_answer(
    index: RoutingIndex, kasou_index: RoutingIndex, town: str, department: Any, program: Any, text: str
) -> None:
    plan = index if town == "uozu" else kasou_index
    answer = who_handles(plan, text)
    assert answer["fallback"] is True and answer["unmatched"] == [text]
    assert answer["results"] and all(r["fallback"] for r in answer["results"])
    assert all(r["why"][0]["rule"] == "fallback-consultation" for r in answer["results"])
    multi_agency = [p for p in answer["programs"] if "社会福祉法第106条の4第2項第5号" in p["legal_basis"]]
    assert multi_agency and {r["department"]["id"] for r in answer["results"]} == {
        d["id"] for p in multi_agency for d in p["departments"]
    }
    if department:
        assert [r["department"]["id"] for r in answer["results"]] == [department]
        assert [p["id"] for p in answer["programs"]] == [program]


def test_the_fallback_is_a_rule_not_code(uozu: PlanSource) -> None:
    """Without rules/fallback-consultation.rq nothing answers an unmatched question: what it points to is the rule's."""
    kept = tuple(r for r in reasoning.rules() if r.id != "fallback-consultation")
    index = compile_index(reasoning.reason(uozu.merged(), kept))
    assert who_handles(index, "xyzzy")["results"] == []
    assert routing.route(index, routing.Household(needs=("xyzzy",)))["programs"] == []


@pytest.mark.parametrize("municipality", ["index", "kasou_index"])
def test_suggestions_offer_the_closest_labels(request: pytest.FixtureRequest, municipality: str) -> None:
    """「もしかして」: a misspelt question in kana is offered the label it meant by its reading; the closest first."""
    index: RoutingIndex = request.getfixturevalue(municipality)
    answer = routing.route(index, routing.Household(needs=("にんちしょお",)))
    assert (answer["needs"], answer["unmatched"], answer["fallback"]) == ([], ["にんちしょお"], True)
    [offered] = answer["suggestions"]
    assert offered["input"] == "にんちしょお"
    assert offered["needs"][0] == {"id": "dementia", "label": "認知症", "matched": "にんちしょう"}
    # only readings that hold most of what was typed (rules/parameters.yaml kana_suggestion_coverage)
    assert [n["id"] for n in offered["needs"]] == ["dementia", "adult-guardianship"]
    answer = who_handles(index, "ほげほげ")
    assert (answer["fallback"], answer["suggestions"]) == (True, [])  # nothing is close: no suggestion


# ---- ties ------------------------------------------------------------------------------------------------------


def _reordered(merged: Graph) -> Graph:
    """The same plan with its departments' table order reversed."""
    out = Graph()
    out += merged
    orders = sorted(
        (o.toPython(), s) for s, o in merged.subject_objects(JY.order) if (s, None, JY.Department) in merged
    )
    top = max(order for order, _ in orders) + 1
    for order, node in orders:
        out.set((node, JY.order, Literal(top - order)))
    return out


QUESTIONS = ["親の介護", "子育てがつらい", "お金がない", "ひきこもりの息子", "税金を払っていない", "空き家", "xyzzy"]


def test_ranking_does_not_depend_on_table_order(uozu: PlanSource, index: RoutingIndex) -> None:
    reversed_index = index_of(_reordered(uozu.merged()))
    for question in QUESTIONS:
        ranked = [r["department"]["id"] for r in who_handles(index, question)["results"]]
        again = [r["department"]["id"] for r in who_handles(reversed_index, question)["results"]]
        assert ranked == again, question


def test_ties_go_by_role_then_id(index: RoutingIndex) -> None:
    """Equal scores: the stronger role first, then a duty covering the need itself, then the department id."""
    for question in QUESTIONS:
        results = who_handles(index, question)["results"]
        scores = [r["score"] for r in results]
        assert scores == sorted(scores, reverse=True), question
