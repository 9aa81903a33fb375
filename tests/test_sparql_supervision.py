"""The SPARQL workers are supervised: none leaks over plan swaps under load, they end with the server (which frees
its port at once), each exits on SIGTERM, each has a memory limit, and every result is capped in bytes.

Linux only (``/proc``, ``prctl``), like the workers themselves.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import ctypes
import io
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from rdflib import BNode, Graph, Literal, URIRef

from jyuso_kb.plan.source import PlanSource
from jyuso_kb.serve.app import create_app
from jyuso_kb.serve.settings import Settings
from jyuso_kb.serve.sparql_pool import PoolBusy, SparqlLimits, SparqlPool, run_current

from .api_support import ROOT, RealServer, _children, assert_error, free_port

MIB = 1024 * 1024
PREFIXES = "PREFIX uozu: <https://w3id.org/jyuso-kb/data/uozu/>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
LABEL = PREFIXES + 'SELECT ?l WHERE { uozu:prog-outreach rdfs:label ?l FILTER(lang(?l) = "ja") }'
LABEL_BINDINGS = [{"l": {"type": "literal", "value": "アウトリーチ等を通じた継続的支援事業", "xml:lang": "ja"}}]
CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # hours on any plan of this size
ALL_TRIPLES = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
JSON = "application/sparql-results+json"


def _doublings(times: int, project: str) -> str:
    """A query of about a kilobyte whose string ?s{times} is 2**times characters (each BIND doubles the last)."""
    binds = " ".join(f"BIND(CONCAT(?s{i}, ?s{i}) AS ?s{i + 1})" for i in range(times))
    return f'SELECT {project} WHERE {{ BIND("x" AS ?s0) {binds} }}'


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, parent pid, start time) of a process from /proc, or None when there is no such process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()
    return fields[0], int(fields[1]), int(fields[19])


def _live_children(parent: int) -> set[int]:
    """The children of ``parent`` that have not ended (zombies excluded)."""
    found: set[int] = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None and stat[1] == parent and stat[0] not in "ZX":
                found.add(int(entry.name))
    return found


def _dead(pid: int) -> bool:
    stat = _stat(pid)
    return stat is None or stat[0] in "ZX"


def _status_kib(pid: int, key: str) -> int:
    """A ``/proc/<pid>/status`` figure in KiB (VmRSS, VmHWM, VmSize), 0 when the process is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _address_space_limit(pid: int) -> int:
    """The soft RLIMIT_AS of a process in bytes, from /proc/<pid>/limits (-1 when unlimited)."""
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max address space"):
            soft = line.split()[3]
            return -1 if soft == "unlimited" else int(soft)
    raise AssertionError(f"no address-space line for {pid}")


