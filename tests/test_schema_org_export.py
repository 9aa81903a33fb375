"""Export to schema.org: every programme a ``GovernmentService`` in JSON-LD (``exports/schema-org.rq``), for 魚津市 and
the fictional 架空町 alike, from the CLI, the API and embedded in the web page's programme pages.

The reference for what a type may carry is schema.org itself (version 30.0, https://schema.org/docs/releases.html;
each type's page, e.g. https://schema.org/GovernmentService, lists its own properties and those of its supertypes,
from ``schema:domainIncludes`` in schemaorg-current-https.ttl): ``SCHEMA_ORG`` below copies, per type, the properties
schema.org defines on it and its supertypes, and ``RANGES`` the expected types of the properties that point at nodes.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import XSD

from jyuso_kb import cli, resources
from jyuso_kb.formats.standards import export_graph, render
from jyuso_kb.namespaces import JY
from jyuso_kb.plan.source import PlanSource

from .api_support import RealServer
from .conftest import KASOU_DIR

SDO = Namespace("https://schema.org/")
UOZU = "https://w3id.org/jyuso-kb/data/uozu/"
KASOU = "https://w3id.org/jyuso-kb/data/kasou/"
LAW = "https://w3id.org/jyuso-kb/law/326AC0000000045/"
JSONLD = "application/ld+json"

# ---- schema.org 30.0: the supertypes of each type used, and the properties each type defines itself ---------------
# (Thing and Service complete; for Organization, Place and CreativeWork the properties that name, identify, locate
# or relate a node — a property outside these lists fails the test until it is checked on schema.org and added)

SUPERTYPES = {
    "Thing": (),
    "Intangible": ("Thing",),
    "Service": ("Intangible",),
    "GovernmentService": ("Service",),  # https://schema.org/GovernmentService
    "Organization": ("Thing",),  # https://schema.org/Organization
    "GovernmentOrganization": ("Organization",),  # https://schema.org/GovernmentOrganization
    "Place": ("Thing",),  # https://schema.org/Place
    "AdministrativeArea": ("Place",),  # https://schema.org/AdministrativeArea
    "Audience": ("Intangible",),  # https://schema.org/Audience
    "ServiceChannel": ("Intangible",),  # https://schema.org/ServiceChannel
    "CreativeWork": ("Thing",),
    "Legislation": ("CreativeWork",),  # https://schema.org/Legislation (pending)
}
SCHEMA_ORG: dict[str, frozenset[str]] = {
    "Thing": frozenset(
        "additionalType alternateName description disambiguatingDescription identifier image mainEntityOfPage name"
        " owner potentialAction sameAs subjectOf url".split()
    ),
    "Intangible": frozenset(),
    "Service": frozenset(
        "aggregateRating areaServed audience availableChannel award brand broker category hasCertification"
        " hasOfferCatalog hoursAvailable isRelatedTo isSimilarTo logo offers produces provider providerMobility review"
        " serviceArea serviceAudience serviceOutput serviceType slogan termsOfService".split()
    ),
    "GovernmentService": frozenset({"jurisdiction", "serviceOperator"}),
    "Organization": frozenset(
        "address areaServed contactPoint department email foundingDate legalName location logo member memberOf"
        " parentOrganization subOrganization telephone".split()
    ),
    "GovernmentOrganization": frozenset(),
    "Place": frozenset("address containedInPlace containsPlace geo hasMap latitude longitude telephone".split()),
    "AdministrativeArea": frozenset(),
    "Audience": frozenset({"audienceType", "geographicArea"}),
    "ServiceChannel": frozenset(
        "availableLanguage processingTime providesService serviceLocation servicePhone servicePostalAddress"
        " serviceSmsNumber serviceUrl".split()
    ),
    "CreativeWork": frozenset("about author citation dateModified datePublished hasPart inLanguage isPartOf".split()),
    "Legislation": frozenset(
        "jurisdiction legislationAmends legislationApplies legislationChanges legislationConsolidates legislationDate"
        " legislationDateVersion legislationIdentifier legislationJurisdiction legislationLegalForce"
        " legislationPassedBy legislationResponsible legislationTransposes legislationType".split()
    ),
}
# the expected types (schema:rangeIncludes) of the properties whose values are nodes; "Text" where a literal may do
RANGES: dict[str, frozenset[str]] = {
    "provider": frozenset({"Organization", "Person"}),
    "serviceOperator": frozenset({"Organization"}),
    "areaServed": frozenset({"AdministrativeArea", "GeoShape", "Place", "Text"}),
    "jurisdiction": frozenset({"AdministrativeArea", "Text"}),
    "audience": frozenset({"Audience"}),
    "availableChannel": frozenset({"ServiceChannel"}),
    "subjectOf": frozenset({"CreativeWork", "Event"}),
    "parentOrganization": frozenset({"Organization"}),
    "geographicArea": frozenset({"AdministrativeArea"}),
    "isPartOf": frozenset({"CreativeWork", "URL"}),
    "serviceLocation": frozenset({"Place"}),
    "providesService": frozenset({"Service"}),
    "containedInPlace": frozenset({"Place"}),
    "category": frozenset({"CategoryCode", "PhysicalActivityCategory", "Text", "Thing", "URL"}),
    "serviceType": frozenset({"GovernmentBenefitsType", "Text"}),
    "mainEntityOfPage": frozenset({"CreativeWork", "URL"}),
}


def lineage(kind: str) -> set[str]:
    """The type and all its supertypes."""
    out = {kind}
    for parent in SUPERTYPES[kind]:
        out |= lineage(parent)
    return out


def allowed(kind: str) -> frozenset[str]:
    return frozenset().union(*(SCHEMA_ORG[t] for t in lineage(kind)))


# ---- helpers ----------------------------------------------------------------------------------------------------


@pytest.fixture(params=["uozu", "kasou"])
def plan(request: pytest.FixtureRequest) -> PlanSource:
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]


def exported(plan: PlanSource) -> dict[str, Any]:
    return json.loads(render(plan.merged(), "schema-org"))  # type: ignore[no-any-return]


def with_history(plan: PlanSource, at: str = "2026-06-15T01:30:00+00:00") -> Graph:
    """The plan as the service serves a stored revision: every programme, department and the municipality dated."""
    merged = plan.merged()
    kinds = (JY.ImplementingProgram, JY.Department, JY.Municipality)
    for node in {s for kind in kinds for s in plan.data.subjects(RDF.type, kind)}:
        merged.add((node, JY.lastChangedRevision, Literal("rev-a")))
        merged.add((node, JY.lastChangedAt, Literal(at, datatype=XSD.dateTime)))
    return merged


def nodes_of(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {node["@id"]: node for node in document["@graph"]}


def as_graph(document: dict[str, Any] | str | bytes) -> Graph:
    text = document if isinstance(document, (str, bytes)) else json.dumps(document)
    return Graph().parse(data=text, format="json-ld")


def ja_en(ja: str, en: str) -> list[dict[str, str]]:
    """A value in Japanese and English, as the export writes it (its arrays are sorted)."""
    return [{"@language": "en", "@value": en}, {"@language": "ja", "@value": ja}]


def ref(iri: str) -> dict[str, str]:
    return {"@id": iri}


def closure(document: dict[str, Any], start: str) -> dict[str, dict[str, Any]]:
    """The node ``start`` and every node it refers to, directly or through others."""
    nodes = nodes_of(document)
    found: dict[str, dict[str, Any]] = {}
    todo = [start]
    while todo:
        iri = todo.pop()
        if iri in found or iri not in nodes:
            continue
        found[iri] = nodes[iri]
        for key, value in nodes[iri].items():
            if not key.startswith("@"):
                todo += [v["@id"] for v in (value if isinstance(value, list) else [value]) if "@id" in v]
    return found


# ---- the export ---------------------------------------------------------------------------------------------------


def test_one_government_service_per_programme_of_the_catalog(
    api: TestClient, kasou_api: TestClient, uozu: PlanSource, kasou: PlanSource
) -> None:
    for plan, client, count in ((uozu, api, 12), (kasou, kasou_api, 10)):
        document = exported(plan)
        assert document["@context"] == {"@vocab": "https://schema.org/"}  # inline: nothing is fetched
        services = {n["@id"] for n in document["@graph"] if n["@type"] == "GovernmentService"}
        catalog = client.get("/v1/programs").json()["programs"]
        assert services == {p["iri"] for p in catalog} and len(services) == len(catalog) == count
        assert services == {str(s) for s in plan.data.subjects(RDF.type, JY.ImplementingProgram)}


def test_uozu_figures(uozu: PlanSource) -> None:
    kinds: dict[str, int] = {}
    for node in exported(uozu)["@graph"]:
        kinds[node["@type"]] = kinds.get(node["@type"], 0) + 1
    assert kinds == {
        "GovernmentService": 12,
        "GovernmentOrganization": 5,  # 魚津市, 民生部 and the three 所管課
        "Organization": 5,  # the 委託先
        "AdministrativeArea": 1,
        "Audience": 12,
        "Legislation": 14,  # 13 legal items and 社会福祉法
        "ServiceChannel": 3,
        "Place": 3,  # the sites of 地域子育て支援拠点事業
    }


def test_multi_agency_programme_of_uozu(uozu: PlanSource) -> None:
    nodes = nodes_of(exported(uozu))
    service = dict(nodes[UOZU + "prog-takikan-kyodo"])
    description = service.pop("description")
    assert {d["@language"] for d in description} == {"ja", "en"}
    assert any(d["@value"].startswith("重層的支援体制整備事業の中核を担い") for d in description)
    assert service == {
        "@id": UOZU + "prog-takikan-kyodo",
        "@type": "GovernmentService",
        "name": ja_en("多機関協働事業", "Multi-agency collaboration programme"),
        "alternateName": {"@language": "ja", "@value": "多機関協働"},
        "provider": ref(UOZU + "dept-shakaifukushi"),
        "serviceOperator": ref(UOZU + "dept-shakaifukushi"),  # 直営: its 所管課 runs it
        "areaServed": ref(UOZU + "city/area"),
        "jurisdiction": ref(UOZU + "city/area"),
        "audience": ref(UOZU + "tg-fukugo-kadai"),
        "serviceType": ja_en("多機関協働事業", "Multi-agency collaboration programme"),
        "category": ja_en("属性不問", "Any attribute"),
        "subjectOf": [ref(LAW + "a106-4-p2-i5"), ref(LAW + "a106-4-p2-i6")],
    }
    assert nodes[UOZU + "dept-shakaifukushi"] == {
        "@id": UOZU + "dept-shakaifukushi",
        "@type": "GovernmentOrganization",
        "name": ja_en("社会福祉課", "Social Welfare Division"),
        "alternateName": {"@language": "ja", "@value": "民生部社会福祉課"},
        "parentOrganization": ref(UOZU + "div-minsei"),
    }
    assert nodes[UOZU + "div-minsei"] == {
        "@id": UOZU + "div-minsei",
        "@type": "GovernmentOrganization",
        "name": ja_en("民生部", "Civil Welfare Department"),
        "parentOrganization": ref(UOZU + "city"),
    }
    assert nodes[UOZU + "city"] == {
        "@id": UOZU + "city",
        "@type": "GovernmentOrganization",
        "name": ja_en("魚津市", "Uozu City"),
        "identifier": "162043",
        "areaServed": ref(UOZU + "city/area"),
    }
    assert nodes[UOZU + "city/area"] == {
        "@id": UOZU + "city/area",
        "@type": "AdministrativeArea",
        "name": ja_en("魚津市", "Uozu City"),
        "identifier": "162043",  # 全国地方公共団体コード
    }
    assert nodes[LAW + "a106-4-p2-i5"] == {
        "@id": LAW + "a106-4-p2-i5",
        "@type": "Legislation",
        "name": ja_en("社会福祉法第106条の4第2項第5号", "Social Welfare Act Art. 106-4(2)(v)"),
        "legislationIdentifier": LAW + "a106-4-p2-i5",
        "isPartOf": ref(LAW + "act"),
    }
    assert nodes[LAW + "a106-4-p2-i6"]["name"] == ja_en(
        "社会福祉法第106条の4第2項第6号", "Social Welfare Act Art. 106-4(2)(vi)"
    )
    assert nodes[LAW + "act"] == {
        "@id": LAW + "act",
        "@type": "Legislation",
        "name": ja_en("社会福祉法", "Social Welfare Act"),
        "legislationIdentifier": "326AC0000000045",  # e-Gov 法令ID
    }
    assert nodes[UOZU + "tg-fukugo-kadai"] == {
        "@id": UOZU + "tg-fukugo-kadai",
        "@type": "Audience",
        "audienceType": ja_en(
            "複雑化・複合化した課題や制度の狭間にある人とその世帯等",
            "People with complex, compound problems or falling between schemes, and their households etc.",
        ),
        "geographicArea": ref(UOZU + "city/area"),
    }


def test_multi_agency_programme_of_kasou(kasou: PlanSource) -> None:
    nodes = nodes_of(exported(kasou))
    service = nodes[KASOU + "prog-team-shien"]
    assert "description" not in service  # the plan states none; nothing is made up
    assert service["name"] == ja_en("チーム支援調整事業", "Team support coordination programme")
    assert service["provider"] == service["serviceOperator"] == ref(KASOU + "dept-fukushi")
    assert service["areaServed"] == ref(KASOU + "town/area")
    assert service["subjectOf"] == [ref(LAW + "a106-4-p2-i5"), ref(LAW + "a106-4-p2-i6")]
    # a department of no 部 belongs to the town itself
    assert nodes[KASOU + "dept-fukushi"]["parentOrganization"] == ref(KASOU + "town")
    assert nodes[KASOU + "town/area"] == {
        "@id": KASOU + "town/area",
        "@type": "AdministrativeArea",
        "name": ja_en("架空町", "Kasou Town"),
        "identifier": "999008",
    }


def test_operators_follow_the_implementation_mode(uozu: PlanSource, kasou: PlanSource) -> None:
    nodes = nodes_of(exported(uozu))
    # 委託: the 委託先 operate it, not the 所管課
    commissioned = nodes[UOZU + "prog-shogaisha-soudan"]
    assert commissioned["provider"] == ref(UOZU + "dept-shakaifukushi")
    assert commissioned["serviceOperator"] == [
        ref(UOZU + "org-ayuminosato"),
        ref(UOZU + "org-shogaisha-seikatsu-center"),
    ]
    assert nodes[UOZU + "org-ayuminosato"]["@type"] == "Organization"
    # 直営及び委託 with service sites only: the 所管課 operate it, and the sites are where it is available
    hub = nodes[UOZU + "prog-chiiki-kosodate-kyoten"]
    assert hub["serviceOperator"] == [ref(UOZU + "dept-kenko-center"), ref(UOZU + "dept-kodomo")]
    channels = [nodes[c["@id"]] for c in hub["availableChannel"]]
    assert {nodes[c["serviceLocation"]["@id"]]["name"][1]["@value"] for c in channels} == {
        "子育て支援センター「のびのび」",
        "子育て支援センター「にこにこ」",
        "児童センター親子教室",
    }
    assert all(c["providesService"] == ref(UOZU + "prog-chiiki-kosodate-kyoten") for c in channels)
    # 直営及び委託 with a 委託先: both
    mixed = nodes[UOZU + "prog-ippan-kaigoyobo"]
    assert mixed["serviceOperator"] == [ref(UOZU + "dept-kenko-center"), ref(UOZU + "org-shakyo")]
    kasou_nodes = nodes_of(exported(kasou))
    assert kasou_nodes[KASOU + "prog-hidamari-center"]["serviceOperator"] == ref(KASOU + "org-hidamari")


@pytest.mark.parametrize("history", [False, True], ids=["files", "stored-revision"])
def test_every_property_is_one_schema_org_defines_for_its_type(plan: PlanSource, history: bool) -> None:
    graph = as_graph(json.loads(render(with_history(plan) if history else plan.merged(), "schema-org")))
    kinds = {s: str(o).removeprefix(str(SDO)) for s, o in graph.subject_objects(RDF.type)}
    assert all(str(o).startswith(str(SDO)) for o in graph.objects(None, RDF.type))
    assert len(set(graph.subjects(RDF.type, None))) == len(kinds), "one type per node"
    problems = []
    for s, p, o in graph:
        if p == RDF.type:
            continue
        name = str(p).removeprefix(str(SDO))
        assert str(p) == str(SDO) + name, p
        if name not in allowed(kinds[s]):
            problems.append(f"{kinds[s]} has no property {name}")
        if isinstance(o, URIRef):
            assert o in kinds, f"{name} of {s} points at {o}, which has no type in the export"
            if not lineage(kinds[o]) & RANGES[name]:
                problems.append(f"{name} expects {sorted(RANGES[name])}, not {kinds[o]}")
        else:
            assert isinstance(o, Literal)
            assert name not in RANGES or "Text" in RANGES[name], f"{name} takes a node, not {o!r}"
    assert problems == []


def test_with_the_revision_history_programmes_say_when_they_last_changed(plan: PlanSource) -> None:
    """dateModified is schema.org's for CreativeWork (and DataFeedItem), not for Service: the date a programme last
    changed goes on the record it is the main entity of."""
    data = plan.data
    programmes = sorted(data.subjects(RDF.type, JY.ImplementingProgram), key=lambda p: int(data.value(p, JY.order)))
    merged = plan.merged()
    merged.add((programmes[0], JY.lastChangedRevision, Literal("rev-b")))
    merged.add((programmes[0], JY.lastChangedAt, Literal("2026-06-15T01:30:00+00:00", datatype=XSD.dateTime)))
    city = next(data.subjects(RDF.type, JY.Municipality))
    merged.add((city, JY.lastChangedAt, Literal("2026-04-01T09:00:00+09:00", datatype=XSD.dateTime)))
    nodes = nodes_of(json.loads(render(merged, "schema-org")))
    record = str(programmes[0]) + "/record"
    assert nodes[str(programmes[0])]["mainEntityOfPage"] == ref(record)
    assert nodes[record] == {
        "@id": record,
        "@type": "CreativeWork",
        "dateModified": {"@type": str(XSD.dateTime), "@value": "2026-06-15T01:30:00+00:00"},
    }
    assert all("mainEntityOfPage" not in nodes[str(p)] for p in programmes[1:])
    assert [n for n in nodes.values() if "dateModified" in n] == [nodes[record]]  # organisations: no dateModified
    dated = nodes_of(json.loads(render(with_history(plan), "schema-org")))
    assert {i for i, n in dated.items() if n["@type"] == "CreativeWork"} == {f"{p}/record" for p in programmes}
    plain = render(plan.merged(), "schema-org")  # from files: no history, so no dates
    assert b"dateModified" not in plain and b"mainEntityOfPage" not in plain


def test_names_are_in_japanese_and_english(plan: PlanSource) -> None:
    graph = as_graph(exported(plan))
    for prop in (SDO.name, SDO.audienceType, SDO.serviceType, SDO.category, SDO.description, SDO.alternateName):
        for value in graph.objects(None, prop):
            assert isinstance(value, Literal) and value.language in {"ja", "en"}, (prop, value)
    for service in graph.subjects(RDF.type, SDO.GovernmentService):
        names = {n.language: str(n) for n in graph.objects(service, SDO.name) if isinstance(n, Literal)}
        labels = {
            lbl.language: str(lbl)
            for lbl in plan.data.objects(service, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))
            if isinstance(lbl, Literal)
        }
        assert names == labels and set(names) == {"ja", "en"}


def test_the_bytes_do_not_depend_on_the_process(uozu: PlanSource) -> None:
    """Keys, nodes and values come in one order, so that every worker answers the same bytes (and ETag): two
    processes with different string hashing write the export this process renders."""
    first = render(uozu.merged(), "schema-org")
    document = json.loads(first)
    assert [n["@id"] for n in document["@graph"]] == sorted(n["@id"] for n in document["@graph"])
    script = Path(sys.executable).parent / "jyuso-kb"
    for seed in ("1", "2"):
        written = subprocess.run(
            [str(script), "export", "--format", "schema-org"],
            capture_output=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            timeout=120,
        )
        assert written.stdout == first


# ---- CLI and API ------------------------------------------------------------------------------------------------


def run_cli(*args: str) -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli.main(["export", "--format", "schema-org", *args]) == 0
    return out.getvalue()


def test_the_cli_writes_the_export_as_json_ld(uozu: PlanSource, kasou: PlanSource) -> None:
    text = run_cli()
    assert json.loads(text) == exported(uozu)
    assert isomorphic(as_graph(text), export_graph(uozu.merged(), "schema-org"))
    chosen = run_cli("--data", str(KASOU_DIR), "--data", str(resources.municipality_dir()), "--municipality", "999008")
    assert json.loads(chosen) == exported(kasou)
    assert isomorphic(as_graph(chosen), export_graph(kasou.merged(), "schema-org"))


def test_the_api_serves_json_ld(api: TestClient, kasou_api: TestClient, uozu: PlanSource, kasou: PlanSource) -> None:
    served = api.get("/v1/export/schema-org")
    assert served.status_code == 200
    assert served.headers["content-type"].split(";")[0] == JSONLD
    assert served.headers["access-control-allow-origin"] == "*"
    assert served.content == render(uozu.merged(), "schema-org")
    scoped = api.get("/v1/municipalities/162043/export/schema-org")
    assert scoped.content == served.content and scoped.headers["x-municipality-code"] == "162043"
    again = api.get("/v1/export/schema-org", headers={"if-none-match": served.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    other = kasou_api.get("/v1/municipalities/999008/export/schema-org")
    assert other.status_code == 200 and other.headers["content-type"].split(";")[0] == JSONLD
    assert json.loads(other.content) == exported(kasou)


# ---- embedded in the web page -------------------------------------------------------------------------------------

DATA_BLOCK = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


@pytest.mark.parametrize(
    ("town", "iri", "name"),
    [
        ("api", UOZU + "prog-takikan-kyodo", "多機関協働事業"),
        ("kasou_api", KASOU + "prog-team-shien", "チーム支援調整事業"),
    ],
)
def test_the_server_s_programme_page_embeds_its_government_service(
    request: pytest.FixtureRequest, town: str, iri: str, name: str
) -> None:
    """The page the service itself renders for a programme's IRI (no script needed to see it, as a crawler reads
    it) carries the same GovernmentService as the web page."""
    client: TestClient = request.getfixturevalue(town)
    document = client.get("/v1/export/schema-org").json()
    path = iri.removeprefix("https://w3id.org/jyuso-kb/data/")
    page = client.get(f"/v1/resources/{path}", params={"format": "html"})
    assert page.status_code == 200 and f"<h1>{name}</h1>" in page.text
    (block,) = DATA_BLOCK.findall(page.text)
    assert "<" not in block
    embedded = json.loads(block)
    assert embedded["@context"] == document["@context"] and embedded["@graph"][0]["@id"] == iri
    assert {n["@id"]: n for n in embedded["@graph"]} == closure(document, iri)
    # its provider's page embeds the GovernmentOrganization (and what it belongs to); a target group's page nothing
    provider = nodes_of(document)[iri]["provider"]["@id"]
    department = client.get(f"/v1/resources/{provider.removeprefix('https://w3id.org/jyuso-kb/data/')}?format=html")
    (organisation,) = DATA_BLOCK.findall(department.text)
    assert {n["@id"]: n for n in json.loads(organisation)["@graph"]} == closure(document, provider)
    audience = nodes_of(document)[iri]["audience"]
    audience = (audience if isinstance(audience, list) else [audience])[0]["@id"]
    target_group = client.get(f"/v1/resources/{audience.removeprefix('https://w3id.org/jyuso-kb/data/')}?format=html")
    assert target_group.status_code == 200 and "<script" not in target_group.text


SCRIPTS = """() => [...document.querySelectorAll('script[type="application/ld+json"]')].map((s) => s.textContent)"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealServer]:
    with RealServer(tmp_path_factory.mktemp("schema-org-web") / "server.log", {"JYUSO_KB_SPARQL_WORKERS": "1"}) as up:
        yield up


