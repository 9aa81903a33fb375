"""The Open Referral HSDS 3.0 export (exports/hsds/): every item of every list valid against its official JSON Schema
(standards/hsds/, CC BY-SA 4.0, resolved locally, format checking on), for 魚津市 and the fictional 架空町 alike, and
the values a user of the document would look at."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jsonschema_rs
import pytest
from fastapi.testclient import TestClient
from rdflib import RDF, Literal, URIRef
from rdflib.namespace import SKOS, XSD

from jyuso_kb import cli, resources
from jyuso_kb.answer.route import fiscal_year
from jyuso_kb.formats import standards
from jyuso_kb.index.routing import index_of
from jyuso_kb.namespaces import JY, NEED
from jyuso_kb.plan.source import PlanSource

from .conftest import KASOU_DIR

Document = dict[str, list[dict[str, Any]]]

SCHEMAS = resources.root() / "standards" / "hsds"
BASE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"  # where upstream keeps them
SCHEMA_OF = {
    "organizations": "organization.json",
    "services": "service.json",
    "programs": "program.json",
    "taxonomies": "taxonomy.json",
    "taxonomy_terms": "taxonomy_term.json",
    "service_areas": "service_area.json",
}
UOZU = "https://w3id.org/jyuso-kb/data/uozu/"
KASOU = "https://w3id.org/jyuso-kb/data/kasou/"


def uuid5(iri: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, iri))


def no_network(uri: str) -> Any:
    raise AssertionError(f"a schema reference left the folder: {uri}")


@pytest.fixture(scope="module")
def validators() -> dict[str, jsonschema_rs.Validator]:
    """One validator per list, its $refs (relative file names) resolved among the copies in standards/hsds/."""
    schemas = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in SCHEMAS.glob("*.json")}
    registry = jsonschema_rs.Registry([(BASE + name, s) for name, s in schemas.items()], retriever=no_network)
    return {
        name: jsonschema_rs.Draft202012Validator(
            schemas[file], validate_formats=True, registry=registry, base_uri=BASE + file, retriever=no_network
        )
        for name, file in SCHEMA_OF.items()
    }


@pytest.fixture(scope="module")
def documents(uozu: PlanSource, kasou: PlanSource) -> dict[str, Document]:
    """Each plan's document, built once for the module."""
    return {
        name: standards.standard("hsds").document(plan.merged()) for name, plan in (("uozu", uozu), ("kasou", kasou))
    }


def errors(document: Document, validators: dict[str, jsonschema_rs.Validator]) -> list[str]:
    return [
        f"{name}[{i}] {item.get('name', item['id'])}: {error}"
        for name, validator in validators.items()
        for i, item in enumerate(document[name])
        for error in validator.iter_errors(item)
    ]


def by_id(document: Document, name: str) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in document[name]}


def test_the_schemas_are_the_official_files_unchanged() -> None:
    listed = {}
    for line in (SCHEMAS / "SOURCE.txt").read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        if len(digest) == 64 and name.endswith(".json"):
            listed[name] = digest
    assert listed == {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in SCHEMAS.glob("*.json")}
    assert set(SCHEMA_OF.values()) <= set(listed)
    notice = (SCHEMAS / "NOTICE.txt").read_text(encoding="utf-8")
    assert "CC BY-SA 4.0" in notice and "https://openreferral.org/" in notice


def test_format_checking_is_on(validators: dict[str, jsonschema_rs.Validator]) -> None:
    service = {"id": uuid5(UOZU + "prog-outreach"), "name": "アウトリーチ", "status": "active"}
    assert validators["services"].is_valid(service)
    assert not validators["services"].is_valid({**service, "id": UOZU + "prog-outreach"})  # an IRI is no uuid
    assert not validators["services"].is_valid({**service, "status": "planned"})  # HSDS has no "planned"
    assert not validators["services"].is_valid({**service, "attributes": [{"id": "x"}]})  # $ref followed


@pytest.mark.parametrize("town", ["uozu", "kasou"])
def test_every_item_is_valid_against_its_schema(
    town: str, documents: dict[str, Document], validators: dict[str, jsonschema_rs.Validator]
) -> None:
    document = documents[town]
    assert list(document) == list(SCHEMA_OF)
    assert all(document[name] for name in SCHEMA_OF)
    assert errors(document, validators) == []


