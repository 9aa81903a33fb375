"""Every shape has a valid and an invalid fixture; the invalid one produces exactly the findings it names.

The fixtures are validated against the part of the shapes graph that checks their requirement (see
shape_fixtures.requirement_shapes): the whole plan is still the data, only the other requirements are left out.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, URIRef
from rdflib.namespace import SH

from jyuso_kb.check import shacl as validation
from jyuso_kb.plan.source import PlanSource

from .conftest import FIXTURES
from .shape_fixtures import ShapeFixture, load, patched, validate_requirement

FIXTURE_FILES = sorted((FIXTURES / "shapes").glob("*.yaml"))


def _fixture_id(path: Path) -> str:
    return path.stem


@pytest.fixture(scope="module", params=FIXTURE_FILES, ids=_fixture_id)
def fixture(request: pytest.FixtureRequest) -> ShapeFixture:
    return load(request.param)


def _members(shape: str) -> set[str]:
    """The shape and the named property shapes it holds (their findings are reported under their own name)."""
    shapes = validation.shapes_graph()
    node = shapes.namespace_manager.expand_curie(shape)
    nm = shapes.namespace_manager
    held = {nm.normalizeUri(p) for p in shapes.objects(node, SH.property) if isinstance(p, URIRef)}
    return {shape} | held


def _of_shape(report: validation.Report, shape: str) -> list[dict[str, str]]:
    names = _members(shape)
    return sorted(
        ({"focus": f.focus, "severity": f.severity, "message": f.message} for f in report.findings if f.shape in names),
        key=lambda d: (d["focus"], d["message"]),
    )


def test_embedded_plan_conforms_with_no_finding(uozu: PlanSource) -> None:
    report = validation.validate(uozu)
    assert report.conforms
    assert report.findings == ()


def test_invalid_fixture_triggers_exactly_its_shape(
    fixture: ShapeFixture, uozu: PlanSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = validate_requirement(patched(uozu, fixture.invalid), fixture.shape, monkeypatch)
    expected = sorted(fixture.expect, key=lambda d: (d["focus"], d["message"]))
    assert _of_shape(report, fixture.shape) == expected
    if any(e["severity"] == "violation" for e in expected):
        assert not report.conforms


def test_valid_fixture_passes_the_shape(
    fixture: ShapeFixture, uozu: PlanSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = validate_requirement(patched(uozu, fixture.valid), fixture.shape, monkeypatch)
    assert _of_shape(report, fixture.shape) == []
    assert report.conforms  # no violation of the node shape(s) holding the requirement either


def test_requirement_shapes_give_the_findings_of_the_whole_shapes_graph(
    uozu: PlanSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shortcut above is exact: on a plan breaking several requirements at once (a property shape, a target
    node, SPARQL constraints, sh:or, a qualified count, a subjects-of target), each requirement's part of the shapes
    graph finds what the whole shapes graph finds for it."""
    names = ("ProgramLegalItem", "SinglePlanShape", "CommissionedOperatorShape", "MeetingShape", "ProgramLabelJa")
    fixtures = [load(FIXTURES / "shapes" / f"{name}.yaml") for name in (*names, "ProvisionCoverageShape")]
    broken = uozu
    for fixture in fixtures:
        broken = patched(broken, fixture.invalid)
    whole = validation.validate(broken)
    expected = {f.shape: _of_shape(whole, f.shape) for f in fixtures}
    assert all(expected.values()), expected
    found = {f.shape: _of_shape(validate_requirement(broken, f.shape, monkeypatch), f.shape) for f in fixtures}
    assert found == expected


def test_every_named_shape_has_a_fixture() -> None:
    shapes = validation.shapes_graph()
    named = {
        shapes.namespace_manager.normalizeUri(s)
        for kind in (SH.NodeShape, SH.PropertyShape)
        for s in shapes.subjects(RDF.type, kind)
        if isinstance(s, URIRef)
    }
    covered = {load(p).shape for p in FIXTURE_FILES}
    assert sorted(named - covered) == []
