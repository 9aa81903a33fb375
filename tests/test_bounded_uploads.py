"""Every upload is bounded in time and memory: one test per hostile class found by probing the service.

Uploads (validate, publish, diff, and the trial load before an activation) run in a forked child with a wall-time and
a memory limit; the answer is the one error shape with 413 / 422 / 503. Here the time limit is 2 s (the service's
default is 30 s) so that the exponential and the slow classes cost the suite little.
"""

from __future__ import annotations

import glob
import os
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from jyuso_kb.formats.export import to_turtle
from jyuso_kb.plan.source import PlanSource
from jyuso_kb.serve.app import create_app
from jyuso_kb.serve.settings import Settings

from . import hostile_inputs as hostile
from .api_support import RealServer, _children, assert_error
from .test_revisions import POLICY, _write_tokens

LIMIT = 2.0  # seconds: the upload time limit of the apps below
SLACK = 3.0  # seconds past the limit an answer may take on a loaded machine (pytest-xdist on 2 cores)
PATHS = ("/v1/validate", "/v1/revisions", "/v1/revisions/diff")
AUTH = {"authorization": f"Bearer {POLICY}"}


@pytest.fixture(scope="module")
def bounded(tmp_path_factory: pytest.TempPathFactory, uozu: PlanSource) -> Iterator[TestClient]:
    folder = tmp_path_factory.mktemp("bounded")
    settings = Settings(
        store=folder / "store",
        tokens_file=_write_tokens(folder / "tokens.json"),
        sparql_workers=1,
        upload_timeout=LIMIT,
    )
    with TestClient(create_app(settings, plan=uozu)) as client:
        yield client


@pytest.fixture(scope="module")
def generous(uozu: PlanSource) -> Iterator[TestClient]:
    """For uploads that must be answered: a time limit no loaded machine reaches, since what such a test checks is a
    precheck letting them through, not how fast validation runs on 2 busy cores."""
    with TestClient(create_app(Settings(sparql_workers=1, upload_timeout=60), plan=uozu)) as client:
        yield client


def _post(client: TestClient, path: str, body: bytes, content_type: str) -> tuple[httpx.Response, float]:
    headers = {"content-type": content_type, **(AUTH if path == "/v1/revisions" else {})}
    started = time.monotonic()
    response = client.post(path, content=body, headers=headers)
    return response, time.monotonic() - started


def _scratch() -> set[str]:
    return set(glob.glob(os.path.join(tempfile.gettempdir(), f"jyuso-kb-job-{os.getpid()}-*")))


def _settled(before: set[int], seconds: float = 2.0) -> set[int]:
    """This process' descendants that were not there before, once they had ``seconds`` to go."""
    deadline = time.monotonic() + seconds
    while True:
        extra = set(_children(os.getpid())) - before
        if not extra or time.monotonic() > deadline:
            return extra
        time.sleep(0.05)


# ---- exponential canonical relabelling ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/v1/validate", "/v1/revisions"])  # the diff does not relabel blank nodes
def test_symmetric_blank_nodes_stop_at_the_time_limit_and_leave_nothing_running(bounded: TestClient, path: str) -> None:
    body, kind = hostile.symmetric_blank_nodes()
    assert len(body) < 1024  # a few hundred bytes
    processes, scratch = set(_children(os.getpid())), _scratch()
    response, seconds = _post(bounded, path, body, kind)
    error = assert_error(response, 422)
    assert error == {
        "code": "too_slow",
        "message": f"処理が時間の上限({LIMIT:g} 秒)を超えたため中止しました。",
        "where": "body",
        "hint": "空白ノードの入れ子や大きなリスト ( … ) を IRI で書いた文に分けてください。",
    }
    assert LIMIT <= seconds < LIMIT + SLACK
    assert _settled(processes) == set()  # the child was killed: no core stays busy
    assert _scratch() - scratch == set()  # its scratch folder was removed
    assert bounded.get("/health").status_code == 200


