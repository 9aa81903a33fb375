"""Each catalog item says in which stored revision it last changed; Last-Modified is when the active revision was
published; the exports read the same dates (jy:lastChangedRevision / jy:lastChangedAt)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, URIRef

from jyuso_kb.namespaces import JY
from jyuso_kb.plan.source import PlanSource
from jyuso_kb.serve.app import create_app
from jyuso_kb.serve.settings import Settings
from jyuso_kb.store.changes import last_changes
from jyuso_kb.store.revisions import Store

U = "https://w3id.org/jyuso-kb/data/uozu/"
POLICY = "policy-token-for-item-changes-5c"
AUTH = {"authorization": f"Bearer {POLICY}", "content-type": "text/turtle"}


def _variant(uozu: PlanSource, *, cell_on: str | None = None, outreach: str | None = None) -> Graph:
    graph = Graph()
    graph += uozu.data
    if cell_on:
        graph.set((URIRef(U + cell_on), JY.participates, Literal(True)))
    if outreach:
        node = URIRef(U + "prog-outreach")
        graph.remove((node, JY.description, None))
        graph.add((node, JY.description, Literal(outreach, lang="ja")))
    return graph


@pytest.fixture()
def client(tmp_path: Path, uozu: PlanSource) -> Iterator[TestClient]:
    tokens = tmp_path / "tokens.json"
    digest = hashlib.sha256(POLICY.encode()).hexdigest()
    tokens.write_text(json.dumps({"tokens": [{"name": "政策担当", "role": "policy", "sha256": digest}]}), "utf-8")
    # an upload time limit no loaded machine reaches: these tests check dates, not how fast a publish validates
    settings = Settings(store=tmp_path / "store", tokens_file=tokens, sparql_workers=1, upload_timeout=120)
    with TestClient(create_app(settings, plan=uozu)) as c:
        yield c


def _last_changed(client: TestClient, kind: str) -> dict[str, str | None]:
    items = client.get(f"/v1/{kind}").json()[kind]
    return {item["id"]: (item["last_changed"] or {}).get("revision") for item in items}


def _publish(client: TestClient, graph: Graph) -> dict[str, str]:
    r = client.post("/v1/revisions", content=graph.serialize(format="turtle").encode(), headers=AUTH)
    assert r.status_code == 201, r.text
    return r.json()["revision"]


@pytest.mark.slow
def test_items_say_in_which_revision_they_last_changed(client: TestClient, uozu: PlanSource) -> None:
    # served from the plan files, nothing published yet: no revision history to tell
    assert set(_last_changed(client, "programs").values()) == {None}
    first = _publish(client, uozu.data)
    assert set(_last_changed(client, "programs").values()) == {first["id"]}
    program = client.get("/v1/programs/prog-outreach").json()
    assert program["last_changed"] == {"revision": first["id"], "at": first["time"]}

    # 税務課 joins 参加支援 in the matrix: that department changed, the others and the programmes did not
    second = _publish(client, _variant(uozu, cell_on="cell-zeimu-participation"))
    departments = _last_changed(client, "departments")
    assert departments["dept-zeimu"] == second["id"]
    assert departments["dept-shakaifukushi"] == first["id"]
    assert set(_last_changed(client, "programs").values()) == {first["id"]}
    assert set(_last_changed(client, "meetings").values()) == {first["id"]}
    catalog = client.get("/v1/programs")
    assert parsedate_to_datetime(catalog.headers["last-modified"]) == datetime.fromisoformat(second["time"])
    rows = list(csv.DictReader(io.StringIO(client.get("/v1/catalog", headers={"accept": "text/csv"}).text)))
    assert {(r["last_changed_revision"], r["last_changed_at"]) for r in rows} == {(first["id"], first["time"])}

    # rolling back to the first revision: what was published after it does not count
    client.post(f"/v1/revisions/{first['id']}/activate", headers={"authorization": f"Bearer {POLICY}"})
    assert _last_changed(client, "departments")["dept-zeimu"] == first["id"]
    last_modified = client.get("/v1/programs").headers["last-modified"]
    assert parsedate_to_datetime(last_modified) == datetime.fromisoformat(first["time"])


@pytest.mark.slow
def test_exports_read_the_dates(client: TestClient, uozu: PlanSource) -> None:
    first = _publish(client, uozu.data)
    snapshot = client.app.state.tenants.default.snapshot  # type: ignore[attr-defined]
    node = URIRef(U + "prog-outreach")
    assert snapshot.provenance.value(node, JY.lastChangedRevision) == Literal(first["id"])
    assert str(snapshot.provenance.value(node, JY.lastChangedAt)) == first["time"]


def test_a_change_undone_is_a_change(tmp_path: Path, uozu: PlanSource) -> None:
    """A programme described as before again last changed when it was put back, not when it was first written:
    revisions count in the order they were first published (a, b, d), and d is where b's wording was undone."""
    store = Store(tmp_path / "store")
    a = store.publish(uozu.data, "政策担当", "", True)
    b = store.publish(_variant(uozu, outreach="訪問で支える事業。"), "政策担当", "", True)
    c = store.publish(uozu.data, "政策担当", "元に戻す", True)
    assert c.id == a.id  # the same content is the same revision: publishing it again only activates it
    d = store.publish(_variant(uozu, cell_on="cell-zeimu-participation"), "政策担当", "", True)
    changes = last_changes(store, d.id)
    assert changes[U + "prog-outreach"].revision == d.id
    assert changes[U + "dept-shakaifukushi"].revision == d.id  # responsible for it: its catalog entry lists it
    assert changes[U + "dept-kodomo"].revision == a.id
    assert changes[U + "dept-zeimu"].revision == d.id
    e = store.publish(_variant(uozu, outreach="訪問で支える事業。"), "政策担当", "", True)
    assert e.id == b.id
    assert last_changes(store, b.id)[U + "prog-outreach"].revision == b.id


def test_a_damaged_revision_ends_the_walk(tmp_path: Path, uozu: PlanSource) -> None:
    store = Store(tmp_path / "store")
    a = store.publish(uozu.data, "政策担当", "", True)
    b = store.publish(_variant(uozu, cell_on="cell-zeimu-participation"), "政策担当", "", True)
    (store.versions / a.id / "data.nt").write_bytes(b"damaged")
    changes = last_changes(store, b.id)
    assert changes[U + "prog-outreach"].revision == b.id  # nothing older can be read: dated from b
