"""A catalog of municipalities from one service: plans loaded when first asked, cached on disk by content hash.

Two towns (架空町, the default as the first folder, and 魚津市) served with the national store under tmp_path. Only
the default one is loaded at start; 魚津市 is loaded by its first request: built once in a bounded child, then read
from ``<national store>/snapshots/`` at every later start.
"""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from jyuso_kb import resources
from jyuso_kb.plan.load import load_plan
from jyuso_kb.plan.source import load_vocabulary, vocabulary_graph
from jyuso_kb.serve import snapshot_cache
from jyuso_kb.serve.app import create_app
from jyuso_kb.serve.settings import Settings
from jyuso_kb.serve.snapshot import build_snapshot

from .api_support import RealServer
from .conftest import KASOU_DIR

UOZU, KASOU = "162043", "999008"
HOUSEHOLD = {"needs": ["8050"], "consent": True}


@pytest.fixture
def towns(tmp_path: Path) -> Path:
    folder = tmp_path / "plans"
    shutil.copytree(KASOU_DIR, folder / "kasou")
    shutil.copytree(resources.municipality_dir(), folder / "uozu")
    return folder


def _settings(towns: Path, tmp_path: Path, **changes: object) -> Settings:
    base: dict[str, object] = {
        "data": (towns,),
        "national_store": tmp_path / "national",
        "sparql_workers": 1,
        "plan_wait": 60.0,
    }
    return Settings(**{**base, **changes})  # type: ignore[arg-type]


def _cached(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "national" / "snapshots").glob("*.pickle"))


def _route(client: TestClient, code: str) -> dict[str, object]:
    response = client.post(f"/v1/municipalities/{code}/route", json=HOUSEHOLD)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_only_the_default_municipality_is_loaded_at_start(towns: Path, tmp_path: Path) -> None:
    with TestClient(create_app(_settings(towns, tmp_path))) as client:
        listed = {m["code"]: m for m in client.get("/v1/municipalities").json()["municipalities"]}
        assert listed[UOZU] == {
            "code": UOZU,
            "name": "魚津市",
            "name_en": "Uozu City",
            "prefecture": "富山県",
            "loaded": False,
            "default": False,
            "links": {"self": f"/v1/municipalities/{UOZU}", "api": f"/v1/municipalities/{UOZU}/"},
        }
        assert listed[KASOU]["plan"].startswith("架空町重層的支援体制整備事業実施計画")
        assert len(_cached(tmp_path)) == 1  # the default one's snapshot, built at start
        assert client.get("/health").json()["plan"].startswith("架空町")


def test_a_first_request_loads_the_municipality_and_later_starts_read_the_cache(
    towns: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="jyuso_kb")
    with TestClient(create_app(_settings(towns, tmp_path))) as client:
        first = _route(client, UOZU)
        assert client.get(f"/v1/municipalities/{UOZU}").json()["plan"].startswith("魚津市重層的支援体制整備事業")
    assert len(_cached(tmp_path)) == 2
    assert f"{UOZU} 魚津市: built and cached" in caplog.text
    caplog.clear()
    with TestClient(create_app(_settings(towns, tmp_path))) as client:
        assert _route(client, UOZU) == first  # the same answer, from the cached snapshot
    assert "built and cached" not in caplog.text
    assert len(_cached(tmp_path)) == 2


def test_every_loaded_plan_shares_the_one_vocabulary_validation_reads(towns: Path, tmp_path: Path) -> None:
    """The vocabulary is read once at start (about 0.5 s), not per plan nor again for validation."""
    for _ in range(2):  # built in a child (a miss), then read from the cache
        with TestClient(create_app(_settings(towns, tmp_path))) as client:
            _route(client, UOZU)
            tenants = client.app.state.tenants  # type: ignore[attr-defined]
            for code in (KASOU, UOZU):
                assert tenants.get(code).snapshot.plan.vocabulary is vocabulary_graph()


def test_a_request_waits_at_most_plan_wait_then_is_told_to_retry(towns: Path, tmp_path: Path) -> None:
    with TestClient(create_app(_settings(towns, tmp_path, plan_wait=0.01))) as client:
        response = client.post(f"/v1/municipalities/{UOZU}/route", json=HOUSEHOLD)
        assert response.status_code == 503
        assert response.headers["retry-after"] == "3"
        assert response.json() == {
            "error": {
                "code": "plan_loading",
                "message": "この市町村の計画を読み込んでいます。",
                "where": "path",
                "hint": "数秒後にもう一度お試しください(Retry-After の秒数)。",
            }
        }
        deadline = time.monotonic() + 60
        while client.post(f"/v1/municipalities/{UOZU}/route", json=HOUSEHOLD).status_code == 503:
            assert time.monotonic() < deadline, "the load went on after the 503"
            time.sleep(0.2)


