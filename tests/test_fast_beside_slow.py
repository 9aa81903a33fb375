"""Slow work never starves fast work: with six slow uploads in flight, SPARQL answers within its own limit,
POST /v1/route within a second and the change feed at once (before, all of them shared asyncio's default thread pool:
``ASK {}`` waited over 20 s; the change feed ran in the upload pool and was refused 503 while it was full)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from . import hostile_inputs as hostile
from .api_support import RealServer

SLOW_UPLOADS = 6  # all six running at once: six CPU-bound children on the machine's two cores


@pytest.mark.slow
def test_sparql_and_routing_answer_while_six_slow_uploads_are_in_flight(tmp_path: Path) -> None:
    env = {"JYUSO_KB_UPLOAD_TIMEOUT": "10", "JYUSO_KB_UPLOAD_WORKERS": str(SLOW_UPLOADS)}
    with RealServer(tmp_path / "server.log", env=env) as server:
        body, kind = hostile.symmetric_blank_nodes()
        statuses: list[int] = []

        def upload() -> None:
            with server.client(timeout=60) as client:
                statuses.append(client.post("/v1/validate", content=body, headers={"content-type": kind}).status_code)

        uploads = [threading.Thread(target=upload) for _ in range(SLOW_UPLOADS)]
        for thread in uploads:
            thread.start()
        time.sleep(1.5)  # every upload has been read; its child is busy
        sparql, route, feed = [], [], []
        with server.client(timeout=30) as client:
            active = client.get("/health").json()["revision"]
            for _ in range(3):
                started = time.monotonic()
                answer = client.get("/v1/sparql", params={"query": "ASK {}"})
                sparql.append((answer.status_code, time.monotonic() - started))
                started = time.monotonic()
                answer = client.post("/v1/route", json={"needs": ["ひきこもり", "親の介護"]})
                route.append((answer.status_code, time.monotonic() - started))
                started = time.monotonic()
                answer = client.get("/v1/changes", params={"since": active})
                feed.append((answer.status_code, time.monotonic() - started))
            still_running = sum(thread.is_alive() for thread in uploads)
        for thread in uploads:
            thread.join(timeout=60)
    assert still_running == SLOW_UPLOADS, statuses  # measured while all six were in flight (statuses: who ended early)
    assert [status for status, _ in sparql] == [200, 200, 200]
    assert max(seconds for _, seconds in sparql) < 5.0, sparql  # the SPARQL time limit
    assert [status for status, _ in route] == [200, 200, 200]
    assert max(seconds for _, seconds in route) < 1.0, route
    assert [status for status, _ in feed] == [200, 200, 200]
    assert max(seconds for _, seconds in feed) < 5.0, feed
    assert sorted(statuses) == [422] * SLOW_UPLOADS  # each stopped at its own time limit


def test_the_service_uses_no_shared_default_thread_pool() -> None:
    """Every ``run_in_executor`` in the service names its own executor; nothing calls ``asyncio.to_thread``."""
    source = Path(__file__).resolve().parents[1] / "src" / "jyuso_kb" / "serve"
    offending = [
        f"{path.name}:{number}"
        for path in sorted(source.glob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "to_thread(" in line or "run_in_executor(None" in line
    ]
    assert offending == []
