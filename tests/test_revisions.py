"""Plan revisions: semantic diff, publishing with tokens, history and rollback, crash safety, audit log."""

from __future__ import annotations

import hashlib
import json
import os
import random
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from jyuso_kb import cli
from jyuso_kb.namespaces import JY
from jyuso_kb.plan.source import PlanSource
from jyuso_kb.serve.app import create_app
from jyuso_kb.serve.settings import Settings
from jyuso_kb.store.revisions import Store, canonical, content_id

U = "https://w3id.org/jyuso-kb/data/uozu/"
UOZU_CODE = "162043"
POLICY, STAFF = "policy-token-example-7d1c", "staff-token-example-2b9e"


def _turtle(graph: Graph) -> bytes:
    return graph.serialize(format="turtle").encode()


def _variant(uozu: PlanSource, *, drop: tuple[str, str] | None = None, cell_on: str | None = None) -> Graph:
    graph = Graph()
    graph += uozu.data
    if drop:
        graph.remove((URIRef(U + drop[0]), JY[drop[1]], None))
    if cell_on:
        graph.set((URIRef(U + cell_on), JY.participates, Literal(True)))
    return graph


def _write_tokens(path: Path) -> Path:
    path.write_text(
        json.dumps(
            {
                "tokens": [
                    {"name": "政策担当", "role": "policy", "sha256": hashlib.sha256(POLICY.encode()).hexdigest()},
                    {"name": "窓口", "role": "staff", "sha256": hashlib.sha256(STAFF.encode()).hexdigest()},
                ]
            },
            ensure_ascii=False,
        ),
        "utf-8",
    )
    return path


@pytest.fixture()
def tokens_file(tmp_path: Path) -> Path:
    return _write_tokens(tmp_path / "tokens.json")


@pytest.fixture()
def client(tmp_path: Path, tokens_file: Path, uozu: PlanSource) -> Iterator[TestClient]:
    """A service on a store of its own: for the tests that publish. (Every app here is given the embedded plan as
    read once, instead of reading it again: what a store makes active replaces its data.) Its upload time limit is one
    no loaded machine reaches: these tests check what a publish does, not how fast 2 busy cores validate the plan."""
    settings = Settings(store=tmp_path / "store", tokens_file=tokens_file, sparql_workers=1, upload_timeout=120)
    with TestClient(create_app(settings, plan=uozu)) as c:
        yield c


@pytest.fixture(scope="module")
def unpublished(tmp_path_factory: pytest.TempPathFactory, uozu: PlanSource) -> Iterator[TestClient]:
    """A service on a store nothing is ever published into: shared by the tests whose publishes are refused."""
    folder = tmp_path_factory.mktemp("unpublished")
    settings = Settings(
        store=folder / "store", tokens_file=_write_tokens(folder / "tokens.json"), sparql_workers=1, upload_timeout=120
    )
    with TestClient(create_app(settings, plan=uozu)) as c:
        yield c