def _wait_until(condition: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return bool(condition())


# ---------------------------------------------------------------------------------------------------------------
# 1. No worker leaks over swaps under load (the pool API, in this process).
# ---------------------------------------------------------------------------------------------------------------

SWAP_WORKERS = 2
SWAPS = 100
FAST = "SELECT ?o WHERE { <urn:x:s7> <urn:x:p1> ?o } ORDER BY ?o"  # 7 and 157: i % 50 == 7 and i % 6 == 1


def _small_plan(revision: int) -> Graph:
    """301 triples: enough for a cross join that runs for hours, few enough to fork fast."""
    graph = Graph()
    for i in range(300):
        graph.add((URIRef(f"urn:x:s{i % 50}"), URIRef(f"urn:x:p{i % 6}"), Literal(i)))
    graph.add((URIRef("urn:x:plan"), URIRef("urn:x:revision"), Literal(revision)))
    return graph


async def _swaps_under_load() -> dict[str, Any]:
    from rdflib.plugins.sparql import algebra, parser  # noqa: F401 - imported once here, not in every fresh worker

    me = os.getpid()
    baseline = _live_children(me)
    plans = [_small_plan(0), _small_plan(1)]
    first = SparqlPool(plans[0], SparqlLimits(workers=SWAP_WORKERS, timeout=0.5))
    first.start()
    pools = [first]
    try:
        return await _swap_under_load(pools, me, baseline, plans)
    finally:  # after a failure too: no worker outlives the test
        for pool in pools:
            if not pool.closed:
                pool.close()


async def _swap_under_load(pools: list[SparqlPool], me: int, baseline: set[int], plans: list[Graph]) -> dict[str, Any]:
    first = pools[0]
    current = [first]
    swaps = 0
    stop = asyncio.Event()
    outcomes: Counter[str] = Counter()
    wrong: list[tuple[str, int, Any]] = []
    alive: list[int] = []
    unknown: list[set[int]] = []
    timeouts_over_a_swap = 0

    def sample() -> int:
        """Every live child of this process that this test forked is a worker some pool holds, and back."""
        mine = _live_children(me) - baseline
        held = {pid for pool in pools for pid in pool.pids()}
        if mine != held:
            unknown.append(mine ^ held)
        alive.append(len(mine))
        return len(mine)

    async def sampler() -> None:
        while not stop.is_set():
            sample()
            await asyncio.sleep(0.02)

    async def client(text: str) -> None:
        nonlocal timeouts_over_a_swap
        while not stop.is_set():
            started = swaps
            try:
                outcome = await run_current(lambda: current[0], text, JSON)
            except PoolBusy:
                outcomes["busy"] += 1
                await asyncio.sleep(0)
                continue
            if outcome is None:
                outcomes["timeout"] += 1
                timeouts_over_a_swap += swaps != started
            elif outcome.status == 200 and text == FAST:
                values = [row["o"]["value"] for row in json.loads(outcome.body)["results"]["bindings"]]
                if values == ["7", "157"]:
                    outcomes["answer"] += 1
                else:
                    wrong.append(("fast", outcome.status, values))
            else:
                wrong.append((text[:20], outcome.status, outcome.error))

    # workers + 1 clients: at most one query per client is in flight, so at most workers + 1 workers of closed pools
    # are still answering while the current pool holds its own: 2 * workers + 1 in all.
    tasks = [asyncio.create_task(client(text)) for text in (CROSS_JOIN, FAST, FAST)]
    watcher = asyncio.create_task(sampler())
    rng = random.Random(20260101)
    after_each_swap: list[int] = []
    try:
        for i in range(SWAPS):
            await asyncio.sleep(rng.uniform(0.05, 0.3))
            old = current[0]
            pool = old.successor(plans[(i + 1) % 2])  # what lifecycle.swap does, without the snapshot build
            pool.start()
            pools.append(pool)
            current[0] = pool
            swaps += 1
            old.close()
            after_each_swap.append(sample())
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks, watcher), timeout=10)
    final = _live_children(me) - baseline
    held_by_closed = [pid for pool in pools[:-1] for pid in pool.pids()]
    current_pids = set(current[0].pids())
    current[0].close()
    after_close = _live_children(me) - baseline
    return {
        "outcomes": outcomes,
        "wrong": wrong,
        "unknown": unknown,
        "alive": alive,
        "after_each_swap": after_each_swap,
        "pids_before_close": final,
        "current_pids": current_pids,
        "held_by_closed": held_by_closed,
        "after_close": after_close,
        "timeouts_over_a_swap": timeouts_over_a_swap,
    }


@pytest.mark.slow
def test_no_worker_leaks_over_100_swaps_under_load(capsys: pytest.CaptureFixture[str]) -> None:
    """Three clients send queries without a pause (one a cross join that passes the 0.5-s limit, so its worker is
    killed and replaced while swaps happen) and the plan is swapped 100 times: every valid query is answered, times
    out or finds the pool busy, never refused; the number of workers never passes 2 × workers + 1 and ends at
    exactly ``workers``, all of them the current pool's."""
    started = time.monotonic()
    result = asyncio.run(asyncio.wait_for(_swaps_under_load(), timeout=60))
    seconds = time.monotonic() - started
    outcomes = result["outcomes"]
    assert result["wrong"] == []
    assert result["unknown"] == [], "a live worker no pool holds, or a held worker that is not alive"
    assert result["held_by_closed"] == []
    assert result["pids_before_close"] == result["current_pids"]
    assert len(result["pids_before_close"]) == SWAP_WORKERS
    assert result["after_close"] == set()
    assert max(result["alive"]) <= 2 * SWAP_WORKERS + 1, max(result["alive"])
    assert outcomes["answer"] >= 100, outcomes
    assert outcomes["timeout"] >= 10, outcomes
    assert result["timeouts_over_a_swap"] >= 10, result["timeouts_over_a_swap"]
    assert seconds < 45, seconds
    with capsys.disabled():
        print(
            f"\n[swaps] {SWAPS} swaps in {seconds:.1f} s; outcomes {dict(outcomes)}; timeouts spanning a swap "
            f"{result['timeouts_over_a_swap']}; workers alive max {max(result['alive'])}, after each swap "
            f"{Counter(result['after_each_swap'])}, at the end {len(result['pids_before_close'])}"
        )