@pytest.mark.parametrize("town", ["uozu", "kasou"])
def test_every_reference_names_an_item_of_the_document(
    town: str, documents: dict[str, Document], request: pytest.FixtureRequest
) -> None:
    document = documents[town]
    plan: PlanSource = request.getfixturevalue(town)
    organizations, programs, services = (
        by_id(document, "organizations"),
        by_id(document, "programs"),
        by_id(document, "services"),
    )
    terms, taxonomies = by_id(document, "taxonomy_terms"), by_id(document, "taxonomies")
    for name in SCHEMA_OF:
        assert len(by_id(document, name)) == len(document[name]), f"{name}: ids are not unique"
    for service in document["services"]:
        assert service["organization_id"] in organizations and service["program_id"] in programs
        for attribute in service["attributes"]:
            assert attribute["link_id"] == service["id"] and attribute["link_entity"] == "service"
            assert attribute["taxonomy_term_id"] in terms
            assert attribute["taxonomy_term"]["id"] == attribute["taxonomy_term_id"]
            assert attribute["taxonomy_term"]["name"] == terms[attribute["taxonomy_term_id"]]["name"]
    for organization in document["organizations"]:
        assert organization.get("parent_organization_id", next(iter(organizations))) in organizations
        assert all(i["organization_id"] == organization["id"] for i in organization["organization_identifiers"])
    assert all(p["organization_id"] in organizations for p in document["programs"])
    assert all(
        t["taxonomy_id"] in taxonomies and t.get("parent_id", t["id"]) in terms for t in document["taxonomy_terms"]
    )
    assert [a["service_id"] for a in document["service_areas"]] == list(services)
    served = {uuid5(str(n)) for _, n in plan.data.subject_objects(JY.servesNeed)}
    assert {a["taxonomy_term_id"] for s in document["services"] for a in s["attributes"]} == served


def test_ids_are_uuid5_of_the_plans_iris(uozu: PlanSource, documents: dict[str, Document]) -> None:
    document, data = documents["uozu"], uozu.data
    programmes = sorted(data.subjects(RDF.type, JY.ImplementingProgram), key=lambda p: int(data.value(p, JY.order)))
    assert [s["id"] for s in document["services"]] == [uuid5(str(p)) for p in programmes]
    assert len(document["services"]) == 12
    city = UOZU + "city"
    departments = {str(d) for d in data.subjects(RDF.type, JY.Department)}
    contractors = {str(c) for c in data.subjects(RDF.type, JY.Contractor)}
    assert {o["id"]: o["uri"] for o in document["organizations"]} == {
        uuid5(iri): iri for iri in {city} | departments | contractors
    }
    assert document["organizations"][0]["id"] == uuid5(city)
    components = ["comprehensive-consultation", "multi-agency", "outreach", "participation", "community"]
    assert [p["id"] for p in document["programs"]] == [uuid5(f"{city}/component-{c}") for c in components]
    concepts = {str(c) for c in uozu.merged().subjects(SKOS.inScheme, NEED.scheme)}
    assert {t["id"]: t["term_uri"] for t in document["taxonomy_terms"]} == {uuid5(c): c for c in concepts}
    assert [t["id"] for t in document["taxonomies"]] == [uuid5(str(NEED.scheme))]