def test_a_small_symmetric_graph_is_still_answered(generous: TestClient) -> None:
    body, kind = hostile.symmetric_blank_nodes(cycles=2, length=3)
    response, _ = _post(generous, "/v1/validate", body, kind)
    assert response.status_code == 200
    assert response.json()["conforms"] is False


# ---- amplification the old prechecks did not see ------------------------------------------------------------


@pytest.mark.parametrize("mib", [1.0, 0.25])
def test_a_turtle_collection_counts_two_triples_per_item(bounded: TestClient, mib: float) -> None:
    body, kind = hostile.long_collection(mib)
    response, seconds = _post(bounded, "/v1/validate", body, kind)
    assert assert_error(response, 422)["code"] == "too_many_triples"
    assert seconds < SLACK  # refused by the precheck, before any parser


def test_a_short_collection_is_plain_data(generous: TestClient) -> None:
    response, _ = _post(generous, "/v1/validate", b"<urn:s> <urn:p> ( 1 2 3 ) .", hostile.TURTLE)
    assert response.status_code == 200
    assert response.json()["diff"]["summary"] is not None


@pytest.mark.parametrize("kind", [hostile.XLSX, "application/zip"])
def test_a_small_workbook_that_unpacks_to_90_mib_gets_413(bounded: TestClient, kind: str) -> None:
    body, _ = hostile.workbook_bomb(90)
    assert len(body) < 512 * 1024
    response, seconds = _post(bounded, "/v1/validate", body, kind)
    error = assert_error(response, 413)
    assert error["code"] == "too_large"
    assert error["message"] == "zip の中身が多すぎるか大きすぎます(展開後の上限 32 MiB)。"
    assert seconds < SLACK


def test_json_ld_scoped_contexts_stop_at_the_time_limit(bounded: TestClient) -> None:
    body, kind = hostile.scoped_contexts()
    assert len(body) < 600 * 1024
    processes = set(_children(os.getpid()))
    response, seconds = _post(bounded, "/v1/validate", body, kind)
    assert assert_error(response, 422)["code"] == "too_slow"
    assert LIMIT <= seconds < LIMIT + SLACK
    assert _settled(processes) == set()


def test_json_ld_with_many_contexts_is_refused_before_parsing(bounded: TestClient) -> None:
    nodes = ",".join(f'{{"@context": {{"p": "urn:p"}}, "@id": "urn:n{i}", "p": "x"}}' for i in range(9))
    response, _ = _post(bounded, "/v1/validate", f'{{"@graph": [{nodes}]}}'.encode(), hostile.JSONLD)
    error = assert_error(response, 422)
    assert error["code"] == "too_many_contexts"
    assert error["message"] == "@context が多すぎます(上限 8 個)。"


# ---- deep nesting (a RecursionError was a 500) ----------------------------------------------------------------

DEEP = {
    "json-ld-400": hostile.deep_jsonld(400),
    "json-5000": (hostile.deep_json(5000), hostile.JSONLD),
    "turtle-300": hostile.deep_turtle(300),
}


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("case", sorted(DEEP))
def test_deep_nesting_gets_422_everywhere(bounded: TestClient, path: str, case: str) -> None:
    body, kind = DEEP[case]
    response, seconds = _post(bounded, path, body, kind)
    error = assert_error(response, 422)
    assert error == {
        "code": "too_deep",
        "message": "入れ子が深すぎます(上限 64 段)。",
        "where": "body",
        "hint": "空白ノード [ ] やリスト ( )、JSON の入れ子を浅くしてください。",
    }
    assert seconds < SLACK


def test_deep_plain_json_to_the_diff_by_ids_gets_422(bounded: TestClient) -> None:
    response, _ = _post(bounded, "/v1/revisions/diff", hostile.deep_json(5000), "application/json")
    error = assert_error(response, 422)
    assert error["code"] == "too_deep"
    assert error["where"] == "body"