# ---------------------------------------------------------------------------------------------------------------
# 2. Workers end with the server and the port is free at once; a worker ends on SIGTERM.
# ---------------------------------------------------------------------------------------------------------------

KILL_ROUNDS = 20
_PR_SET_CHILD_SUBREAPER = 36


def _server_env() -> dict[str, str]:
    env = {**os.environ, "JYUSO_KB_SPARQL_WORKERS": "2", "NO_PROXY": "127.0.0.1,localhost"}
    for key in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        env.pop(key, None)
    return env


def _serve(port: int, log_path: Path) -> subprocess.Popen[bytes]:
    """``jyuso-kb serve`` on exactly ``port`` (no retry on another port: a port still taken fails the test)."""
    script = Path(sys.executable).parent / "jyuso-kb"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(script), "serve", "--host", "127.0.0.1", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=_server_env(),
            cwd=str(ROOT),
        )
    deadline = time.monotonic() + 60
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=1.0, trust_env=False) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"server exited with {process.returncode}: {log_path.read_text()[-2000:]}")
            with contextlib.suppress(httpx.TransportError):
                if client.get("/health").status_code == 200:
                    return process
            time.sleep(0.05)
    process.kill()
    process.wait(5)
    raise AssertionError(f"server not ready within 60 s: {log_path.read_text()[-2000:]}")


@contextlib.contextmanager
def _subreaper() -> Iterator[None]:
    """While inside, this process adopts the orphans of its descendants (so it can reap the workers of a killed server
    and read how they ended, instead of leaving zombies to an init that may not reap them)."""
    libc = ctypes.CDLL(None, use_errno=True)
    assert libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    try:
        yield
    finally:
        libc.prctl(_PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)


def _ended(pid: int, start: int, how: dict[int, int]) -> bool:
    """Whether the process ``pid`` (started at ``start``) has ended; reaps it (noting its wait status) once it has
    been handed to this process."""
    with contextlib.suppress(ChildProcessError):
        done, status = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            how[pid] = status
            return True
        return False
    stat = _stat(pid)
    return stat is None or stat[2] != start or stat[0] in "ZX"


def _send_cross_join(port: int, into: list[Any]) -> threading.Thread:
    def run() -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30.0, trust_env=False) as client:
            try:
                into.append(client.get("/v1/sparql", params={"query": CROSS_JOIN}))
            except httpx.TransportError as err:
                into.append(err)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _a_worker_running(pids: list[int]) -> int | None:
    for pid in pids:
        stat = _stat(pid)
        if stat is not None and stat[0] == "R":
            return pid
    return None


def _kill_round(port: int, log_path: Path, busy: bool, how: dict[int, int]) -> tuple[float, float, int | None]:
    """Start a server on ``port``, SIGKILL it (with a worker busy on a cross join when ``busy``) and wait for its
    workers to end and the port to be free: (seconds to start, seconds from the kill until every worker had ended,
    the busy worker)."""
    started = time.monotonic()
    server = _serve(port, log_path)
    workers: list[int] = []
    try:
        ready = time.monotonic() - started
        workers = _children(server.pid)
        assert len(workers) == 2, workers
        stats = {pid: _stat(pid) for pid in workers}
        starts = {pid: stat[2] for pid, stat in stats.items() if stat is not None and stat[1] == server.pid}
        assert sorted(starts) == sorted(workers), stats
        answers: list[Any] = []
        thread, running = None, None
        if busy:
            thread = _send_cross_join(port, answers)
            assert _wait_until(lambda: _a_worker_running(workers) is not None, 5), "no worker got the query"
            running = _a_worker_running(workers)
        killed = time.monotonic()
        server.kill()
        server.wait(5)
        gone = _wait_until(lambda: all(_ended(pid, start, how) for pid, start in starts.items()), 2.0)
        assert gone, [(pid, _stat(pid)) for pid in workers]
        ended = time.monotonic() - killed
        with socket.socket() as again:  # what uvicorn does; fails while anything still listens on the port
            again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            again.bind(("127.0.0.1", port))
            again.listen()
        if thread is not None:
            thread.join(10)
            assert answers and isinstance(answers[0], httpx.TransportError), answers
        return ready, ended, running
    finally:  # after a failure too, nothing of this round is left running or unreaped
        if server.poll() is None:
            server.kill()
            server.wait(5)
        for pid in workers:
            if pid not in how:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, os.WNOHANG)


