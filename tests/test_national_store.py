"""The national store: every served plan in one Oxigraph store; SPARQL across municipalities and per municipality.

Two towns (魚津市 and 架空町, from their folders) in a store under tmp_path. The SPARQL endpoints answer from it with
the same refusals, caps and formats as the per-plan rdflib engine; a publish puts the new revision in the store.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from jyuso_kb import resources
from jyuso_kb.errors import InputError
from jyuso_kb.plan.load import load_plan
from jyuso_kb.serve.app import create_app
from jyuso_kb.serve.settings import Settings
from jyuso_kb.store import national

from .conftest import KASOU_DIR

UOZU, KASOU = "162043", "999008"
JY = "https://w3id.org/jyuso-kb/ontology#"
PROGRAMS_BY_TOWN = (
    f"PREFIX jy: <{JY}> SELECT ?code (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?m a jy:Municipality ; "
    "jy:localGovernmentCode ?code . ?plan jy:municipality ?m . ?p a jy:ImplementingProgram ; jy:plan ?plan } "
    "GROUP BY ?code ORDER BY ?code"
)
PROGRAM_LABELS = (
    f"PREFIX jy: <{JY}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "SELECT ?p ?label WHERE { ?p a jy:ImplementingProgram ; rdfs:label ?label } ORDER BY ?p ?label"
)


@pytest.fixture
def towns(tmp_path: Path) -> Path:
    """Both towns' plan folders, copied so that a test may change one."""
    folder = tmp_path / "plans"
    shutil.copytree(resources.municipality_dir(), folder / "uozu")
    shutil.copytree(KASOU_DIR, folder / "kasou")
    return folder


def test_build_names_each_municipality_and_skips_unchanged_plans(towns: Path, tmp_path: Path) -> None:
    root = tmp_path / "national"
    first = national.build([towns], root)
    assert [(e.code, e.name, e.prefecture) for e in first.entries] == [
        (KASOU, "架空町", "架空県"),
        (UOZU, "魚津市", "富山県"),
    ]
    assert national.build([towns], root) == first  # nothing changed: the same manifest, no plan read again
    note = towns / "kasou" / "plan.ttl"
    note.write_text(note.read_text(encoding="utf-8") + "\n# a comment changes the file's hash\n", encoding="utf-8")
    second = national.build([towns], root)
    assert second.by_code()[UOZU] == first.by_code()[UOZU]
    assert second.by_code()[KASOU].hash != first.by_code()[KASOU].hash
    shutil.rmtree(towns / "kasou")
    assert [e.code for e in national.build([towns], root).entries] == [UOZU]


def test_a_change_is_a_new_generation_and_readers_keep_theirs(towns: Path, tmp_path: Path) -> None:
    """Writers never touch the folder readers have open: each change is a new generation the manifest then names;
    an unchanged build writes nothing; three generations are kept."""
    root = tmp_path / "national"
    first = national.build([towns], root)
    manifest = root / "manifest.json"
    stamp = manifest.stat().st_mtime_ns
    assert national.build([towns], root).store == first.store and manifest.stat().st_mtime_ns == stamp
    reader = ox.Store.read_only(str(national.oxigraph_dir(root)))
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    before = next(iter(reader.query(count)))["n"].value
    stores = [first.store]
    for round in range(4):
        note = towns / "kasou" / "plan.ttl"
        note.write_text(note.read_text(encoding="utf-8") + f"\n# change {round}\n", encoding="utf-8")
        stores.append(national.build([towns], root).store)
    assert len(set(stores)) == 5
    assert next(iter(reader.query(count)))["n"].value == before  # the old generation, still whole where it is open
    kept = sorted(p.name for p in (root / "stores").iterdir())
    assert [f"stores/{name}" for name in kept] == stores[-3:]
    assert national.oxigraph_dir(root) == root / stores[-1]


def test_two_plans_of_one_code_are_refused(towns: Path, tmp_path: Path) -> None:
    shutil.copytree(towns / "kasou", towns / "kasou-again")
    with pytest.raises(InputError) as err:
        national.build([towns], tmp_path / "national")
    assert err.value.code == "duplicate_municipality"


@pytest.fixture
def served(towns: Path, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        data=(towns,), national_store=tmp_path / "national", sparql_workers=1, sparql_timeout=2.0, plan_wait=60
    )
    with TestClient(create_app(settings)) as client:
        yield client


def _select(client: TestClient, path: str, query: str) -> list[dict[str, str]]:
    response = client.get(path, params={"query": query}, headers={"accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return [{k: v["value"] for k, v in row.items()} for row in response.json()["results"]["bindings"]]


def test_national_sparql_counts_every_municipality(served: TestClient) -> None:
    assert _select(served, "/v1/sparql", PROGRAMS_BY_TOWN) == [
        {"code": UOZU, "n": "12"},
        {"code": KASOU, "n": "10"},
    ]
    assert _select(served, f"/v1/municipalities/{KASOU}/sparql", PROGRAMS_BY_TOWN) == [{"code": KASOU, "n": "10"}]


def test_one_municipality_answers_as_the_plan_graph_does(served: TestClient, uozu: object) -> None:
    """The same query gives the same JSON from the national store as from the rdflib engine over the plan graph."""
    with TestClient(create_app(Settings(sparql_workers=1))) as plain:
        expected = plain.get("/v1/sparql", params={"query": PROGRAM_LABELS}).json()
    got = served.get(f"/v1/municipalities/{UOZU}/sparql", params={"query": PROGRAM_LABELS}).json()
    assert got == expected
    assert len(got["results"]["bindings"]) == 24  # 12 programmes, a Japanese and an English label each


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", 400, "service_refused"),
        ("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", 400, "from_refused"),
        ("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", 400, "graph_refused"),
        ("LOAD <http://127.0.0.1:9/x.ttl>", 400, "read_only"),
        ("DELETE WHERE { ?s ?p ?o }", 400, "read_only"),
        ("SELECT * WHERE { ?s ?p ?o ", 400, "sparql_syntax"),
        ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", 503, "query_timeout"),
    ],
)
def test_national_sparql_keeps_the_protections(served: TestClient, query: str, status: int, code: str) -> None:
    response = served.get("/v1/sparql", params={"query": query})
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_rows_are_capped_and_flagged(towns: Path, tmp_path: Path) -> None:
    settings = Settings(
        data=(towns,), national_store=tmp_path / "national", sparql_workers=1, sparql_row_cap=5, plan_wait=60
    )
    with TestClient(create_app(settings)) as client:
        response = client.get("/v1/sparql", params={"query": "SELECT ?s WHERE { ?s ?p ?o }"})
    assert response.headers["x-result-truncated"] == "true"
    assert len(response.json()["results"]["bindings"]) == 5


def test_a_published_revision_replaces_its_graph(towns: Path, tmp_path: Path) -> None:
    """A municipality's graph after a publish is the published revision; the other municipality's is untouched."""
    root = tmp_path / "national"
    national.build([towns], root)
    revision = "a" * 64
    data = load_plan([towns / "kasou"]).data
    manifest = national.replace(root, KASOU, data, revision)
    assert manifest.by_code()[KASOU].source == f"revision {revision}"
    assert manifest.by_code()[UOZU].source == str(towns / "uozu")
    assert json.loads((root / "manifest.json").read_text(encoding="utf-8"))["municipalities"][1]["hash"] == revision
    with pytest.raises(InputError) as err:
        national.replace(root, UOZU, data, revision)
    assert err.value.code == "municipality_mismatch"  # 架空町's data is not 魚津市's revision