@pytest.mark.parametrize("builder", [hostile.deep_jsonld, hostile.deep_turtle])
def test_nesting_within_the_limit_is_read(generous: TestClient, builder: Any) -> None:
    body, kind = builder(60)
    response, _ = _post(generous, "/v1/validate", body, kind)
    assert response.status_code == 200, response.text[:300]


# ---- the memory limit, and the queue --------------------------------------------------------------------------


def test_an_upload_past_its_memory_limit_gets_413_and_the_server_goes_on(uozu: PlanSource) -> None:
    """9.5 MiB of short literals (within every precheck) need several hundred MiB to parse and check: with an
    allowance of 64 MiB the child's allocations fail, whatever memory the server process happens to have free."""
    # a generous time limit: what must stop this upload is its memory limit, however loaded the machine is
    settings = Settings(sparql_workers=1, upload_memory=64 * 1024 * 1024, upload_timeout=60)
    body, kind = hostile.many_literals()
    with TestClient(create_app(settings, plan=uozu)) as client:
        before = _rss()
        response, seconds = _post(client, "/v1/validate", body, kind)
        error = assert_error(response, 413)
        assert error == {
            "code": "too_much_memory",
            "message": "処理に必要なメモリが上限(64 MiB)を超えたため中止しました。",
            "where": "body",
            "hint": "計画のデータだけを送ってください。大きな表やリストは分けてください。",
        }
        assert seconds < settings.upload_timeout  # ended by its memory limit, before its time limit
        assert _rss() - before < 100 * 1024 * 1024  # the work was the child's, not the server's
        assert client.post("/v1/route", json={"needs": ["ひきこもり"]}).status_code == 200


def _rss() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS:"))


def test_the_real_plan_validates_within_the_default_limits(api: TestClient, uozu: PlanSource) -> None:
    response = api.post("/v1/validate", content=to_turtle(uozu.data).encode(), headers={"content-type": "text/turtle"})
    assert response.status_code == 200
    assert response.json()["conforms"] is True


def test_uploads_queue_with_their_own_limit_and_the_excess_gets_503(uozu: PlanSource) -> None:
    """One upload at a time, one waiting: of three slow uploads sent together, the third is refused at once."""
    settings = Settings(sparql_workers=1, upload_workers=1, upload_queue=1, upload_wait=10, upload_timeout=LIMIT)
    body, kind = hostile.symmetric_blank_nodes()
    results: dict[int, tuple[int, str, str, float]] = {}
    with TestClient(create_app(settings, plan=uozu)) as client:

        def send(n: int) -> None:
            started = time.monotonic()
            r = client.post("/v1/validate", content=body, headers={"content-type": kind})
            results[n] = (
                r.status_code,
                r.json()["error"]["code"],
                r.headers.get("retry-after", ""),
                time.monotonic() - started,
            )

        threads = [threading.Thread(target=send, args=(n,)) for n in range(3)]
        for thread in threads:
            thread.start()
            time.sleep(0.4)  # in this order: the first runs, the second waits, the third finds the queue full
        for thread in threads:
            thread.join(timeout=4 * LIMIT + 10)
    assert [results[n][:3] for n in range(3)] == [
        (422, "too_slow", ""),
        (422, "too_slow", ""),
        (503, "busy", "5"),
    ]
    assert results[2][3] < 1.0  # refused without waiting
    assert results[1][3] >= 2 * LIMIT - 0.5  # waited for its turn, then ran its own time


def _pid_of_child(scratch: Path) -> int:
    time.sleep(0.3)  # long enough for all of a burst to be in flight together
    return os.getpid()


def test_a_burst_of_as_many_uploads_as_workers_never_waits_or_gets_503() -> None:
    """Three uploads arriving in the same instant with three workers and room for one waiting: each takes a free
    turn at once (before, each counted as waiting while it took its turn, and the second got 503 busy)."""
    import asyncio

    from jyuso_kb.serve.bounded import Jobs, Limits

    async def burst() -> list[int]:
        jobs = Jobs(Limits(workers=3, queue=1, wait=5, seconds=30))
        try:
            return list(await asyncio.gather(*(jobs.run(_pid_of_child) for _ in range(3))))
        finally:
            jobs.close()

    started = time.monotonic()
    pids = asyncio.run(burst())
    assert len(set(pids)) == 3 and os.getpid() not in pids  # three children, side by side
    assert time.monotonic() - started < 0.3 * 3  # not one after another