@pytest.mark.slow
def test_workers_end_with_a_killed_server_and_its_port_is_free_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """20 rounds on one port: a server starts there (so the previous round's server left it free), its two workers
    are noted (in every other round one is busy with a cross join), the server is SIGKILLed; within 2 s every worker
    has ended, killed by SIGKILL (the death signal), and the port can be bound again with uvicorn's options."""
    port = free_port()
    how: dict[int, int] = {}
    began = time.monotonic()
    with _subreaper():
        figures = [
            _kill_round(port, tmp_path / f"server-{i}.log", busy=i % 2 == 1, how=how) for i in range(KILL_ROUNDS)
        ]
    seconds = time.monotonic() - began
    starts = [ready for ready, _, _ in figures]
    ends = [ended for _, ended, _ in figures]
    busy = [pid for _, _, pid in figures if pid is not None]
    assert len(busy) == KILL_ROUNDS // 2
    # A busy worker is ended by the death signal. An idle one, waiting on its channel, may see the channel close
    # (the kernel closes a dying process' files before it signals its children) and exit 0 first.
    killed = {pid for pid, status in how.items() if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL}
    exited = {pid for pid, status in how.items() if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0}
    assert killed | exited == set(how), how
    assert set(busy) & set(how) <= killed, (busy, how)
    assert set(busy) & set(how), "no busy worker was handed to this process to reap"
    with capsys.disabled():
        print(
            f"\n[kill rounds] {KILL_ROUNDS} rounds in {seconds:.1f} s; server start {min(starts):.2f}–"
            f"{max(starts):.2f} s; workers gone {max(ends) * 1000:.0f} ms after SIGKILL at most; "
            f"{len(how)}/{2 * KILL_ROUNDS} reaped here: {len(killed)} by SIGKILL (every busy one), {len(exited)} "
            "exited 0 on the closed channel"
        )


def _label(client: httpx.Client) -> None:
    response = client.get("/v1/sparql", params={"query": LABEL})
    assert response.status_code == 200, response.text[:300]
    assert response.json()["results"]["bindings"] == LABEL_BINDINGS


@pytest.mark.slow
def test_a_worker_ends_on_sigterm_and_the_pool_replaces_it(tmp_path: Path) -> None:
    """SIGTERM ends a worker within 2 s, idle or busy. An idle one is replaced when a query next comes to it, and
    that query goes to a live worker (200); a busy one's query is answered at once with the refusal of a worker that
    died on its query (400 sparql_error), not after the time limit. Two live workers remain either way."""
    with (
        RealServer(tmp_path / "server.log", env={"JYUSO_KB_SPARQL_WORKERS": "2"}) as server,
        server.client() as client,
    ):
        assert server.process is not None
        _label(client)
        workers = sorted(_live_children(server.process.pid))
        assert len(workers) == 2, workers
        idle = workers[0]
        os.kill(idle, signal.SIGTERM)
        assert _wait_until(lambda: _dead(idle), 2.0), _stat(idle)
        for _ in range(4):  # each worker at least twice: the dead one is met first or second
            _label(client)
        after = _live_children(server.process.pid)
        assert len(after) == 2 and idle not in after and workers[1] in after, (workers, after)
        assert _stat(idle) is None  # the server reaped it when it replaced it

        answers: list[Any] = []
        thread = _send_cross_join(server.port, answers)
        assert _wait_until(lambda: _a_worker_running(sorted(after)) is not None, 5)
        busy = _a_worker_running(sorted(after))
        assert busy is not None
        signalled = time.monotonic()
        os.kill(busy, signal.SIGTERM)
        assert _wait_until(lambda: _dead(busy), 2.0), _stat(busy)
        thread.join(10)
        answered = time.monotonic() - signalled
        assert answered < 2.0, answered  # the time limit is 5 s
        assert len(answers) == 1 and isinstance(answers[0], httpx.Response), answers
        assert assert_error(answers[0], 400)["code"] == "sparql_error"
        _label(client)
        final = _live_children(server.process.pid)
        assert len(final) == 2 and busy not in final, (after, final)


# ---------------------------------------------------------------------------------------------------------------
# 3. A worker's memory is limited (the app in this process, so its own memory can be read).
# ---------------------------------------------------------------------------------------------------------------


def _watch_peaks(pids: list[int], stop: threading.Event, peaks: dict[int, int]) -> threading.Thread:
    def run() -> None:
        while not stop.is_set():
            for pid in pids:
                peaks[pid] = max(peaks.get(pid, 0), _status_kib(pid, "VmHWM"))
            time.sleep(0.001)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.mark.slow
