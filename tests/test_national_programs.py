"""The national endpoints: programmes across municipalities, counts by prefecture and municipality, the 庁内連携
matrix per function, and the README's three questions (the endpoints and their SPARQL on /v1/sparql agree).

Two towns (魚津市 162043 in 富山県, 架空町 999008 in 架空県, from their folders) in a national store under a temporary
folder, as tests/test_national_store.py builds it; one service on it for the module.
"""

from __future__ import annotations

import base64
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jyuso_kb import __version__, resources
from jyuso_kb.plan.load import load_plan
from jyuso_kb.serve import national_index
from jyuso_kb.serve.app import create_app
from jyuso_kb.serve.settings import Settings
from jyuso_kb.store import national, national_facts

from .conftest import KASOU_DIR

UOZU, KASOU = "162043", "999008"
PATHS = ("/v1/national/programs", "/v1/national/summary", "/v1/national/collaboration")
SHAKYO_PROGRAMS = [
    (UOZU, "prog-ippan-kaigoyobo"),
    (UOZU, "prog-konkyu-chiikizukuri"),
    (UOZU, "prog-sanka-shien"),
    (UOZU, "prog-seikatsu-shien-taisei"),
    (KASOU, "prog-anshin-soudan"),
    (KASOU, "prog-kayoinoba"),
    (KASOU, "prog-minna-shokudo"),
    (KASOU, "prog-shigoto-ibasho"),
]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("towns")
    shutil.copytree(resources.municipality_dir(), folder / "plans" / "uozu")
    shutil.copytree(KASOU_DIR, folder / "plans" / "kasou")
    return folder


@pytest.fixture(scope="module")
def client(store: Path) -> Iterator[TestClient]:
    settings = Settings(data=(store / "plans",), national_store=store / "national", sparql_workers=1, plan_wait=60)
    with TestClient(create_app(settings)) as served:
        yield served


def _get(client: TestClient, path: str, **params: str) -> dict[str, Any]:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["x-jyuso-kb-version"] == __version__
    body: dict[str, Any] = response.json()
    return body


def _keys(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(item["municipality"]["code"], item["id"]) for item in body["items"]]


def test_every_programme_of_every_municipality_in_a_stable_order(client: TestClient) -> None:
    body = _get(client, "/v1/national/programs")
    assert body["total"] == 22 and body["next"] is None
    assert [code for code, _ in _keys(body)] == [UOZU] * 12 + [KASOU] * 10
    assert [(i["municipality"]["code"], i["iri"]) for i in body["items"]] == sorted(
        (i["municipality"]["code"], i["iri"]) for i in body["items"]
    )
    first = body["items"][0]
    assert first["municipality"] == {"code": UOZU, "name": "魚津市", "prefecture": "富山県", "prefecture_code": "16"}
    assert first["legal_items"] == [{"id": "a106-4-p2-i1-i", "citation": "社会福祉法第106条の4第2項第1号イ"}]
    assert (first["mode"], first["implementation"]) == ("direct", "直営")
    assert "operating" not in first  # only with a fiscal year