def test_the_multi_agency_service_is_run_by_its_department(documents: dict[str, Document]) -> None:
    document = documents["uozu"]
    organizations, programs = by_id(document, "organizations"), by_id(document, "programs")
    service = next(s for s in document["services"] if s["name"] == "多機関協働事業")
    department = organizations[service["organization_id"]]
    assert department["name"] == "社会福祉課" and department["alternate_name"] == "民生部社会福祉課"
    assert department["uri"] == UOZU + "dept-shakaifukushi"
    city = organizations[department["parent_organization_id"]]
    assert city["name"] == "魚津市" and city["alternate_name"] == "富山県魚津市"
    assert city["organization_identifiers"][0]["identifier_type"] == "全国地方公共団体コード"
    assert city["organization_identifiers"][0]["identifier"] == "162043"
    program = programs[service["program_id"]]
    assert (program["name"], program["alternate_name"]) == ("多機関協働事業", "②多機関協働事業")
    assert "社会福祉法第106条の4第2項第5号" in program["description"]
    assert service["description"].startswith("重層的支援体制整備事業の中核を担い、全体調整を行います。")
    assert service["description"].endswith("実施方式: 直営。所管課: 社会福祉課。")
    assert service["eligibility_description"] == "複雑化・複合化した課題や制度の狭間にある人とその世帯等"
    needs = {a["taxonomy_term"]["name"] for a in service["attributes"]}
    assert {"複雑化・複合化した課題", "制度の狭間"} <= needs
    area = next(a for a in document["service_areas"] if a["service_id"] == service["id"])
    assert area["name"] == "魚津市全域" and "162043" in area["description"]
    commissioned = next(s for s in document["services"] if s["name"] == "自立相談支援事業")
    tobu = next(o for o in document["organizations"] if o["name"] == "富山県東部生活自立支援センター")
    assert "委託先・実施場所: 富山県東部生活自立支援センター。" in commissioned["description"]
    assert "自立相談支援事業" in tobu["description"] and "parent_organization_id" not in tobu


def test_a_programme_without_a_description_gets_one_from_its_target_group_and_activities(
    documents: dict[str, Document],
) -> None:
    service = next(s for s in documents["kasou"]["services"] if s["name"] == "つながり訪問支援事業")
    assert service["description"].startswith(
        "つながり訪問支援事業(対象: 支援が届いていない、ひきこもり状態の人とその家族"
    )
    assert "事業内容: 民生委員や地域からの情報による対象者の把握" in service["description"]


def test_statuses_follow_the_schedule_of_the_current_fiscal_year(
    uozu: PlanSource, kasou: PlanSource, documents: dict[str, Document]
) -> None:
    """Today's fiscal year (Japan time), kept within the plan period, as the route answer reads the schedule."""
    for plan, document in ((uozu, documents["uozu"]), (kasou, documents["kasou"])):
        index = index_of(plan.merged())
        first, last = index.period
        year = min(max(fiscal_year(datetime.now(ZoneInfo("Asia/Tokyo")).date()), first), last)
        expected = {
            uuid5(t.iri): "active" if t.operating_years is None or year in t.operating_years else "inactive"
            for t in index.targets.values()
            if t.kind == "program"
        }
        assert {s["id"]: s["status"] for s in document["services"]} == expected
        assert all(("alert" in s) == (s["status"] == "inactive") for s in document["services"])


def test_a_programme_not_yet_operating_is_inactive_with_the_reason(
    uozu: PlanSource, validators: dict[str, jsonschema_rs.Validator]
) -> None:
    """The same plan with its period cut to R6 (2024): ③ and ④ were then still 「実施体制の検討」."""
    merged = uozu.merged()
    plan = URIRef(UOZU + "plan")
    merged.set((plan, JY.endFiscalYear, Literal(2024)))
    document = standards.standard("hsds").document(merged)
    status = {s["name"]: (s["status"], s.get("alert")) for s in document["services"]}
    reason = (
        "準備中: 2024年度は「実施体制の検討」。実施体制を検討している段階で、まだ住民の相談を受けていない状態。"
        "2025年度から実施の予定。"
    )
    assert status["アウトリーチ等を通じた継続的支援事業"] == ("inactive", reason)
    assert status["社会参加支援事業"] == ("inactive", reason)
    assert status["多機関協働事業"] == ("active", None)  # 移行準備事業 operates
    assert status["地域子育て支援拠点事業"] == ("active", None)  # ⑤'s existing programmes go on
    assert sum(s == "inactive" for s, _ in status.values()) == 2
    assert errors(document, validators) == []


def test_a_programme_of_kasou_not_yet_operating_is_inactive_with_the_reason(
    kasou: PlanSource, validators: dict[str, jsonschema_rs.Validator]
) -> None:
    """架空町's plan with its period cut to R7 (2025): ③ is then 「実施体制の検討」, ② and ④ 移行準備事業 (operating)."""
    merged = kasou.merged()
    merged.set((URIRef(KASOU + "plan"), JY.endFiscalYear, Literal(2025)))
    document = standards.standard("hsds").document(merged)
    status = {s["name"]: (s["status"], s.get("alert")) for s in document["services"]}
    assert status["つながり訪問支援事業"] == (
        "inactive",
        "準備中: 2025年度は「実施体制の検討」。実施体制を検討している段階で、まだ住民の相談を受けていない状態。"
        "2026年度から実施の予定。",
    )
    assert status["チーム支援調整事業"] == ("active", None)  # ② 移行準備事業 operates
    assert status["しごと体験・居場所マッチング事業"] == ("active", None)  # ④ likewise
    assert sum(s == "inactive" for s, _ in status.values()) == 1
    assert errors(document, validators) == []


