"""Exports to public-service standards: CPSV-AP 3.2, checked against the official SHACL shapes (SEMIC, CC BY 4.0,
copied to standards/cpsv-ap/) for 魚津市 and the fictional 架空町 alike."""

from __future__ import annotations

import hashlib
import io
from concurrent.futures import ThreadPoolExecutor
from contextlib import redirect_stdout

import pytest
from fastapi.testclient import TestClient
from pyshacl import validate
from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef

from jyuso_kb import cli, resources
from jyuso_kb.formats import standards
from jyuso_kb.formats.standards import export_graph
from jyuso_kb.namespaces import JY
from jyuso_kb.plan.source import PlanSource

from .conftest import KASOU_DIR

CPSV = Namespace("http://purl.org/vocab/cpsv#")
CV = Namespace("http://data.europa.eu/m8g/")
DCT = Namespace("http://purl.org/dc/terms/")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
ORG = Namespace("http://www.w3.org/ns/org#")
LAW = "https://w3id.org/jyuso-kb/law/326AC0000000045/"
UOZU = "https://w3id.org/jyuso-kb/data/uozu/"
KASOU = "https://w3id.org/jyuso-kb/data/kasou/"
SHAPES = resources.root() / "standards" / "cpsv-ap"
# sha256 of the files as copied from SEMICeu/CPSV-AP (releases/3.2.0/shacl/cpsv-ap-SHACL.ttl, commit e37f5e1) with the
# note on where they come from; the same bytes as the originals kept outside the project when they were copied
OFFICIAL_SHA256 = {
    "cpsv-ap-SHACL-3.2.0.ttl": "a314fa6bf8e1b613af7ed75fb9f4423d30a16b6fb93b4d3f05168f697bc37b30",
    "SOURCE.txt": "ab8f209d3993810858ca04749a73a70c5c2f92a872cf4ce4768dbf710ea15ed9",
}


@pytest.fixture(scope="module")
def official() -> Graph:
    return Graph().parse(resources.standard_shapes("cpsv-ap"))


@pytest.fixture(params=["uozu", "kasou"])
def plan(request: pytest.FixtureRequest) -> PlanSource:
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]


def violations(exported: Graph, official: Graph) -> list[str]:
    conforms, results, text = validate(exported, shacl_graph=official, inference="none")
    found = list(results.subjects(RDF.type, URIRef("http://www.w3.org/ns/shacl#ValidationResult")))
    assert conforms == (found == [])
    return [text] if found else []


def commissioned(data: Graph) -> set[tuple[URIRef, URIRef]]:
    """(programme, 委託先) from the plan: a contractor it names as operator, or one that runs a site it names."""
    return {
        (programme, runner)
        for programme, operator in data.subject_objects(JY.operator)
        for runner in [operator, *data.objects(operator, JY.operatedBy)]
        if isinstance(programme, URIRef) and isinstance(runner, URIRef) and (runner, RDF.type, JY.Contractor) in data
    }


def ja(graph: Graph, node: URIRef | None) -> str:
    (label,) = {str(o) for o in graph.objects(node, RDFS.label) if isinstance(o, Literal) and o.language == "ja"}
    return label


def test_the_shapes_are_the_official_files_unchanged() -> None:
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in SHAPES.iterdir()} == OFFICIAL_SHA256
    assert resources.standard_shapes("cpsv-ap") == SHAPES / "cpsv-ap-SHACL-3.2.0.ttl"
    source = (SHAPES / "SOURCE.txt").read_text(encoding="utf-8")
    assert f"sha256 {OFFICIAL_SHA256['cpsv-ap-SHACL-3.2.0.ttl']}" in source
    assert "commit e37f5e1991cd89772165bed7d42fd64cdea8c2d4" in source and "Licence: CC BY 4.0" in source


def test_the_export_conforms_to_the_official_shapes(plan: PlanSource, official: Graph) -> None:
    assert violations(export_graph(plan.merged(), "cpsv-ap"), official) == []


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