@pytest.mark.parametrize("memory", [256 * MIB, None], ids=["256MiB", "default"])
def test_string_doublings_past_the_worker_memory_limit_get_422(
    uozu: PlanSource, memory: int | None, capsys: pytest.CaptureFixture[str]
) -> None:
    """A one-kilobyte query whose 30 doublings would need more than 2 GiB: the worker stops at its limit, the answer
    is 422 query_memory in the one error shape, well within the time limit, the worker is replaced and the next query
    is answered; the server's own memory does not grow."""
    query = _doublings(30, "(STRLEN(?s30) AS ?n)")  # ?s30 alone is 1 GiB; ?s29 and the rest as much again
    assert len(query.encode()) < 1100
    settings = Settings(sparql_memory=memory) if memory is not None else Settings()
    me = os.getpid()
    with TestClient(create_app(settings, plan=uozu)) as client:
        pool: SparqlPool = client.app.state.tenants.default.sparql  # type: ignore[attr-defined]
        _label(client)
        before = pool.pids()
        for pid in before:  # the limit is this process' size at fork time plus the allowance
            # a worker sets its limit first thing after the fork: on a busy machine, the one that did not answer the
            # first query may not have run yet
            assert _wait_until(lambda pid=pid: _address_space_limit(pid) != -1, 30), pid
            base = _address_space_limit(pid) - settings.sparql_memory  # this process' size when it forked
            # its peak, not its size now: threads that ended since the fork gave their stacks and arenas back
            assert 0 < base <= _status_kib(me, "VmPeak") * 1024 + 64 * MIB, base
        idle = {pid: _status_kib(pid, "VmRSS") for pid in before}
        own = _status_kib(me, "VmRSS")
        stop, peaks = threading.Event(), dict[int, int]()
        watcher = _watch_peaks(before, stop, peaks)
        started = time.monotonic()
        response = client.post("/v1/sparql", content=query, headers={"content-type": "application/sparql-query"})
        seconds = time.monotonic() - started
        stop.set()
        watcher.join(2)
        error = assert_error(response, 422)
        assert error == {
            "code": "query_memory",
            "message": "クエリが使うメモリが上限を超えたため中止しました。",
            "where": "query",
            "hint": "文字列を繰り返し連結する式や大きな結合を避け、LIMIT を付けてください。",
        }
        assert seconds < settings.sparql_timeout / 2, seconds
        after = pool.pids()
        assert len(after) == 2 and len(set(before) & set(after)) == 1, (before, after)
        (ended,) = set(before) - set(after)
        assert _stat(ended) is None
        _label(client)
        grown = (_status_kib(me, "VmRSS") - own) * 1024
        assert grown < 100 * MIB, grown
        growth = (peaks[ended] - idle[ended]) * 1024
        # at most the allowance, and a few pages the worker had mapped at fork time but not yet touched
        assert growth <= settings.sparql_memory + 32 * MIB, growth
    with capsys.disabled():
        print(
            f"\n[memory {settings.sparql_memory // MIB} MiB] 422 in {seconds:.2f} s; worker RSS {idle[ended] // 1024}"
            f" MiB idle, peak {peaks[ended] // 1024} MiB (+{growth // MIB} MiB); server RSS {grown / MIB:+.1f} MiB"
        )


# ---------------------------------------------------------------------------------------------------------------
# 4. Results are capped in bytes, and say so.
# ---------------------------------------------------------------------------------------------------------------

CAP = 64 * 1024


@pytest.fixture(scope="module")
def capped(uozu: PlanSource) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(sparql_byte_cap=CAP), plan=uozu)) as client:
        yield client


@pytest.fixture(scope="module")
def plan_graph(uozu: PlanSource) -> Graph:
    graph: Graph = uozu.merged()
    return graph


def _ask(client: TestClient, query: str, accept: str) -> httpx.Response:
    response: httpx.Response = client.post(
        "/v1/sparql", content=query, headers={"content-type": "application/sparql-query", "accept": accept}
    )
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith(accept), response.headers["content-type"]
    return response


def _truncated(response: httpx.Response) -> bytes:
    assert response.headers["x-result-truncated"] == "true"
    assert len(response.content) <= CAP, len(response.content)
    return response.content


def _ground(graph: Graph) -> set[tuple[Any, Any, Any]]:
    return {t for t in graph if not any(isinstance(term, BNode) for term in t)}