def test_with_the_revision_history_items_say_when_they_last_changed(
    uozu: PlanSource, documents: dict[str, Document], validators: dict[str, jsonschema_rs.Validator]
) -> None:
    merged = uozu.merged()
    changed = {UOZU + "prog-takikan-kyodo": "rev-b", UOZU + "dept-shakaifukushi": "rev-b", UOZU + "city": "rev-a"}
    at = {"rev-a": "2026-04-01T09:00:00+09:00", "rev-b": "2026-06-15T01:30:00+00:00"}
    for iri, revision in changed.items():
        merged.add((URIRef(iri), JY.lastChangedRevision, Literal(revision)))
        merged.add((URIRef(iri), JY.lastChangedAt, Literal(at[revision], datatype=XSD.dateTime)))
    document = standards.standard("hsds").document(merged)
    assert errors(document, validators) == []
    service = by_id(document, "services")[uuid5(UOZU + "prog-takikan-kyodo")]
    assert service["last_modified"] == "2026-06-15T01:30:00+00:00"
    assert service["metadata"] == [
        {
            "id": uuid5(UOZU + "prog-takikan-kyodo/revision-rev-b"),
            "resource_id": service["id"],
            "resource_type": "service",
            "last_action_date": "2026-06-15",
            "last_action_type": "update",
            "field_name": "revision",
            "previous_value": "不明",
            "replacement_value": "rev-b",
            "updated_by": "不明",
        }
    ]
    organizations = by_id(document, "organizations")
    city = organizations[uuid5(UOZU + "city")]
    assert [(m["resource_type"], m["replacement_value"], m["last_action_date"]) for m in city["metadata"]] == [
        ("organization", "rev-a", "2026-04-01")
    ]
    assert organizations[uuid5(UOZU + "dept-shakaifukushi")]["metadata"][0]["replacement_value"] == "rev-b"
    unchanged = by_id(document, "services")[uuid5(UOZU + "prog-outreach")]
    assert "last_modified" not in unchanged and unchanged["metadata"] == []
    plain = documents["uozu"]  # from files: no history, so no dates
    assert all("last_modified" not in s and s["metadata"] == [] for s in plain["services"])
    assert all(o["metadata"] == [] for o in plain["organizations"])


def test_the_cli_prints_the_same_document(capsys: pytest.CaptureFixture[str], documents: dict[str, Document]) -> None:
    assert cli.main(["export", "--format", "hsds"]) == 0
    assert json.loads(capsys.readouterr().out) == documents["uozu"]
    assert cli.main(["export", "--format", "hsds", "--data", str(KASOU_DIR)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == documents["kasou"]
    assert printed["organizations"][0]["name"] == "架空町"


def test_the_bytes_do_not_depend_on_the_process() -> None:
    """Two processes with different string hashing print the same bytes: every list, every field and every composed
    text comes in an order the queries fix (架空町 has a programme with two target groups)."""
    exe = Path(sys.executable).with_name("jyuso-kb")
    printed = {
        subprocess.run(
            [str(exe), "export", "--format", "hsds", "--data", str(KASOU_DIR)],
            capture_output=True,
            check=True,
            timeout=300,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "7")
    }
    assert len(printed) == 1


def test_the_api_serves_it_as_json(api: TestClient, documents: dict[str, Document]) -> None:
    served = api.get("/v1/export/hsds")
    assert served.status_code == 200
    assert served.headers["content-type"] == "application/json; charset=utf-8"
    assert served.json() == documents["uozu"]
    scoped = api.get("/v1/municipalities/162043/export/hsds")
    assert scoped.status_code == 200 and scoped.text == served.text
    assert standards.headers("hsds")["lists"].split(", ") == list(SCHEMA_OF)