def test_contracts_are_the_commissioned_operators(plan: PlanSource) -> None:
    """One contract per programme and 委託先, the contractor a site runs included; a site is no economic operator."""
    exported = export_graph(plan.merged(), "cpsv-ap")
    city = next(plan.data.subjects(RDF.type, JY.Municipality))
    contracts = set(exported.subjects(RDF.type, CV.ServiceConcessionContract))
    pairs = [(exported.value(c, DCT.relation), exported.value(c, CV.hasEconomicOperator)) for c in contracts]
    assert len(pairs) == len(set(pairs)) and set(pairs) == commissioned(plan.data)
    for programme in plan.data.subjects(RDF.type, JY.ImplementingProgram):
        assert {o for s, o in pairs if s == programme} == {o for s, o in commissioned(plan.data) if s == programme}
    for contract in contracts:
        service, operator = exported.value(contract, DCT.relation), exported.value(contract, CV.hasEconomicOperator)
        assert list(exported.objects(contract, CV.hasEconomicOperator)) == [operator]
        assert list(exported.objects(contract, CV.hasContractingAuthority)) == [city]
        assert [str(i) for i in exported.objects(contract, DCT.identifier)] == [str(contract)]
        title = f"{ja(plan.data, service)}の委託({ja(plan.data, operator)})"
        assert list(exported.objects(contract, DCT.title)) == [Literal(title, lang="ja")]
        assert (operator, RDF.type, ORG.Organization) in exported and (operator, RDF.type, JY.Contractor) in plan.data
        assert str(exported.value(operator, DCT.identifier)) == str(operator)
    sites = set(plan.data.subjects(RDF.type, JY.ServiceSite))
    assert sites and not sites & set(exported.objects(None, CV.hasEconomicOperator))
    assert len(contracts) == {"162043": 9, "999008": 7}[str(plan.data.value(city, JY.localGovernmentCode))]


def test_a_programme_run_directly_or_at_sites_has_no_contract(uozu: PlanSource, kasou: PlanSource) -> None:
    for plan in (uozu, kasou):
        exported = export_graph(plan.merged(), "cpsv-ap")
        for programme in plan.data.subjects(JY.implementationMode, JY["mode-direct"]):
            assert list(exported.subjects(DCT.relation, programme)) == [], programme
    # 架空町's 親子ひろば is 直営 at its site 「すくすく」: a channel, no contract
    kasou_export = export_graph(kasou.merged(), "cpsv-ap")
    hiroba = URIRef(KASOU + "prog-oyako-hiroba")
    assert kasou.data.value(hiroba, JY.implementationMode) == JY["mode-direct"]
    assert list(kasou_export.subjects(DCT.relation, hiroba)) == []
    assert list(kasou_export.objects(hiroba, CV.hasChannel)) == [URIRef(KASOU + "site-sukusuku")]
    # ひだまりの家 is run by NPO法人ひだまり, the programme's 委託先 too: one contract
    hidamari = URIRef(KASOU + "prog-hidamari-center")
    (contract,) = kasou_export.subjects(DCT.relation, hidamari)
    assert kasou_export.value(contract, CV.hasEconomicOperator) == URIRef(KASOU + "org-hidamari")
    assert list(kasou_export.objects(hidamari, CV.hasChannel)) == [URIRef(KASOU + "site-hidamari-no-ie")]
    # 魚津市's 地域子育て支援拠点事業 (直営、委託) at three sites, none with a 委託先 the plan names
    uozu_export = export_graph(uozu.merged(), "cpsv-ap")
    hub = URIRef(UOZU + "prog-chiiki-kosodate-kyoten")
    assert list(uozu_export.subjects(DCT.relation, hub)) == []
    assert set(uozu_export.objects(hub, CV.hasChannel)) == {
        URIRef(UOZU + s) for s in ("site-nobinobi", "site-nikoniko", "site-jido-center-oyako")
    }


def test_sites_are_the_channels_of_their_programmes(plan: PlanSource) -> None:
    exported = export_graph(plan.merged(), "cpsv-ap")
    sited = {(s, o) for s, o in plan.data.subject_objects(JY.operator) if (o, RDF.type, JY.ServiceSite) in plan.data}
    assert sited and set(exported.subject_objects(CV.hasChannel)) == sited
    assert set(exported.subjects(RDF.type, CV.Channel)) == {site for _, site in sited}
    for _, site in sited:
        assert [str(i) for i in exported.objects(site, DCT.identifier)] == [str(site)]
        assert set(exported.objects(site, DCT.description)) == set(plan.data.objects(site, RDFS.label))
        assert {d.language for d in exported.objects(site, DCT.description) if isinstance(d, Literal)} == {"ja", "en"}


