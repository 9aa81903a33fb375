"""Exports to public-service standards: CPSV-AP 3.2, checked against the official SHACL shapes (SEMIC, CC BY 4.0,
copied to standards/cpsv-ap/) for 魚津市 and the fictional 架空町 alike."""

from __future__ import annotations

import io
from contextlib import redirect_stdout

import pytest
from fastapi.testclient import TestClient
from pyshacl import validate
from rdflib import RDF, Graph, Literal, Namespace, URIRef

from jyuso_kb import cli, resources
from jyuso_kb.formats.standards import export_graph
from jyuso_kb.namespaces import JY
from jyuso_kb.plan.source import PlanSource

from .conftest import KASOU_DIR

CPSV = Namespace("http://purl.org/vocab/cpsv#")
CV = Namespace("http://data.europa.eu/m8g/")
DCT = Namespace("http://purl.org/dc/terms/")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
LAW = "https://w3id.org/jyuso-kb/law/326AC0000000045/"


@pytest.fixture(scope="module")
def official() -> Graph:
    return Graph().parse(resources.standard_shapes("cpsv-ap"))


@pytest.fixture(params=["uozu", "kasou"])
def plan(request: pytest.FixtureRequest) -> PlanSource:
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]


def test_the_export_conforms_to_the_official_shapes(plan: PlanSource, official: Graph) -> None:
    exported = export_graph(plan.merged(), "cpsv-ap")
    conforms, results, text = validate(exported, shacl_graph=official, inference="none")
    assert conforms, text
    assert list(results.subjects(RDF.type, URIRef("http://www.w3.org/ns/shacl#ValidationResult"))) == []


def test_every_programme_is_a_public_service_with_every_node_typed(plan: PlanSource) -> None:
    merged = plan.merged()
    exported = export_graph(merged, "cpsv-ap")
    programmes = set(plan.data.subjects(RDF.type, JY.ImplementingProgram))
    assert set(exported.subjects(RDF.type, CPSV.PublicService)) == programmes
    untyped = {
        o for _, p, o in exported if p != RDF.type and isinstance(o, URIRef) and (o, RDF.type, None) not in exported
    }
    assert untyped == set()
    city = next(plan.data.subjects(RDF.type, JY.Municipality))
    for service in programmes:
        assert [str(i) for i in exported.objects(service, DCT.identifier)] == [str(service)]
        for prop in (DCT.title, DCT.description):
            assert {o.language for o in exported.objects(service, prop) if isinstance(o, Literal)} == {"ja", "en"}
        assert list(exported.objects(service, CV.hasCompetentAuthority)) == [city]
        laws = set(exported.objects(service, CV.hasLegalResource))
        assert laws == set(plan.data.objects(service, JY.implementsProvision)) and laws
        assert all((law, RDF.type, ELI.LegalResource) in exported for law in laws)
        by_role: dict[URIRef, set[URIRef]] = {}
        for participation in exported.objects(service, CV.hasParticipation):
            role = exported.value(participation, CV.role)
            by_role.setdefault(role, set()).add(exported.value(participation, CV.hasParticipant))
        assert by_role[JY["participation-responsible-department"]] == set(
            plan.data.objects(service, JY.responsibleDepartment)
        )
        # the matrix: the departments with ○ in the column of the programme's pillar
        pillar = merged.value(merged.value(service, JY.component), JY.pillar)
        column = merged.value(predicate=JY.collaborationPillar, object=pillar)
        marked = {
            merged.value(cell, JY.department)
            for cell in merged.subjects(JY.collaborationFunction, column)
            if merged.value(cell, JY.participates) == Literal(True)
        }
        assert by_role[JY["participation-cooperating-department"]] == marked and marked
    assert (city, RDF.type, CV.PublicOrganisation) in exported
    area = exported.value(city, DCT.spatial)
    assert (area, RDF.type, DCT.Location) in exported
    code = plan.data.value(city, JY.localGovernmentCode)
    assert str(exported.value(area, DCT.identifier)) == str(code)


def test_commissioned_operators_are_concession_contracts(uozu: PlanSource) -> None:
    exported = export_graph(uozu.merged(), "cpsv-ap")
    outreach = URIRef("https://w3id.org/jyuso-kb/data/uozu/prog-jiritsu-soudan")
    operators = set(uozu.data.objects(outreach, JY.operator))
    contracts = set(exported.subjects(DCT.relation, outreach))
    assert operators and {exported.value(c, CV.hasEconomicOperator) for c in contracts} == operators
    for contract in contracts:
        assert (contract, RDF.type, CV.ServiceConcessionContract) in exported
    outreach_4 = URIRef("https://w3id.org/jyuso-kb/data/uozu/prog-outreach")
    assert exported.value(outreach_4, CV.hasLegalResource) == URIRef(LAW + "a106-4-p2-i4")
    assert str(exported.value(URIRef(LAW + "a106-4-p2-i4"), DCT.title)) == "社会福祉法第106条の4第2項第4号"
    needs = {
        (str(label), label.language)
        for n in exported.objects(outreach_4, CV.isClassifiedBy)
        for label in exported.objects(n, SKOS.prefLabel)
    }
    assert {("ひきこもり", "ja"), ("Hikikomori (social withdrawal)", "en")} <= needs


def test_the_cli_and_the_api_give_the_same_export(api: TestClient, kasou: PlanSource, uozu: PlanSource) -> None:
    out = io.StringIO()
    with redirect_stdout(out):
        assert (
            cli.main(
                [
                    "export",
                    "--format",
                    "cpsv-ap",
                    "--data",
                    str(KASOU_DIR),
                    "--data",
                    str(resources.municipality_dir()),
                    "--municipality",
                    "999008",
                ]
            )
            == 0
        )
    cli_graph = Graph().parse(data=out.getvalue(), format="turtle")
    assert set(cli_graph.subjects(RDF.type, CPSV.PublicService)) == set(
        kasou.data.subjects(RDF.type, JY.ImplementingProgram)
    )
    served = api.get("/v1/export/cpsv-ap")
    assert served.status_code == 200 and served.headers["content-type"] == "text/turtle; charset=utf-8"
    assert served.headers["access-control-allow-origin"] == "*"
    assert len(Graph().parse(data=served.text, format="turtle")) == len(export_graph(uozu.merged(), "cpsv-ap"))
    scoped = api.get("/v1/municipalities/162043/export/cpsv-ap")
    assert scoped.text == served.text
    missing = api.get("/v1/export/no-such-standard")
    assert missing.status_code == 404 and missing.json()["error"]["where"] == "standard"
