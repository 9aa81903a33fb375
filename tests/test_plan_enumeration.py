"""The knowledge base states every row and cell of the 魚津市 plan (hand-checked enumerations in expected/)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from rdflib import RDF, SKOS, Graph, Literal
from rdflib.term import Node

from jyuso_kb.formats import catalog
from jyuso_kb.namespaces import JY
from jyuso_kb.plan.source import PlanSource
from jyuso_kb.plan.terms import label

from .conftest import EXPECTED


@pytest.fixture(scope="module")
def graph(uozu: PlanSource) -> Graph:
    return uozu.merged()


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((EXPECTED / "uozu_plan.yaml").read_text(encoding="utf-8"))
    return data


def _by_label(graph: Graph, cls: Node, text: str) -> Node:
    found = [s for s in graph.subjects(RDF.type, cls) if label(graph, s) == text]
    assert len(found) == 1, f"{text}: {found}"
    return found[0]


def _labels(graph: Graph, nodes: Any) -> list[str]:
    return sorted(label(graph, n) for n in nodes)


def _ordered(graph: Graph, nodes: Any) -> list[str]:
    return [label(graph, n) for n in sorted(set(nodes), key=lambda n: int(graph.value(n, JY.order).toPython()))]


def _int(graph: Graph, node: Node, prop: Node) -> int | None:
    value = graph.value(node, prop)
    return int(value.toPython()) if isinstance(value, Literal) else None


def test_twelve_programs_with_every_field(graph: Graph) -> None:
    expected = yaml.safe_load((EXPECTED / "uozu_programs.yaml").read_text(encoding="utf-8"))["programs"]
    got = [
        {
            "id": p["id"],
            "label": p["label"],
            "legal_basis": p["legal_basis"],
            "pillar": p["pillar"],
            "component": p["component"],
            "target_group": p["target_group"],
            "activities": p["activities"],
            "implementation": p["implementation"],
            "operators": [o["label"] for o in p["operators"]],
            "departments": [d["label"] for d in p["departments"]],
            "new": p["new"],
            "source": p["source"],
        }
        for p in catalog.programs(graph)
    ]
    assert len(got) == 12
    assert got == expected


def test_plan_identity_and_period(graph: Graph, expected: dict[str, Any]) -> None:
    want = expected["plan"]
    plan = next(iter(graph.subjects(RDF.type, JY.Plan)))
    assert label(graph, plan) == want["label"]
    assert label(graph, graph.value(plan, JY.municipality)) == want["municipality"]
    assert str(graph.value(plan, JY.adopted)) == want["adopted"]
    assert [_int(graph, plan, JY.startFiscalYear), _int(graph, plan, JY.endFiscalYear)] == want["period"]
    assert [str(graph.value(plan, JY.periodStart)), str(graph.value(plan, JY.periodEnd))] == want["period_dates"]
    assert _int(graph, plan, JY.revisionFiscalYear) == want["revision_fiscal_year"]
    assert label(graph, graph.value(plan, JY.revisionAlignedWith)) == want["revision_aligned_with"]
    assert str(graph.value(graph.value(plan, JY.legalBasis), JY.citation)) == want["legal_basis"]


@pytest.mark.parametrize(
    ("key", "prop"),
    [
        ("upper", JY.hasUpperPlan),
        ("framed_by", JY.framedBy),
        ("aligns_with", JY.alignsWith),
        ("cooperates_with", JY.cooperatesWith),
        ("related_individual", JY.relatedIndividualPlan),
        ("related_laws", JY.relatedLaw),
    ],
)
def test_plan_position_among_related_plans(graph: Graph, expected: dict[str, Any], key: str, prop: Node) -> None:
    plan = next(iter(graph.subjects(RDF.type, JY.Plan)))
    assert _labels(graph, graph.objects(plan, prop)) == sorted(expected["plan"][key])


def test_related_plan_periods(graph: Graph, expected: dict[str, Any]) -> None:
    for name, (start, end) in expected["plan"]["plan_periods"].items():
        node = _by_label(graph, JY.RelatedPlan, name)
        assert [_int(graph, node, JY.startFiscalYear), _int(graph, node, JY.endFiscalYear)] == [start, end], name


def test_twelve_departments_with_every_duty(graph: Graph, expected: dict[str, Any]) -> None:
    departments = expected["departments"]
    assert _labels(graph, graph.subjects(RDF.type, JY.Department)) == sorted(departments)
    for name, want in departments.items():
        dept = _by_label(graph, JY.Department, name)
        assert _ordered(graph, graph.subjects(JY.dutyOf, dept)) == want["duties"], name
    assert len(set(graph.subjects(RDF.type, JY.Duty))) == sum(len(d["duties"]) for d in departments.values()) == 50


def test_all_48_matrix_cells_circle_and_blank(graph: Graph, expected: dict[str, Any]) -> None:
    functions = sorted(graph.subjects(RDF.type, JY.CollaborationFunction), key=lambda f: _int(graph, f, JY.order) or 0)
    cells = set(graph.subjects(RDF.type, JY.CollaborationCell))
    assert len(cells) == 48
    for name, want in expected["departments"].items():
        dept = _by_label(graph, JY.Department, name)
        row = ""
        for function in functions:
            (cell,) = [
                c
                for c in cells
                if (c, JY.department, dept) in graph and (c, JY.collaborationFunction, function) in graph
            ]
            row += "○" if graph.value(cell, JY.participates).toPython() else " "
        assert row == want["matrix"], name


def test_five_meetings_with_members_and_frequency(graph: Graph, expected: dict[str, Any]) -> None:
    meetings = sorted(graph.subjects(RDF.type, JY.Meeting), key=lambda m: _int(graph, m, JY.order) or 0)
    assert [label(graph, m) for m in meetings] == [m["label"] for m in expected["meetings"]]
    for node, want in zip(meetings, expected["meetings"], strict=True):
        assert label(graph, graph.value(node, JY.frequency)) == want["frequency"]
        assert graph.value(node, JY.requiresConsent).toPython() is want["requires_consent"]
        sections = {str(graph.value(s, JY.sectionNumber)) for s in graph.objects(node, JY.source)}
        assert want["source"] in sections
        if "members" in want:
            seats = sorted(graph.objects(node, JY.hasMember), key=lambda s: _int(graph, s, JY.order) or 0)
            assert [label(graph, s) for s in seats] == want["members"]
        if "members_from" in want:
            assert label(graph, graph.value(node, JY.membersFrom)) == want["members_from"]
        if "member_description" in want:
            assert str(graph.value(node, JY.memberDescription)) == want["member_description"]
        if "transitional_label" in want:
            assert str(graph.value(node, JY.transitionalLabel)) == want["transitional_label"]
        if "confidentiality" in want:
            assert graph.value(node, JY.confidentialityDuty).toPython() is want["confidentiality"]
            assert str(graph.value(graph.value(node, JY.legalBasis), JY.citation)) == want["legal_basis"]


def test_schedule_rows_for_r6_to_r8(graph: Graph, expected: dict[str, Any]) -> None:
    rows = sorted(graph.subjects(RDF.type, JY.ScheduleRow), key=lambda r: _int(graph, r, JY.order) or 0)
    assert [label(graph, r) for r in rows] == list(expected["schedule"])
    for row in rows:
        want = expected["schedule"][label(graph, row)]
        got: dict[Any, Any] = {
            _int(graph, e, JY.fiscalYear): label(graph, graph.value(e, JY.status)) for e in graph.objects(row, JY.entry)
        }
        got["main"] = sorted(str(a) for a in graph.objects(row, JY.mainActivity))
        assert got == {**want, "main": sorted(want["main"])}, label(graph, row)


def test_challenges_and_goals_each_linked_to_mechanisms(graph: Graph, expected: dict[str, Any]) -> None:
    challenges = set(graph.subjects(RDF.type, JY.Challenge))
    goals = set(graph.subjects(RDF.type, JY.Goal))
    assert (len(challenges), len(goals)) == (expected["challenges"], expected["goals"])
    for node in challenges | goals:
        mechanisms = list(graph.objects(node, JY.addressedBy))
        assert mechanisms, label(graph, node)
        for mechanism in mechanisms:
            assert (mechanism, RDF.type, None) in graph, mechanism
    assert {c for g in goals for c in graph.objects(g, JY.respondsTo)} == challenges


def test_kodomo_center_replaces_two_bodies_from_2025_04_01(graph: Graph) -> None:
    center = _by_label(graph, JY.SupportBody, "こども家庭センター")
    assert str(graph.value(center, JY.establishedOn)) == "2025-04-01"
    replaced = list(graph.objects(center, JY.replaces))
    assert _labels(graph, replaced) == ["子ども家庭総合支援拠点", "子育て世代包括支援センター"]
    assert {str(graph.value(b, JY.abolishedOn)) for b in replaced} == {"2025-03-31"}


def test_variants_kept_as_aliases(graph: Graph) -> None:
    kodomo = _by_label(graph, JY.Department, "こども課")
    assert Literal("子ども課", lang="ja") in set(graph.objects(kodomo, SKOS.altLabel))
    jiritsu = next(s for s in graph.subjects(RDF.type, JY.ImplementingProgram) if label(graph, s) == "自立相談支援事業")
    assert str(graph.value(jiritsu, JY.provisionAsWritten)) == "第1号 二"
    body_numbers = {
        str(graph.value(s, JY.sectionNumber)): str(graph.value(s, JY.bodyNumber))
        for s in graph.subjects(JY.bodyNumber, None)
    }
    assert body_numbers["5."] == "4." and body_numbers["6."] == "5." and body_numbers["7."] == "6."
    assert body_numbers["3.(4)"] == "(3)"


def test_every_plan_fact_names_its_section(graph: Graph, uozu: PlanSource) -> None:
    typed = {s for s in uozu.data.subjects(RDF.type, None)} - set(uozu.data.subjects(RDF.type, JY.PlanSection))
    missing = sorted(str(s) for s in typed if (s, JY.source, None) not in graph)
    assert missing == []
