"""A second, fictional municipality (架空町) validates and is catalogued with the same ontology, shapes and code.

The plan in tests/fixtures/plans/kasou/ is made up; it shares no programme or department with 魚津市. If it conforms
and `jyuso-kb programs --json` reads it as hand-checked in tests/expected/kasou_programs.json, the model is generic.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import RDF, Graph
from rdflib.term import Node

from jyuso_kb import cli, resources
from jyuso_kb.check import shacl as validation
from jyuso_kb.namespaces import JY, LAW
from jyuso_kb.plan.load import load_plan
from jyuso_kb.plan.source import PlanSource

from .conftest import EXPECTED, KASOU_DIR
from .shape_fixtures import validate_requirement

KASOU = "https://w3id.org/jyuso-kb/data/kasou/"
UOZU = "https://w3id.org/jyuso-kb/data/uozu/"
SINGLE_PLAN_MESSAGE = "データには計画がちょうど1つ必要です。"

KASOU_PROGRAMS = [
    "prog-anshin-soudan",
    "prog-marugoto-soudan",
    "prog-kosodate-concierge",
    "prog-team-shien",
    "prog-tsunagari-houmon",
    "prog-shigoto-ibasho",
    "prog-kayoinoba",
    "prog-hidamari-center",
    "prog-oyako-hiroba",
    "prog-minna-shokudo",
]
KASOU_DEPARTMENTS = [
    "dept-fukushi",
    "dept-gakko",
    "dept-hoken-center",
    "dept-jumin",
    "dept-kensetsu",
    "dept-kosodate",
    "dept-sangyo",
]


def _subjects(graph: Graph, cls: Node) -> set[str]:
    return {str(s) for s in graph.subjects(RDF.type, cls)}


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = cli.main(list(argv))
    out, _ = capsys.readouterr()
    return code, out


def test_kasou_plan_conforms_with_no_finding(kasou: PlanSource) -> None:
    report = validation.validate(kasou)
    assert report.findings == ()
    assert report.conforms


def test_programs_json_is_the_hand_checked_catalog(capsys: pytest.CaptureFixture[str]) -> None:
    expected = (EXPECTED / "kasou_programs.json").read_text(encoding="utf-8")
    code, out = _run(capsys, "programs", "--json", "--data", str(KASOU_DIR))
    assert code == 0
    assert json.loads(out) == json.loads(expected)
    assert out == expected


def test_programs_are_listed_in_plan_order(capsys: pytest.CaptureFixture[str]) -> None:
    _, out = _run(capsys, "programs", "--json", "--data", str(KASOU_DIR))
    assert [p["id"] for p in json.loads(out)["programs"]] == KASOU_PROGRAMS


def test_validate_command_accepts_the_kasou_folder(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(capsys, "validate", str(KASOU_DIR))
    assert code == 0
    assert out.strip() == "適合: 計画はすべての要件を満たしています。"


@pytest.mark.slow
def test_check_command_passes_every_quality_check(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(capsys, "check", "--json", "--data", str(KASOU_DIR))
    report = json.loads(out)
    assert code == 0
    assert report["conforms"] is True
    assert report["owl"]["consistent"] is True
    assert [c["name"] for c in report["checks"] if c["severity"] == "error" and not c["passed"]] == []
    assert report["counts"]["実施事業"] == 10
    assert report["counts"]["課"] == 7
    assert report["counts"]["連携マトリクスのセル"] == 28


def test_kasou_shares_no_programme_or_department_with_uozu(kasou: PlanSource, uozu: PlanSource) -> None:
    for cls in (JY.ImplementingProgram, JY.Department):
        ours, theirs = _subjects(kasou.data, cls), _subjects(uozu.data, cls)
        assert ours.isdisjoint(theirs)
        assert all(iri.startswith(KASOU) for iri in ours)
        assert all(iri.startswith(UOZU) for iri in theirs)
    assert sorted(_subjects(kasou.data, JY.ImplementingProgram)) == sorted(KASOU + p for p in KASOU_PROGRAMS)
    assert sorted(_subjects(kasou.data, JY.Department)) == [KASOU + d for d in KASOU_DEPARTMENTS]


def test_two_plans_in_one_validation_do_not_conform(monkeypatch: pytest.MonkeyPatch) -> None:
    plans = load_plan([KASOU_DIR, resources.municipality_dir()])
    report = validate_requirement(plans, "jysh:SinglePlanShape", monkeypatch)  # the one requirement they break
    assert not report.conforms
    single = [f for f in report.findings if f.shape == "jysh:SinglePlanShape"]
    assert [(f.severity, f.focus, f.message) for f in single] == [("violation", "jy:Plan", SINGLE_PLAN_MESSAGE)]


def test_coverage_shape_applies_to_the_second_plan(kasou: PlanSource, tmp_path: Path) -> None:
    """Without its only 第1号ハ link, 架空町 no longer implements every required item, and the programme has no item."""
    data = Graph()
    data += kasou.data
    data.remove((None, JY.implementsProvision, LAW["a106-4-p2-i1-ha"]))
    path = tmp_path / "kasou-without-1-ha.ttl"
    data.serialize(path, format="turtle")
    report = validation.validate(load_plan([path]))
    assert not report.conforms
    assert sorted((f.shape, f.focus_label, f.message) for f in report.findings) == [
        (
            "jysh:ProgramLegalItem",
            "子育てコンシェルジュ事業",
            "事業に根拠となる社会福祉法第106条の4第2項の号(法令の項目)がありません。",
        ),
        (
            "jysh:ProvisionCoverageShape",
            "第106条の4第2項第1号ハ",
            "社会福祉法第106条の4第2項第1号ハ を実施する事業が計画にありません。",
        ),
    ]