def _select_rows(body: bytes, fmt: str) -> list[list[str]]:
    """The rows of a SELECT result as lists of values (IRIs and literals as plain text; blank nodes as '_')."""
    if fmt == "json":
        data = json.loads(body)
        assert data["head"]["vars"] == ["s", "p", "o"]
        return [
            [("_" if b[v]["type"] == "bnode" else b[v]["value"]) for v in ("s", "p", "o")]
            for b in data["results"]["bindings"]
        ]
    if fmt == "xml":
        ns = "{http://www.w3.org/2005/sparql-results#}"
        root = ET.fromstring(body)
        assert [v.get("name") for v in root.iter(ns + "variable")] == ["s", "p", "o"]
        rows = []
        for result in root.iter(ns + "result"):
            row = {}
            for binding in result:
                (term,) = list(binding)
                row[binding.get("name")] = "_" if term.tag == ns + "bnode" else term.text or ""
            rows.append([row[v] for v in ("s", "p", "o")])
        return rows
    text = body.decode("utf-8")
    if fmt == "csv":
        table = list(csv.reader(io.StringIO(text, newline="")))
        assert table[0] == ["s", "p", "o"]
        return table[1:]
    lines = text.split("\n")
    assert lines[0] == "?s\t?p\t?o" and lines[-1] == ""
    return [line.split("\t") for line in lines[1:-1]]


SELECT_FORMATS = {
    "json": JSON,
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}


@pytest.mark.parametrize("fmt", list(SELECT_FORMATS))
def test_many_rows_past_the_byte_cap_are_cut_to_fit(capped: TestClient, plan_graph: Graph, fmt: str) -> None:
    full = len(plan_graph)
    assert full < Settings().sparql_row_cap  # the row cap is not what cuts
    body = _truncated(_ask(capped, ALL_TRIPLES, SELECT_FORMATS[fmt]))
    rows = _select_rows(body, fmt)
    assert 0 < len(rows) < full, (len(rows), full)
    assert all(len(row) == 3 for row in rows)
    if fmt == "json":  # the rows are rows of the plan
        known = {(str(s), str(p), str(o)) for s, p, o in _ground(plan_graph)}
        assert all(tuple(row) in known for row in rows if "_" not in row)


@pytest.mark.parametrize("fmt", list(SELECT_FORMATS))
def test_one_row_of_a_mebibyte_string_is_left_off(capped: TestClient, fmt: str) -> None:
    body = _truncated(_ask(capped, _doublings(20, "?s20"), SELECT_FORMATS[fmt]))  # ?s20 is 1 MiB
    if fmt == "json":
        assert json.loads(body) == {"head": {"vars": ["s20"]}, "results": {"bindings": []}}
    elif fmt == "xml":
        root = ET.fromstring(body)
        assert list(root.iter("{http://www.w3.org/2005/sparql-results#}result")) == []
    elif fmt == "csv":
        assert body == b"s20\r\n"
    else:
        assert body == b"?s20\n"


GRAPH_FORMATS = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld"}


@pytest.mark.parametrize("accept", list(GRAPH_FORMATS))
def test_construct_past_the_byte_cap_is_cut_to_fit(capped: TestClient, plan_graph: Graph, accept: str) -> None:
    body = _truncated(_ask(capped, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", accept))
    graph = Graph().parse(data=body.decode("utf-8"), format=GRAPH_FORMATS[accept])
    assert 0 < len(graph) < len(plan_graph), len(graph)
    assert _ground(graph) <= _ground(plan_graph)

    big = _doublings(20, "*").replace("SELECT *", "CONSTRUCT { <urn:x:a> <urn:x:b> ?s20 }", 1)
    body = _truncated(_ask(capped, big, accept))
    assert len(Graph().parse(data=body.decode("utf-8"), format=GRAPH_FORMATS[accept])) == 0


@pytest.mark.parametrize("accept", [*SELECT_FORMATS.values(), *GRAPH_FORMATS])
def test_a_small_result_is_whole_and_says_so(capped: TestClient, accept: str) -> None:
    query = (
        LABEL if accept in SELECT_FORMATS.values() else LABEL.replace("SELECT ?l", "CONSTRUCT { uozu:x rdfs:label ?l }")
    )
    response = _ask(capped, query, accept)
    assert response.headers["x-result-truncated"] == "false"
    assert "アウトリーチ等を通じた継続的支援事業" in response.content.decode("utf-8")