@pytest.mark.slow
def test_a_programme_page_embeds_its_government_service(server: RealServer) -> None:
    from playwright.sync_api import Page, expect

    from .web_support import chromium, recorded_page

    with server.client() as client:
        document = client.get("/v1/export/schema-org").json()

    def shown(page: Page, title: str) -> list[Any]:
        expect(page.locator("main h1")).to_contain_text(title)
        expect(page.locator("main")).not_to_have_attribute("aria-busy", "true")
        return [json.loads(text) for text in page.evaluate(SCRIPTS)]

    def only_service(page: Page, iri: str, name: str) -> None:
        (embedded,) = shown(page, name)  # exactly one data block
        services = [n for n in embedded["@graph"] if n["@type"] == "GovernmentService"]
        assert [s["@id"] for s in services] == [iri]
        assert {"@language": "ja", "@value": name} in services[0]["name"]
        assert embedded["@context"] == document["@context"]
        assert {n["@id"]: n for n in embedded["@graph"]} == closure(document, iri)
        assert embedded["@graph"][0]["@id"] == iri

    with chromium() as browser, recorded_page(browser, server.base_url) as (page, _):
        page.goto("/#/programs/prog-takikan-kyodo")
        only_service(page, UOZU + "prog-takikan-kyodo", "多機関協働事業")
        # another programme: the block is replaced, never added to
        page.evaluate("() => { location.hash = '#/programs/prog-outreach'; }")
        only_service(page, UOZU + "prog-outreach", "アウトリーチ等を通じた継続的支援事業")
        # leaving the programme pages: gone
        page.locator("main nav.crumbs").get_by_role("link", name="事業一覧").click()
        assert shown(page, "事業一覧") == []
        page.get_by_role("link", name="社会参加支援事業").click()
        only_service(page, UOZU + "prog-sanka-shien", "社会参加支援事業")
        page.locator(".site-nav").get_by_role("link", name="課の一覧").click()
        assert shown(page, "課の一覧") == []