def test_a_changed_plan_file_is_built_again_and_an_unreadable_cache_file_is_a_miss(towns: Path, tmp_path: Path) -> None:
    with TestClient(create_app(_settings(towns, tmp_path))) as client:
        _route(client, UOZU)
    before = _cached(tmp_path)
    for path in before:
        path.write_bytes(b"not a snapshot")
    note = towns / "uozu" / "plan.ttl"
    note.write_text(note.read_text(encoding="utf-8") + "\n# a comment changes the files' hash\n", encoding="utf-8")
    with TestClient(create_app(_settings(towns, tmp_path))) as client:
        assert client.get("/health").status_code == 200  # the default's unreadable file was built again
        _route(client, UOZU)
    after = _cached(tmp_path)
    assert len(after) == 3  # 魚津市's new content has a new key
    assert sum(p.read_bytes() == b"not a snapshot" for p in after) == 1  # only its old content's file, not read


def test_at_most_resident_plans_stay_in_memory(towns: Path, tmp_path: Path) -> None:
    (towns / "kasou2").mkdir()
    for path in (towns / "kasou").iterdir():
        text = path.read_text(encoding="utf-8")
        text = text.replace('"999008"', '"999016"').replace("data/kasou/", "data/kasou2/")
        (towns / "kasou2" / path.name).write_text(text, encoding="utf-8")
    with TestClient(create_app(_settings(towns, tmp_path, resident_plans=2))) as client:
        _route(client, UOZU)
        _route(client, "999016")

        def loaded() -> dict[str, bool]:
            listed = client.get("/v1/municipalities").json()["municipalities"]
            return {m["code"]: "loaded" not in m for m in listed}

        assert loaded() == {KASOU: True, "999016": True, UOZU: False}  # the default stays; the oldest other goes
        _route(client, UOZU)
        assert loaded() == {KASOU: True, "999016": False, UOZU: True}


def test_a_plan_that_cannot_be_built_within_the_limits_is_unavailable(towns: Path, tmp_path: Path) -> None:
    with TestClient(create_app(_settings(towns, tmp_path, upload_timeout=0.01))) as client:
        response = client.post(f"/v1/municipalities/{UOZU}/route", json=HOUSEHOLD)
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "plan_unavailable"
        assert response.headers["retry-after"] == "30"
        assert client.get("/health").status_code == 200  # the other municipalities are served


def test_an_iri_of_a_municipality_not_loaded_yet_is_resolved(towns: Path, tmp_path: Path) -> None:
    with TestClient(create_app(_settings(towns, tmp_path))) as client:
        program = client.get(f"/v1/municipalities/{UOZU}/programs").json()["programs"][0]
        name, item = program["iri"].removeprefix("https://w3id.org/jyuso-kb/data/").split("/", 1)
        found = client.get(f"/data/{name}/{item}", headers={"accept": "text/turtle"}, follow_redirects=False)
        assert found.status_code == 303
        assert found.headers["location"].startswith(f"/v1/municipalities/{UOZU}/resources/{name}/")


def test_a_snapshot_read_back_answers_as_the_one_built(tmp_path: Path) -> None:
    vocabulary = load_vocabulary()
    plan = load_plan([KASOU_DIR])
    built = build_snapshot(type(plan)(vocabulary, plan.data, plan.origin))
    target = snapshot_cache.path_of(tmp_path, "files abc")
    snapshot_cache.save(target, built)
    read = snapshot_cache.load(target, vocabulary)
    assert read is not None
    assert read.plan.vocabulary is vocabulary  # shared, not a copy per municipality
    assert (read.revision, read.programs, read.matrix) == (built.revision, built.programs, built.matrix)
    assert read.index.per_need.keys() == built.index.per_need.keys()
    assert snapshot_cache.path_of(tmp_path, "files abd") != target  # another content, another file
    assert snapshot_cache.load(tmp_path / "missing.pickle", vocabulary) is None


def test_two_servers_answer_alike_from_one_national_store(towns: Path, tmp_path: Path) -> None:
    """Replicas: two processes on one national store and snapshot cache (the second one reads what the first one
    wrote: the store is brought up to date under its lock, cache files appear whole)."""
    env = {
        "JYUSO_KB_DATA": str(towns),
        "JYUSO_KB_NATIONAL_STORE": str(tmp_path / "national"),
        "JYUSO_KB_PLAN_WAIT": "60",
        "JYUSO_KB_SPARQL_WORKERS": "1",
    }
    query = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}
    accept = {"accept": "application/sparql-results+json"}
    with RealServer(tmp_path / "a.log", env) as first, RealServer(tmp_path / "b.log", env) as second:
        routes, counts = [], []
        for server in (first, second):
            with httpx.Client(base_url=server.base_url, timeout=60, trust_env=False) as client:
                routes.append(client.post(f"/v1/municipalities/{UOZU}/route", json=HOUSEHOLD).json())
                counts.append(client.get("/v1/sparql", params=query, headers=accept).json())
    assert routes[0] == routes[1]
    assert routes[0]["programs"]
    assert counts[0] == counts[1], counts[0]
    assert "results" in counts[0], counts[0]
    assert int(counts[0]["results"]["bindings"][0]["n"]["value"]) > 10_000
    assert len(_cached(tmp_path)) == 2  # 架空町 and 魚津市, each built once