@pytest.mark.parametrize("code", [UOZU, KASOU])
def test_each_item_says_what_the_municipality_s_own_list_says(client: TestClient, code: str) -> None:
    """Labels, legal items, implementation, operators and departments are those of /v1/municipalities/{code}/programs."""
    own = {p["iri"]: p for p in _get(client, f"/v1/municipalities/{code}/programs")["programs"]}
    national_items = _get(client, "/v1/national/programs", municipality=code)["items"]
    assert sorted(own) == [i["iri"] for i in national_items]
    for item in national_items:
        mine = own[item["iri"]]
        assert (item["id"], item["label"], item["label_en"]) == (mine["id"], mine["label"], mine["label_en"])
        assert sorted(i["citation"] for i in item["legal_items"]) == sorted(mine["legal_basis"])
        assert item["implementation"] == mine["implementation"]
        assert item["operators"] == mine["operators"]
        assert item["departments"] == mine["departments"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"legal_item": "a106-4-p2-i5"}, [(UOZU, "prog-takikan-kyodo"), (KASOU, "prog-team-shien")]),
        ({"legal_item": "第5号"}, [(UOZU, "prog-takikan-kyodo"), (KASOU, "prog-team-shien")]),
        ({"legal_item": "社会福祉法第106条の4第2項第4号"}, [(UOZU, "prog-outreach"), (KASOU, "prog-tsunagari-houmon")]),
        (
            {"legal_item": "a106-4-p2-i1"},  # 第1号 and its parts イ〜ニ
            [
                (UOZU, "prog-chiiki-houkatsu"),
                (UOZU, "prog-jiritsu-soudan"),
                (UOZU, "prog-riyosha-shien"),
                (UOZU, "prog-shogaisha-soudan"),
                (KASOU, "prog-anshin-soudan"),
                (KASOU, "prog-kosodate-concierge"),
                (KASOU, "prog-marugoto-soudan"),
            ],
        ),
        ({"operator": "社会福祉協議会"}, SHAKYO_PROGRAMS),
        ({"operator": "社協"}, SHAKYO_PROGRAMS),  # another name (skos:altLabel) of the operator
        ({"legal_item": "a106-4-p2-i5", "operator": "社会福祉協議会"}, []),  # both run it themselves
        (
            {"legal_item": "a106-4-p2-i2", "operator": "社会福祉協議会"},
            [(UOZU, "prog-sanka-shien"), (KASOU, "prog-shigoto-ibasho")],
        ),
        (
            {"mode": "commissioned", "prefecture": "富山県"},
            [
                (UOZU, "prog-chiiki-katsudo-center"),
                (UOZU, "prog-jiritsu-soudan"),
                (UOZU, "prog-konkyu-chiikizukuri"),
                (UOZU, "prog-sanka-shien"),
                (UOZU, "prog-seikatsu-shien-taisei"),
                (UOZU, "prog-shogaisha-soudan"),
            ],
        ),
        (
            {"mode": "直営及び委託"},
            [
                (UOZU, "prog-chiiki-kosodate-kyoten"),
                (UOZU, "prog-ippan-kaigoyobo"),
                (KASOU, "prog-kayoinoba"),
                (KASOU, "prog-marugoto-soudan"),
            ],
        ),
        (
            {"municipality": KASOU, "legal_item": "a106-4-p2-i3"},
            [
                (KASOU, "prog-hidamari-center"),
                (KASOU, "prog-kayoinoba"),
                (KASOU, "prog-minna-shokudo"),
                (KASOU, "prog-oyako-hiroba"),
            ],
        ),
        ({"prefecture": "北海道"}, []),
        ({"municipality": "011002"}, []),
    ],
)
def test_filters(client: TestClient, params: dict[str, str], expected: list[tuple[str, str]]) -> None:
    body = _get(client, "/v1/national/programs", **params)
    assert _keys(body) == expected
    assert body["total"] == len(expected)


def test_a_prefecture_by_its_code_or_its_name(client: TestClient) -> None:
    by_code = _get(client, "/v1/national/programs", prefecture="99", mode="委託")
    assert by_code == _get(client, "/v1/national/programs", prefecture="架空県", mode="mode-commissioned")
    assert by_code["total"] == 5


def test_operating_in_a_fiscal_year(client: TestClient) -> None:
    """R7: both run their 参加支援事業 (本格実施 / 移行準備事業). R6: 魚津市 designs it (not operating); 架空町's
    schedule begins in R7 (nothing said of R6: null)."""
    for year, expected in (("2025", [True, True]), ("2024", [False, None]), ("2030", [None, None])):
        body = _get(client, "/v1/national/programs", legal_item="a106-4-p2-i2", fiscal_year=year)
        assert body["fiscal_year"] == int(year)
        assert [i["operating"] for i in body["items"]] == expected