# ---- a real server: the client going away, and SIGTERM --------------------------------------------------------


def _request(port: int, body: bytes, content_type: str) -> socket.socket:
    conn = socket.create_connection(("127.0.0.1", port), timeout=5)
    head = (
        f"POST /v1/validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    conn.sendall(head.encode() + body)
    return conn


def _job_started(server: RealServer, before: set[int]) -> set[int]:
    assert server.process is not None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        extra = set(_children(server.process.pid)) - before
        if extra:
            return extra
        time.sleep(0.05)
    raise AssertionError("no upload job started")


def _gone(pids: set[int], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(Path(f"/proc/{pid}").exists() for pid in pids):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
def test_the_job_stops_when_the_client_goes_away(tmp_path: Path) -> None:
    env = {"JYUSO_KB_UPLOAD_TIMEOUT": "60", "JYUSO_KB_SPARQL_WORKERS": "1"}
    with RealServer(tmp_path / "server.log", env=env) as server:
        assert server.process is not None
        before = set(_children(server.process.pid))
        body, kind = hostile.symmetric_blank_nodes()
        conn = _request(server.port, body, kind)
        job = _job_started(server, before)
        time.sleep(0.5)
        conn.close()
        assert _gone(job, 3.0), "the upload's child kept running after its client left"
        with server.client(timeout=2) as client:
            assert client.get("/health").status_code == 200


@pytest.mark.slow
def test_sigterm_with_an_upload_in_flight_ends_the_server_and_its_children(tmp_path: Path) -> None:
    env = {"JYUSO_KB_UPLOAD_TIMEOUT": "60", "JYUSO_KB_SPARQL_WORKERS": "1"}
    with RealServer(tmp_path / "server.log", env=env) as server:
        assert server.process is not None
        process = server.process
        before = set(_children(process.pid))
        body, kind = hostile.symmetric_blank_nodes()
        conn = _request(server.port, body, kind)
        job = _job_started(server, before)
        started = time.monotonic()
        process.terminate()
        process.wait(timeout=20)
        took = time.monotonic() - started
        conn.close()
        assert _gone(job | before, 2.0)
    assert took < 12  # the graceful-shutdown limit (10 s), not the upload's 60 s


def test_activating_a_stored_revision_is_bounded_too(tmp_path: Path, uozu: PlanSource) -> None:
    """The activation loads the stored revision once in a bounded child before the server swaps it in: past the
    memory allowance it gets 413, and the active revision stays."""
    from jyuso_kb.store.revisions import Store

    store = Store(tmp_path / "store")
    other = store.publish(_with_many_notes(uozu), "政策担当", "", True)
    active = store.publish(uozu.data, "政策担当", "", True)
    settings = Settings(
        store=tmp_path / "store",
        tokens_file=_write_tokens(tmp_path / "tokens.json"),
        sparql_workers=1,
        upload_memory=16 * 1024 * 1024,
        upload_timeout=60,  # what must stop the activation is the memory limit, however loaded the machine is
    )
    with TestClient(create_app(settings, plan=uozu)) as client:
        response = client.post(f"/v1/revisions/{other.id}/activate", headers=AUTH)
        assert assert_error(response, 413)["code"] == "too_much_memory"
        assert client.get("/health").json()["revision"] == active.id
    assert store.active_id() == active.id


def _with_many_notes(uozu: PlanSource) -> Any:
    """The plan with 150,000 extra notes: loading it needs more than the memory the child inherits unused."""
    from rdflib import Graph, Literal, URIRef

    graph = Graph()
    graph += uozu.data
    for n in range(150_000):
        graph.add((URIRef(f"urn:note:{n}"), URIRef("urn:note:text"), Literal(f"メモ {n:08d}")))
    return graph