def test_cli_diff_names_changes_and_affected(
    tmp_path: Path, uozu: PlanSource, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = tmp_path / "old.ttl", tmp_path / "new.ttl"
    old.write_bytes(_turtle(uozu.data))
    new.write_bytes(
        _turtle(_variant(uozu, drop=("prog-outreach", "responsibleDepartment"), cell_on="cell-zeimu-participation"))
    )
    assert cli.main(["diff", str(old), str(new)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "# 計画の変更点: 追加 0件、削除 0件、変更 2件"
    assert (
        "- 変更: アウトリーチ等を通じた継続的支援事業 (prog-outreach) — 所管課: 社会福祉課 (dept-shakaifukushi) → (なし)"
        in out
    )
    assert "- 変更: 税務課 × 参加支援 (cell-zeimu-participation) — 連携・協力する(○): いいえ → はい" in out
    assert "## 影響を受ける課\n- 社会福祉課 (dept-shakaifukushi)\n- 税務課 (dept-zeimu)\n" in out
    assert cli.main(["diff", "--json", str(old), str(new)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["affected"]["programs"] == [{"id": "prog-outreach", "label": "アウトリーチ等を通じた継続的支援事業"}]


def test_publish_needs_a_policy_token(unpublished: TestClient, uozu: PlanSource) -> None:
    client = unpublished
    body = _turtle(_variant(uozu, cell_on="cell-zeimu-participation"))
    headers = {"content-type": "text/turtle"}
    none = client.post("/v1/revisions", content=body, headers=headers)
    assert none.status_code == 401 and none.json()["error"]["code"] == "unauthorized"
    staff = client.post("/v1/revisions", content=body, headers={**headers, "authorization": f"Bearer {STAFF}"})
    assert staff.status_code == 403 and staff.json()["error"]["code"] == "forbidden"
    wrong = client.post("/v1/revisions", content=body, headers={**headers, "authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert client.get("/v1/revisions").json()["revisions"] == []


@pytest.mark.slow
def test_publish_activates_and_rollback_restores(client: TestClient, uozu: PlanSource) -> None:
    first = client.get("/health").json()["revision"]
    auth = {"authorization": f"Bearer {POLICY}", "content-type": "text/turtle"}
    r = client.post(
        "/v1/revisions?note=税務課を参加支援に",
        content=_turtle(_variant(uozu, cell_on="cell-zeimu-participation")),
        headers=auth,
    )
    assert r.status_code == 201, r.text
    new_id = r.json()["active"]
    assert new_id != first
    assert r.json()["revision"]["author"] == "政策担当"
    assert client.get("/health").json()["revision"] == new_id
    assert client.get("/v1/departments/dept-zeimu").json()["matrix"]["参加支援"] is True
    route = client.post("/v1/route", json={"needs": ["仕事がない"], "as_of": "2025-10-01"})
    assert route.json()["revision"] == new_id
    assert route.headers["x-plan-revision"] == new_id
    history = client.get("/v1/revisions", headers=auth).json()
    assert history["active"] == new_id
    assert [(h["id"], h["author"], h["note"]) for h in history["revisions"]] == [
        (new_id, "政策担当", "税務課を参加支援に")
    ]
    # without a token: who published and the note are left out (staff names are personal data)
    public = client.get("/v1/revisions").json()["revisions"]
    assert [sorted(h) for h in public] == [["conforms", "id", "sha256", "time", "triples"]]
    assert "政策担当" not in client.get("/v1/revisions").text
    wrong = client.get("/v1/revisions", headers={"authorization": "Bearer not-a-token"})
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "unauthorized"
    # publish the original again (a revision of its own), then roll back and forward by id
    original = client.post("/v1/revisions", content=_turtle(uozu.data), headers=auth)
    assert original.status_code == 201
    assert client.get("/v1/departments/dept-zeimu").json()["matrix"]["参加支援"] is False
    forward = client.post(f"/v1/revisions/{new_id}/activate", headers={"authorization": f"Bearer {POLICY}"})
    assert forward.status_code == 200
    assert client.get("/v1/departments/dept-zeimu").json()["matrix"]["参加支援"] is True
    assert client.post("/v1/revisions/nope/activate", headers={"authorization": f"Bearer {POLICY}"}).status_code == 404
    assert client.post(f"/v1/revisions/{new_id}/activate").status_code == 401


def test_non_conforming_revision_is_not_published(unpublished: TestClient, uozu: PlanSource) -> None:
    client = unpublished
    before = client.get("/health").json()["revision"]
    auth = {"authorization": f"Bearer {POLICY}", "content-type": "text/turtle"}
    r = client.post(
        "/v1/revisions", content=_turtle(_variant(uozu, drop=("prog-outreach", "responsibleDepartment"))), headers=auth
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "not_conforming"
    assert [f["message"] for f in r.json()["report"]["findings"]] == [
        "事業に所管課がないか、所管課が既知の課ではありません。"
    ]
    assert client.get("/health").json()["revision"] == before
    assert client.get("/v1/revisions").json()["revisions"] == []


def test_revisions_diff_endpoint(unpublished: TestClient, uozu: PlanSource) -> None:
    client = unpublished
    r = client.post(
        "/v1/revisions/diff",
        content=_turtle(_variant(uozu, cell_on="cell-zeimu-participation")),
        headers={"content-type": "text/turtle"},
    )
    body = r.json()
    assert body["summary"] == {"added": 0, "removed": 0, "changed": 1}
    assert body["affected"]["departments"] == [{"id": "dept-zeimu", "label": "税務課"}]
    assert "税務課 × 参加支援" in body["text"]
    same = client.post("/v1/revisions/diff", json={"old": "active", "new": "active"})
    assert same.json()["summary"] == {"added": 0, "removed": 0, "changed": 0}
    assert client.post("/v1/revisions/diff", json={"old": "zzz"}).status_code == 404


def test_audit_log_records_who_when_hash_and_nothing_else(client: TestClient, uozu: PlanSource, tmp_path: Path) -> None:
    auth = {"authorization": f"Bearer {POLICY}", "content-type": "text/turtle"}
    client.post("/v1/route", json={"needs": ["CANARY-audit-need"]})
    client.post("/v1/revisions", content=_turtle(_variant(uozu, cell_on="cell-zeimu-participation")), headers=auth)
    entries = Store(tmp_path / "store" / "162043").audit()
    assert [e["event"] for e in entries] == ["publish", "activate"]
    assert set(entries[0]) == {"time", "event", "revision", "sha256", "author"}
    assert all(e["author"] == "政策担当" for e in entries)
    assert "CANARY" not in (tmp_path / "store" / "162043" / "audit.log").read_text("utf-8")


@pytest.mark.slow
def test_store_survives_a_restart(tmp_path: Path, tokens_file: Path, uozu: PlanSource) -> None:
    settings = Settings(store=tmp_path / "store", tokens_file=tokens_file, sparql_workers=1, upload_timeout=120)
    auth = {"authorization": f"Bearer {POLICY}", "content-type": "text/turtle"}
    with TestClient(create_app(settings, plan=uozu)) as c:
        published = c.post(
            "/v1/revisions", content=_turtle(_variant(uozu, cell_on="cell-zeimu-participation")), headers=auth
        ).json()["active"]
    with TestClient(create_app(settings, plan=uozu)) as c:
        assert c.get("/health").json()["revision"] == published
        assert c.get("/v1/departments/dept-zeimu").json()["matrix"]["参加支援"] is True


# ---------------------------------------------------------------- crash safety

# The processes killed below are forked, one per attempt, from one "zygote" child that imported the store and read
# both revisions once (a fresh interpreter per attempt would spend most of the test importing). The zygote answers
# each line "STEP ROOT" on its stdin with the exit code of a process it forked to publish into the store at ROOT:
# STEP k > 0 publishes the new revision once and is killed (SIGKILL) at its k-th durable step (fsync or rename);
# STEP 0 publishes the two revisions in turn, after printing "ready PID", until the test kills it.
ZYGOTE = """
import os, signal, sys, traceback
from pathlib import Path
from rdflib import Graph
from jyuso_kb.store.revisions import Store
graphs = [Graph().parse(p, format="nt") for p in sys.argv[1:]]

def publish(root, crash_at):
    if crash_at:  # the fault is injected here, in the test's child
        calls = {"n": 0}
        def dying(real):
            def step(*args):
                calls["n"] += 1
                if calls["n"] == crash_at:
                    os.kill(os.getpid(), signal.SIGKILL)
                return real(*args)
            return step
        os.fsync, os.replace = dying(os.fsync), dying(os.replace)
        Store(root).publish(graphs[0], "crash-test", "round 0", True)
        return
    store = Store(root)
    print(f"ready {os.getpid()}", flush=True)
    i = 0
    while True:
        store.publish(graphs[i % len(graphs)], "crash-test", f"round {i}", True)
        i += 1

print("zygote", flush=True)
for line in sys.stdin:
    step, root = line.split()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            publish(Path(root), int(step))
        except BaseException:
            traceback.print_exc()
            code = 1
        sys.stdout.flush()
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    print(f"exit {os.waitstatus_to_exitcode(status)}", flush=True)
"""


class Zygote:
    """The zygote process, spoken to line by line; every read has a timeout, so a stuck child fails the test."""

    def __init__(self, *files: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", ZYGOTE, *map(str, files)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        self.pending = b""
        assert self.read() == "zygote"

    def read(self, timeout: float = 60.0) -> str:
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        while b"\n" not in self.pending:
            ready, _, _ = select.select([self.process.stdout], [], [], max(0.0, deadline - time.monotonic()))
            assert ready, f"no answer from the zygote within {timeout:g} s"
            chunk = os.read(self.process.stdout.fileno(), 4096)
            assert chunk, f"the zygote ended (exit {self.process.poll()})"
            self.pending += chunk
        line, self.pending = self.pending.split(b"\n", 1)
        return line.decode().strip()

    def send(self, step: int, root: Path) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{step} {root}\n".encode())
        self.process.stdin.flush()

    def exit_code(self) -> int:
        answer = self.read()
        assert answer.startswith("exit "), answer
        return int(answer.split()[1])

    def close(self) -> None:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.close()  # the zygote's loop ends, and so does the zygote
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self.process.stdout.close()


def _check_store(root: Path, allowed: dict[str, bytes]) -> str:
    """After a crash: no temporary file once the store is opened, the active revision is the old or the new one, and
    every stored version holds exactly its canonical bytes (the hash in its manifest is the hash of those bytes)."""
    store = Store(root)
    assert not list(root.rglob("*.tmp")), "temporary files must be gone after opening"
    active = store.active_id()
    assert active in allowed, active
    for version in (root / "versions").iterdir():
        assert version.name in allowed
        assert (version / "data.nt").read_bytes() == allowed[version.name]
        revision = store.get(version.name)
        assert revision is not None and revision.sha256 == content_id(allowed[version.name])[1]
    return active


def test_sigkill_at_every_write_step_and_at_random_times(tmp_path: Path, uozu: PlanSource) -> None:
    old = Graph()
    old += uozu.data
    new = _variant(uozu, cell_on="cell-zeimu-participation")
    files = []
    for name, graph in (("old.nt", old), ("new.nt", new)):
        path = tmp_path / name
        path.write_bytes(canonical(graph))
        files.append(path)
    allowed = {content_id(canonical(g))[0]: canonical(g) for g in (old, new)}
    kills = 0
    outcomes = set()
    zygote = Zygote(files[1], files[0])  # the new revision first: the one published over the old
    try:
        # injected: the k-th durable write step (fsync or rename) of publishing the new revision over the old one
        for step in range(1, 12):
            root = tmp_path / f"store-step-{step}"
            Store(root).publish(old, "setup", "", True)
            zygote.send(step, root)
            code = zygote.exit_code()
            assert code in (0, -signal.SIGKILL), f"step {step}: exit {code}"
            kills += code == -signal.SIGKILL
            outcomes.add(_check_store(root, allowed))
        # random: kill a process that publishes the two revisions in turn, at a random moment after it is ready
        rng = random.Random(20261129)
        for attempt in range(12):
            root = tmp_path / f"store-random-{attempt}"
            Store(root).publish(old, "setup", "", True)
            zygote.send(0, root)
            ready = zygote.read()
            assert ready.startswith("ready "), ready
            time.sleep(rng.uniform(0.0, 0.25))
            os.kill(int(ready.split()[1]), signal.SIGKILL)
            assert zygote.exit_code() == -signal.SIGKILL
            kills += 1
            outcomes.add(_check_store(root, allowed))
    finally:
        zygote.close()
    assert kills >= 20
    assert outcomes == set(allowed), "both the old and the new revision must have been seen active after crashes"


def test_publish_is_immutable_and_content_addressed(tmp_path: Path, uozu: PlanSource) -> None:
    store = Store(tmp_path / "s")
    a = store.publish(uozu.data, "x", "first", True)
    b = store.publish(uozu.data, "y", "again", True)
    assert a == b
    assert isomorphic(store.data(a.id), uozu.data)
    assert [r.id for r in store.history()] == [a.id]


def test_blank_nodes_do_not_change_the_revision_id(tmp_path: Path, uozu: PlanSource) -> None:
    """The same plan written twice with blank nodes (labelled differently, in another order) is one revision."""
    first = """@prefix ex: <https://example.org/contact#> .
    <https://w3id.org/jyuso-kb/data/uozu/dept-shakaifukushi> ex:contact [ ex:tel "0765-23-1000" ; ex:room "1階" ] ,
        [ ex:tel "0765-23-1001" ] ."""
    second = """@prefix ex: <https://example.org/contact#> .
    _:b ex:tel "0765-23-1001" .
    <https://w3id.org/jyuso-kb/data/uozu/dept-shakaifukushi> ex:contact _:a , _:b .
    _:a ex:room "1階" ; ex:tel "0765-23-1000" ."""
    changed = first.replace("1階", "2階")
    graphs = []
    for text in (first, second, changed):
        graph = Graph()
        graph += uozu.data
        graph.parse(data=text, format="turtle")
        graphs.append(graph)
    store = Store(tmp_path / "s")
    one, two, other = (store.publish(graph, "x", "contacts", True) for graph in graphs)
    assert one.id == two.id
    assert other.id != one.id
    assert sorted(r.id for r in store.history()) == sorted([one.id, other.id])
    assert isomorphic(store.data(one.id), graphs[1])


@pytest.mark.slow
def test_every_process_follows_the_active_revision(tmp_path: Path, tokens_file: Path, uozu: PlanSource) -> None:
    """Two processes on one store (``--workers 2``): a publish through one reaches the other, and so does a rollback
    through the other."""
    original = Store(tmp_path / "store").publish(uozu.data, "政策担当", "当初の計画", True).id
    settings = Settings(
        store=tmp_path / "store", tokens_file=tokens_file, sparql_workers=1, store_poll=0.05, upload_timeout=120
    )
    auth = {"authorization": f"Bearer {POLICY}", "content-type": "text/turtle"}

    def wait_for(client: TestClient, revision: str) -> None:
        deadline = time.monotonic() + 60  # a limit against a hang: each switch takes a second or two
        while client.get("/health").json()["revision"] != revision:
            assert time.monotonic() < deadline, f"never switched to {revision}"
            time.sleep(0.05)

    with TestClient(create_app(settings, plan=uozu)) as a, TestClient(create_app(settings, plan=uozu)) as b:
        assert a.get("/health").json()["revision"] == b.get("/health").json()["revision"] == original
        changed = a.post(
            "/v1/revisions", content=_turtle(_variant(uozu, cell_on="cell-zeimu-participation")), headers=auth
        )
        assert changed.status_code == 201
        new_id = changed.json()["active"]
        wait_for(b, new_id)
        assert b.get("/v1/departments/dept-zeimu").json()["matrix"]["参加支援"] is True
        route = b.post("/v1/route", json={"needs": ["仕事がない"], "as_of": "2025-10-01"})
        assert route.headers["x-plan-revision"] == new_id
        rollback = b.post(f"/v1/revisions/{original}/activate", headers={"authorization": f"Bearer {POLICY}"})
        assert rollback.status_code == 200
        wait_for(a, original)
        assert a.get("/v1/departments/dept-zeimu").json()["matrix"]["参加支援"] is False


def test_the_change_feed_says_what_changed_since_a_revision(client: TestClient, uozu: PlanSource) -> None:
    auth = {"authorization": f"Bearer {POLICY}", "content-type": "text/turtle"}
    first = client.post("/v1/revisions", content=_turtle(uozu.data), headers=auth).json()["active"]
    second = client.post(
        "/v1/revisions", content=_turtle(_variant(uozu, cell_on="cell-zeimu-participation")), headers=auth
    ).json()["active"]
    feed = client.get("/v1/changes", params={"since": first})
    assert feed.status_code == 200 and feed.headers["access-control-allow-origin"] == "*"
    body = feed.json()
    assert (body["since"], body["revision"]) == (first, second)
    assert body["summary"] == {"added": 0, "removed": 0, "changed": 1}
    assert body["text"].splitlines()[0] == "# 計画の変更点: 追加 0件、削除 0件、変更 1件"
    assert body == client.post("/v1/revisions/diff", json={"old": first, "new": "active"}).json() | {
        "since": first,
        "revision": second,
    }
    # polled again: the same bytes and ETag (built once per active revision); unchanged → 304 without a body
    etag = feed.headers["etag"]
    again = client.get("/v1/changes", params={"since": first}, headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    polls = [client.get("/v1/changes", params={"since": first}) for _ in range(10)]
    assert {(p.status_code, p.content, p.headers["etag"]) for p in polls} == {(200, feed.content, etag)}
    scoped = client.get(f"/v1/municipalities/{UOZU_CODE}/changes", params={"since": first})
    assert scoped.status_code == 200 and scoped.json() == body and scoped.headers["x-municipality-code"] == UOZU_CODE
    unchanged = client.get("/v1/changes", params={"since": second}).json()
    assert unchanged["summary"] == {"added": 0, "removed": 0, "changed": 0}
    missing = client.get("/v1/changes", params={"since": "0000000000000000"})
    assert missing.status_code == 404 and missing.json()["error"]["where"] == "since"
    assert client.get("/v1/changes").status_code == 422
    # a new active revision: the old ETag no longer matches, and the feed names the new revision
    third = client.post(
        "/v1/revisions", content=_turtle(_variant(uozu, cell_on="cell-zeimu-community")), headers=auth
    ).json()["active"]
    later = client.get("/v1/changes", params={"since": first}, headers={"if-none-match": etag})
    assert later.status_code == 200 and later.json()["revision"] == third != second
    assert later.json()["summary"] == {"added": 0, "removed": 0, "changed": 1}
