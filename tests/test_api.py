"""The web API answers what the CLI answers, with content a staff member or a tool can rely on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph
from rdflib.compare import isomorphic

from jyuso_kb.plan.source import PlanSource


@pytest.fixture
def client(api: TestClient) -> TestClient:
    return api


def test_health_names_the_revision(client: TestClient) -> None:
    r = client.get("/health")
    body = r.json()
    assert r.status_code == 200
    assert body["status"] == "ok"
    assert body["plan"] == "魚津市重層的支援体制整備事業（移行準備事業）実施計画"
    assert r.headers["x-plan-revision"] == body["revision"]
    assert len(body["revision"]) == 16
    assert r.headers["x-plan-adopted"] == "2025-03"


def test_programs_match_the_cli_contract(client: TestClient, capsys: pytest.CaptureFixture[str]) -> None:
    from jyuso_kb import cli

    cli.main(["programs", "--json"])
    served = client.get("/v1/programs").json()
    # the service adds in which stored revision each programme last changed (none here: no store)
    assert [p.pop("last_changed") for p in served["programs"]] == [None] * len(served["programs"])
    assert served["programs"] == json.loads(capsys.readouterr().out)["programs"]
    assert served["revision"] == client.get("/health").json()["revision"]


def test_one_program(client: TestClient) -> None:
    r = client.get("/v1/programs/prog-outreach")
    body = r.json()
    assert body["label"] == "アウトリーチ等を通じた継続的支援事業"
    assert body["legal_basis"] == ["社会福祉法第106条の4第2項第4号"]
    assert body["new"] is True
    assert body["departments"] == [{"id": "dept-shakaifukushi", "label": "社会福祉課"}]


def test_department_has_duties_and_matrix_row(client: TestClient) -> None:
    body = client.get("/v1/departments/dept-zeimu").json()
    assert body["label"] == "税務課"
    assert body["duties"] == ["納税相談"]
    assert body["matrix"] == {"相談支援": True, "参加支援": False, "地域づくり": False, "庁内連携会議等": True}
    kodomo = client.get("/v1/departments/dept-kodomo").json()
    assert "子ども課" in kodomo["aliases"]
    assert kodomo["division"] == "民生部"
    assert len(client.get("/v1/departments").json()["departments"]) == 12


def test_meetings(client: TestClient) -> None:
    meetings = client.get("/v1/meetings").json()["meetings"]
    assert [m["id"] for m in meetings] == [
        "mtg-renkei",
        "mtg-renraku",
        "mtg-jusoteki-shien",
        "mtg-shien",
        "mtg-hikikomori-pf",
    ]
    shien = client.get("/v1/meetings/mtg-shien").json()
    assert shien["requires_consent"] is False
    assert shien["confidentiality_duty"] is True
    assert shien["legal_basis"] == "社会福祉法第106条の6"
    assert shien["frequency"] == "随時開催"


def test_matrix_schedule_and_legal_items(client: TestClient) -> None:
    matrix = client.get("/v1/matrix").json()
    assert matrix["functions"] == ["相談支援", "参加支援", "地域づくり", "庁内連携会議等"]
    assert len(matrix["rows"]) == 12
    assert sum(v for row in matrix["rows"] for v in row["cells"].values()) == 39
    schedule = client.get("/v1/schedule").json()
    assert schedule["fiscal_years"] == [2024, 2025, 2026]
    outreach = next(r for r in schedule["rows"] if r["id"] == "sched-3")
    assert outreach["years"] == {"2024": ["実施体制の検討"], "2025": ["本格実施"], "2026": ["本格実施"]}
    items = {i["id"]: i for i in client.get("/v1/legal-items").json()["legal_items"]}
    assert items["a106-4-p2-i4"]["programs"] == [
        {"id": "prog-outreach", "label": "アウトリーチ等を通じた継続的支援事業"}
    ]
    assert items["a106-4-p2-i1-ni"]["citation"] == "社会福祉法第106条の4第2項第1号ニ"


def test_needs(client: TestClient) -> None:
    needs = {n["id"]: n for n in client.get("/v1/needs").json()["needs"]}
    assert len(needs) == 90
    assert needs["problem-8050"]["compound"] is True
    assert "7040問題" in needs["problem-8050"]["alt_labels"]


def test_route_8050_with_consent(client: TestClient) -> None:
    r = client.post(
        "/v1/route", json={"needs": ["親の介護", "ひきこもりの息子"], "consent": True, "as_of": "2025-10-01"}
    )
    body = r.json()
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-store"
    assert [n["id"] for n in body["needs"]] == ["care-of-parent", "hikikomori"]
    assert "prog-takikan-kyodo" in [p["id"] for p in body["programs"]]
    assert [m["id"] for m in body["meetings"]] == ["mtg-jusoteki-shien"]
    why = body["meetings"][0]["why"][0]
    assert why["rule"] == "meeting-with-consent"
    assert why["section"] == "4.(1)、5.(2)"
    assert body["planned"] == []


def test_route_unknown_consent_gives_both_meetings_with_conditions(client: TestClient) -> None:
    body = client.post("/v1/route", json={"needs": ["8050問題"], "as_of": "2025-10-01"}).json()
    conditions = {m["id"]: m["why"][0]["condition"] for m in body["meetings"]}
    assert conditions == {
        "mtg-jusoteki-shien": "本人の同意が得られた場合(現在: 同意不明)",
        "mtg-shien": "本人の同意が得られない場合(現在: 同意不明)",
    }


def test_route_before_full_implementation_lists_planned(client: TestClient) -> None:
    body = client.post("/v1/route", json={"needs": ["ひきこもり"], "consent": False, "as_of": "2024-10-01"}).json()
    planned = {p["id"]: (p["status"], p["operating_from_fiscal_year"]) for p in body["planned"]}
    assert planned == {"prog-outreach": ("実施体制の検討", 2025), "prog-sanka-shien": ("実施体制の検討", 2025)}
    assert "prog-outreach" not in [p["id"] for p in body["programs"]]


def test_who_handles_get_and_post_agree(client: TestClient) -> None:
    get = client.get("/v1/who-handles", params={"q": "隣の空き家が心配"})
    post = client.post("/v1/who-handles", json={"q": "隣の空き家が心配"})
    assert get.json() == post.json()
    assert get.json()["results"][0]["department"] == {
        "id": "dept-toshikeikaku",
        "iri": "https://w3id.org/jyuso-kb/data/uozu/dept-toshikeikaku",
        "label": "都市計画課",
    }
    assert post.headers["cache-control"] == "no-store"


def test_catalog_formats(client: TestClient, uozu: PlanSource) -> None:
    as_json = client.get("/v1/catalog", headers={"accept": "application/json"})
    assert len(as_json.json()["programs"]) == 12
    ttl = client.get("/v1/catalog", headers={"accept": "text/turtle"})
    assert ttl.headers["content-type"].startswith("text/turtle")
    assert isomorphic(Graph().parse(data=ttl.text, format="turtle"), uozu.data)
    csv = client.get("/v1/catalog?format=csv")
    assert csv.text.splitlines()[1].startswith("prog-chiiki-houkatsu,地域包括支援センター運営事業,")
    # from the plan files there is no revision history: the last two columns are empty
    assert csv.text.splitlines()[0].endswith(",source,last_changed_revision,last_changed_at")
    assert csv.text.splitlines()[1].endswith(",4.(1),,")
    jsonld = client.get("/v1/catalog", headers={"accept": "application/ld+json"})
    assert jsonld.headers["content-type"] == "application/ld+json"
    assert isinstance(jsonld.json()["@context"], dict)
    assert {r.headers["vary"] for r in (as_json, ttl, csv, jsonld)} == {"Accept"}  # one cached copy per format


def test_validate_reports_missing_department_and_diff(client: TestClient, uozu: PlanSource) -> None:
    from rdflib import URIRef

    from jyuso_kb.namespaces import JY

    revision = Graph()
    revision += uozu.data
    revision.remove((URIRef("https://w3id.org/jyuso-kb/data/uozu/prog-outreach"), JY.responsibleDepartment, None))
    r = client.post(
        "/v1/validate", content=revision.serialize(format="turtle").encode(), headers={"content-type": "text/turtle"}
    )
    body = r.json()
    assert r.status_code == 200
    assert body["conforms"] is False
    assert [(f["focus"], f["message"]) for f in body["findings"] if f["severity"] == "violation"] == [
        ("uozu:prog-outreach", "事業に所管課がないか、所管課が既知の課ではありません。")
    ]
    assert body["diff"]["summary"] == {"added": 0, "removed": 0, "changed": 1}
    change = body["diff"]["changed"][0]
    assert change["id"] == "prog-outreach"
    assert change["changes"] == [
        {
            "property": "所管課",
            "property_id": "responsibleDepartment",
            "removed": ["社会福祉課 (dept-shakaifukushi)"],
            "added": [],
        }
    ]
    assert body["active_revision"] == client.get("/health").json()["revision"]


def test_validate_conforming_revision(client: TestClient, uozu: PlanSource) -> None:
    r = client.post(
        "/v1/validate", content=uozu.data.serialize(format="turtle").encode(), headers={"content-type": "text/turtle"}
    )
    body = r.json()
    assert body["conforms"] is True
    assert body["findings"] == []
    assert body["diff"]["summary"] == {"added": 0, "removed": 0, "changed": 0}
    assert body["revision"] == body["active_revision"]


def test_openapi_documents_every_endpoint_with_examples(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = set(spec["paths"])
    assert {
        "/v1/route",
        "/v1/who-handles",
        "/v1/catalog",
        "/v1/sparql",
        "/v1/validate",
        "/v1/programs/{program_id}",
    } <= paths
    route_schema = spec["components"]["schemas"]["RouteIn"]
    assert route_schema["examples"][0]["needs"] == ["親の介護", "ひきこもりの息子"]
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert '<script src="/docs/assets/swagger-ui-bundle.js">' in docs.text
    assert "http://" not in docs.text and "https://" not in docs.text  # nothing from a CDN: works offline
    script = client.get("/docs/assets/swagger-ui-bundle.js")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.text


@pytest.mark.slow
def test_validate_accepts_a_workbook_and_names_the_cell(client: TestClient, tmp_path: Path) -> None:
    import io
    import zipfile

    from jyuso_kb import cli

    from .conftest import csv_workbook_without_outreach_department

    folder = csv_workbook_without_outreach_department(tmp_path / "plan-csv")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in folder.glob("*.csv"):
            archive.write(path, f"plan-csv/{path.name}")
    r = client.post("/v1/validate", content=buffer.getvalue(), headers={"content-type": "application/zip"})
    body = r.json()
    assert r.status_code == 200
    assert [(f["focus"], f["location"]) for f in body["findings"]] == [
        ("uozu:prog-outreach", "シート programs、行 7、列 所管課")
    ]
    xlsx = tmp_path / "plan.xlsx"
    assert cli.main(["workbook", "export", "--format", "xlsx", "--out", str(xlsx)]) == 0
    ok = client.post(
        "/v1/validate",
        content=xlsx.read_bytes(),
        headers={"content-type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    )
    assert ok.json()["conforms"] is True
    assert ok.json()["diff"]["summary"] == {"added": 0, "removed": 0, "changed": 0}