@pytest.mark.parametrize(
    ("params", "sizes"), [({"limit": "5"}, [5, 5, 5, 5, 2]), ({"operator": "社協", "limit": "3"}, [3, 3, 2])]
)
def test_pages_cover_every_item_once(client: TestClient, params: dict[str, str], sizes: list[int]) -> None:
    everything = _get(client, "/v1/national/programs", **{k: v for k, v in params.items() if k != "limit"})
    seen: list[tuple[str, str]] = []
    pages, cursor = [], None
    while True:
        body = _get(client, "/v1/national/programs", **params, **({"cursor": cursor} if cursor else {}))
        assert body["total"] == everything["total"]
        pages.append(len(body["items"]))
        seen += _keys(body)
        cursor = body["next"]
        if cursor is None:
            break
    assert pages == sizes
    assert seen == _keys(everything)


def test_summary_by_prefecture(client: TestClient) -> None:
    body = _get(client, "/v1/national/summary")
    assert body["by"] == "prefecture" and body["fiscal_year"] is None
    assert [r["prefecture"] for r in body["rows"]] == [
        {"code": "16", "name": "富山県"},
        {"code": "99", "name": "架空県"},
    ]
    assert [(r["municipalities"], r["municipalities_with_programs"], r["programs"]) for r in body["rows"]] == [
        (1, 1, 12),
        (1, 1, 10),
    ]
    total = body["total"]
    assert (total["municipalities"], total["programs"]) == (2, 22)
    by_item = {i["id"]: (i["municipalities"], i["programs"]) for i in total["legal_items"]}
    assert by_item["a106-4-p2-i5"] == (2, 2) and by_item["a106-4-p2-i3-ro"] == (2, 2)
    assert [i["id"] for i in total["legal_items"]][:4] == [
        "a106-4-p2-i1-i",
        "a106-4-p2-i1-ro",
        "a106-4-p2-i1-ha",
        "a106-4-p2-i1-ni",
    ]  # the law's order


def test_summary_by_municipality_counts_what_operates_and_keeps_municipalities_without_any(client: TestClient) -> None:
    body = _get(client, "/v1/national/summary", by="municipality", legal_item="a106-4-p2-i2", fiscal_year="2024")
    rows = {r["municipality"]["code"]: r for r in body["rows"]}
    assert sorted(rows) == [UOZU, KASOU]
    assert [(r["programs"], r["operating_programs"], r["municipalities_operating"]) for r in rows.values()] == [
        (1, 0, 0),
        (1, 0, 0),
    ]
    assert rows[UOZU]["legal_items"] == [
        {
            "id": "a106-4-p2-i2",
            "citation": "社会福祉法第106条の4第2項第2号",
            "municipalities": 1,
            "programs": 1,
            "operating_programs": 0,
            "municipalities_operating": 0,
        }
    ]
    none = _get(client, "/v1/national/summary", by="municipality", legal_item="a106-4-p2-i5", operator="社協")
    assert [(r["municipality"]["code"], r["programs"], r["legal_items"]) for r in none["rows"]] == [
        (UOZU, 0, []),
        (KASOU, 0, []),
    ]


def test_collaboration_matches_each_municipality_s_matrix(client: TestClient) -> None:
    body = _get(client, "/v1/national/collaboration", function="participation")
    assert body["functions"] == [
        {"id": "function-participation", "number": "(2)", "label": "参加支援", "label_en": "Participation support"}
    ]
    counts = {i["municipality"]["code"]: i["functions"][0]["count"] for i in body["items"]}
    assert counts == {UOZU: 9, KASOU: 5}
    for item in body["items"]:
        code = item["municipality"]["code"]
        matrix = _get(client, f"/v1/municipalities/{code}/matrix")
        marked = [r["department"]["id"] for r in matrix["rows"] if r["cells"]["参加支援"]]
        assert [d["id"] for d in item["functions"][0]["departments"]] == marked
    assert _get(client, "/v1/national/collaboration", function="参加支援") == body
    every = _get(client, "/v1/national/collaboration", municipality=KASOU)
    assert [f["id"] for f in every["items"][0]["functions"]] == [
        "function-consultation",
        "function-participation",
        "function-community",
        "function-liaison",
    ]