def test_every_programme_is_classified_by_the_needs_it_serves(plan: PlanSource) -> None:
    merged = plan.merged()
    exported = export_graph(merged, "cpsv-ap")
    for programme in plan.data.subjects(RDF.type, JY.ImplementingProgram):
        needs = set(plan.data.objects(programme, JY.servesNeed))
        assert needs and set(exported.objects(programme, CV.isClassifiedBy)) == needs, programme
        for need in needs:
            assert (need, RDF.type, SKOS.Concept) in exported
            assert set(exported.objects(need, SKOS.prefLabel)) == set(merged.objects(need, SKOS.prefLabel))


def test_the_outreach_programme_of_uozu(uozu: PlanSource) -> None:
    exported = export_graph(uozu.merged(), "cpsv-ap")
    outreach = URIRef(UOZU + "prog-outreach")
    assert exported.value(outreach, CV.hasLegalResource) == URIRef(LAW + "a106-4-p2-i4")
    assert str(exported.value(URIRef(LAW + "a106-4-p2-i4"), DCT.title)) == "社会福祉法第106条の4第2項第4号"
    needs = {
        (str(label), label.language)
        for n in exported.objects(outreach, CV.isClassifiedBy)
        for label in exported.objects(n, SKOS.prefLabel)
        if isinstance(label, Literal)
    }
    assert {("ひきこもり", "ja"), ("Hikikomori (social withdrawal)", "en")} <= needs
    tobu = URIRef(UOZU + "org-tobu-jiritsu-center")
    (contract,) = exported.subjects(DCT.relation, URIRef(UOZU + "prog-jiritsu-soudan"))
    assert exported.value(contract, CV.hasEconomicOperator) == tobu
    assert str(exported.value(contract, DCT.title)) == "自立相談支援事業の委託(富山県東部生活自立支援センター)"


def test_with_the_revision_history_items_say_when_they_last_changed(plan: PlanSource, official: Graph) -> None:
    """The service adds jy:lastChangedAt from the stored revisions: a programme and the organisations (municipality,
    課, 委託先) carry it as dct:modified; without history (files, the CLI) nothing does."""
    merged = plan.merged()
    data = plan.data
    city = next(data.subjects(RDF.type, JY.Municipality))
    programme = min(data.subjects(RDF.type, JY.ImplementingProgram), key=lambda p: int(data.value(p, JY.order)))
    department = min(data.objects(programme, JY.responsibleDepartment))
    contractor = min(data.subjects(RDF.type, JY.Contractor))
    other = max(data.subjects(RDF.type, JY.ImplementingProgram), key=lambda p: int(data.value(p, JY.order)))
    at = {
        programme: "2026-06-15T01:30:00+00:00",
        department: "2026-06-15T01:30:00+00:00",
        city: "2026-04-01T09:00:00+09:00",
        contractor: "2026-04-01T09:00:00+09:00",
    }
    for node, time in at.items():
        merged.add((node, JY.lastChangedRevision, Literal("rev-a")))
        merged.add((node, JY.lastChangedAt, Literal(time, datatype=XSD.dateTime)))
    exported = export_graph(merged, "cpsv-ap")
    assert set(exported.subject_objects(DCT.modified)) == {
        (node, Literal(time, datatype=XSD.dateTime)) for node, time in at.items()
    }
    assert (other, DCT.modified, None) not in exported
    assert violations(exported, official) == []
    assert not any(True for _ in export_graph(plan.merged(), "cpsv-ap").triples((None, DCT.modified, None)))


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


def test_listing_exports_parses_nothing_and_parallel_first_renders_match_sequential_ones(plan: PlanSource) -> None:
    """The service starts without parsing the exports' queries (1.5 s of start-up): names come from the files. The
    first requests for several exports may parse at once in request threads; they give the bytes one by one gives."""
    merged = plan.merged()
    standards.standard.cache_clear()
    listed = standards.names()
    assert {"cpsv-ap", "hsds", "dcat"} <= set(listed)
    assert standards.standard.cache_info().currsize == 0
    with ThreadPoolExecutor(max_workers=len(listed)) as pool:
        parallel = list(pool.map(lambda name: standards.render(merged, name), listed))
    standards.standard.cache_clear()
    assert parallel == [standards.render(merged, name) for name in listed]