def _sparql(client: TestClient, text: str) -> list[dict[str, str]]:
    response = client.get("/v1/sparql", params={"query": text}, headers={"accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return [{k: v["value"] for k, v in row.items()} for row in response.json()["results"]["bindings"]]


def _question(name: str) -> str:
    return next(p for p in resources.national_questions() if p.stem == name).read_text(encoding="utf-8")


def test_the_three_questions_in_sparql_agree_with_the_endpoints(client: TestClient) -> None:
    assert len(resources.national_questions()) == 3
    shakyo = _sparql(client, _question("multi-agency-commissioned-to-shakyo"))
    endpoint = _get(client, "/v1/national/programs", legal_item="a106-4-p2-i5", operator="社会福祉協議会")
    assert shakyo == [] and endpoint["total"] == 0
    for year in ("2025", "2024"):
        text = _question("no-participation-operating-fy2025").replace("fiscalYear 2025", f"fiscalYear {year}")
        rows = _sparql(client, text)
        summary = _get(client, "/v1/national/summary", by="municipality", legal_item="a106-4-p2-i2", fiscal_year=year)
        without = [r["municipality"]["code"] for r in summary["rows"] if r["operating_programs"] == 0]
        assert [r["code"] for r in rows] == without == ([] if year == "2025" else [UOZU, KASOU])
    departments = _sparql(client, _question("participation-departments"))
    assert [(r["code"], r["municipality"], r["departments"]) for r in departments] == [
        (UOZU, "魚津市", "9"),
        (KASOU, "架空町", "5"),
    ]


def _cursor(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    ("path", "params", "code", "where"),
    [
        ("/v1/national/programs", {"mode": "bogus"}, "invalid_parameter", "mode"),
        ("/v1/national/programs", {"limit": "0"}, "invalid_parameter", "limit"),
        ("/v1/national/programs", {"limit": "1001"}, "invalid_parameter", "limit"),
        ("/v1/national/programs", {"limit": "ten"}, "invalid_parameter", "limit"),
        ("/v1/national/programs", {"cursor": "not a cursor!"}, "invalid_parameter", "cursor"),
        ("/v1/national/programs", {"cursor": _cursor(b"\xff\xfe")}, "invalid_parameter", "cursor"),
        ("/v1/national/programs", {"cursor": _cursor(b'["1","x"]')}, "invalid_parameter", "cursor"),
        ("/v1/national/programs", {"cursor": _cursor(b'{"a":1}')}, "invalid_parameter", "cursor"),
        ("/v1/national/programs", {"cursor": "A" * 1100}, "invalid_parameter", "cursor"),
        ("/v1/national/programs", {"legal_item": "a106-4-p2-i9"}, "invalid_parameter", "legal_item"),
        ("/v1/national/programs", {"legal_item": "x" * 65}, "invalid_parameter", "legal_item"),
        ("/v1/national/programs", {"operator": ""}, "invalid_parameter", "operator"),
        ("/v1/national/programs", {"operator": "社\x00協"}, "invalid_parameter", "operator"),
        ("/v1/national/programs", {"operator": "協" * 65}, "invalid_parameter", "operator"),
        ("/v1/national/programs", {"prefecture": "  "}, "invalid_parameter", "prefecture"),
        ("/v1/national/programs", {"municipality": "99999"}, "invalid_parameter", "municipality"),
        ("/v1/national/programs", {"fiscal_year": "25"}, "invalid_parameter", "fiscal_year"),
        ("/v1/national/programs", {"fiscal_year": "3000"}, "invalid_parameter", "fiscal_year"),
        ("/v1/national/programs", {"legal-item": "a106-4-p2-i2"}, "unknown_parameter", "query"),
        ("/v1/national/summary", {"by": "city"}, "invalid_parameter", "by"),
        ("/v1/national/summary", {"limit": "5"}, "unknown_parameter", "query"),
        ("/v1/national/collaboration", {"function": "outreach"}, "invalid_parameter", "function"),
        ("/v1/national/collaboration", {"mode": "direct"}, "unknown_parameter", "query"),
    ],
)
def test_bad_parameters_are_400_in_the_error_shape(
    client: TestClient, path: str, params: dict[str, str], code: str, where: str
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert sorted(error) == ["code", "hint", "message", "where"]
    assert (error["code"], error["where"]) == (code, where)
    for value in params.values():
        if len(value) > 2:
            assert value not in error["message"] + error["hint"]  # the client's text is never repeated


def test_a_repeated_parameter_is_refused(client: TestClient) -> None:
    response = client.get("/v1/national/programs?mode=direct&mode=commissioned")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "duplicate_parameter"


@pytest.mark.parametrize("path", PATHS)
def test_without_a_national_store_the_answer_says_so(api: TestClient, path: str) -> None:
    for params in ({}, {"limit": "bad"}):
        response = api.get(path, params=params)
        assert response.status_code == 404
        error = response.json()["error"]
        assert error["code"] == "national_store_not_configured"
        assert "JYUSO_KB_NATIONAL_STORE" in error["hint"]


def test_openapi_documents_the_national_paths_once(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in PATHS:
        operation = paths[path]["get"]
        assert operation["summary"].startswith("全国")
        assert {"400", "404", "503"} <= set(operation["responses"])
        assert all(p["in"] == "query" and p["description"] for p in operation["parameters"])
        assert not any(p.endswith(path[len("/v1/") :]) and p != path for p in paths)
    names = [p["name"] for p in paths["/v1/national/programs"]["get"]["parameters"]]
    assert names == ["prefecture", "municipality", "legal_item", "mode", "operator", "fiscal_year", "limit", "cursor"]


def test_the_store_keeps_each_municipality_s_facts_with_its_hash(store: Path, client: TestClient) -> None:
    root = store / "national"
    for entry in national.read_manifest(root).entries:
        assert national_facts.read(root, entry.code, entry.hash) is not None
        assert national_facts.read(root, entry.code, "another plan") is None


def test_a_publish_reaches_the_answers_and_a_missing_facts_file_is_compiled_again(tmp_path: Path) -> None:
    """Another process replaces 架空町's graph (a publish): the next answer has it. A facts file that was lost is
    compiled from the store's graph."""
    plans = tmp_path / "plans"
    shutil.copytree(resources.municipality_dir(), plans / "uozu")
    shutil.copytree(KASOU_DIR, plans / "kasou")
    root = tmp_path / "national"
    settings = Settings(data=(plans,), national_store=root, sparql_workers=1, plan_wait=60)
    with TestClient(create_app(settings)) as served:
        assert _get(served, "/v1/national/programs", municipality=KASOU)["total"] == 10
        data = load_plan([plans / "kasou"]).data
        gone = next(s for s in data.subjects() if str(s).endswith("/prog-oyako-hiroba"))
        data.remove((gone, None, None))
        national.replace(root, KASOU, data, "b" * 64)
        assert _get(served, "/v1/national/programs", municipality=KASOU)["total"] == 9
        assert _get(served, "/v1/national/programs")["total"] == 21
    national_facts.remove(root, UOZU)
    index = national_index.load(root)
    assert [(m.code, len(m.facts.programs)) for m in index.municipalities] == [(UOZU, 12), (KASOU, 9)]
