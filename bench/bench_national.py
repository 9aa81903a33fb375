"""The national catalog from one service: load, start (cache miss and hit), memory, and one municipality's latency with
1,741 municipalities served against 1, in one run.

    .venv/bin/python bench/bench_national.py [--count 1741] [--work /tmp/jyuso-national] [--rounds 200] [--touch 40]

1. Writes the synthetic catalog (``bench/national_catalog.py``, seed 0) unless ``--work``/catalog holds it, and
   times the national store's first build and an unchanged rebuild (``national.build``, in a child process).
2. Starts ``jyuso-kb serve --data <catalog>`` with the national store (a real server on a loopback port) with no
   snapshot cache: time to ``/health``, then to a first 200 from ``POST /v1/municipalities/<X>/route`` (503
   ``plan_loading`` in between: a cache miss, built in a child); then starts it again (cache hit): time to
   ``/health`` and to X's first route. The server's RSS after asking ``--touch`` municipalities (each built once).
3. Latency of X's route and who-handles with 1,741 served against a server of X alone (same code path: the national
   store with one municipality), over HTTP and in-process (TestClient), alternating request by request so that a
   noisy moment hits both; the ratio of the medians and of the 90th percentiles.
4. A SPARQL question on Oxigraph against rdflib over the same data (``--sparql-plans`` municipalities; rdflib cannot
   hold all 1,741: 148 s and 4.5 GB measured), and the nationwide form on Oxigraph alone.

Machines here are noisy: quote the ratios against the baseline of the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

from jyuso_kb.store import national

ROOT = Path(__file__).resolve().parents[1]
HOUSEHOLD = {"needs": ["8050", "ひきこもり"], "consent": True}
WHO = {"q": "税金を滞納している"}
PROGRAMS_BY_PREFECTURE = """PREFIX jy: <https://w3id.org/jyuso-kb/ontology#>
SELECT ?prefecture (COUNT(DISTINCT ?m) AS ?municipalities) (COUNT(DISTINCT ?p) AS ?programs) WHERE {
  ?m a jy:Municipality ; jy:prefecture ?prefecture . FILTER(lang(?prefecture) = "ja")
  ?plan jy:municipality ?m . ?p a jy:ImplementingProgram ; jy:plan ?plan .
} GROUP BY ?prefecture ORDER BY ?prefecture"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def catalog(work: Path, count: int) -> Path:
    folder = work / "catalog"
    if not folder.is_dir() or len(list(folder.iterdir())) != count:
        shutil.rmtree(folder, ignore_errors=True)
        sys.path.insert(0, str(ROOT / "bench"))
        from national_catalog import generate

        generate(folder, count, 0)
    return folder


BUILD = """
import json, resource, sys, time
from pathlib import Path
from jyuso_kb.store import national
started = time.perf_counter()
manifest = national.build([Path(sys.argv[1])], Path(sys.argv[2]))
print(json.dumps({"seconds": time.perf_counter() - started, "municipalities": len(manifest.entries),
    "triples": sum(e.triples for e in manifest.entries),
    "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def build(folder: Path, store: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", BUILD, str(folder), str(store)], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def du(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


class Server:
    """``jyuso-kb serve`` on a loopback port with the national store; stopped on exit."""

    def __init__(self, data: Path, store: Path, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        env.update(JYUSO_KB_NATIONAL_STORE=str(store), JYUSO_KB_DATA=str(data), JYUSO_KB_SPARQL_WORKERS="1")
        script = Path(sys.executable).parent / "jyuso-kb"
        self.started = time.perf_counter()
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [str(script), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.client = httpx.Client(base_url=self.url, timeout=120, trust_env=False)

    def health(self, limit: float = 600) -> float:
        while time.perf_counter() - self.started < limit:
            if self.process.poll() is not None:
                raise SystemExit(f"server exited with {self.process.returncode}")
            try:
                if self.client.get("/health").status_code == 200:
                    return time.perf_counter() - self.started
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise SystemExit("server not ready")

    def first_route(self, code: str) -> tuple[float, int]:
        """Seconds until the first 200, and how many 503 plan_loading came before it."""
        started, retries = time.perf_counter(), 0
        while True:
            response = self.client.post(f"/v1/municipalities/{code}/route", json=HOUSEHOLD)
            if response.status_code == 200:
                return time.perf_counter() - started, retries
            assert response.status_code == 503 and response.json()["error"]["code"] == "plan_loading", response.text
            retries += 1
            time.sleep(0.1)

    def rss_mib(self) -> float:
        text = Path(f"/proc/{self.process.pid}/status").read_text()
        return next(int(line.split()[1]) for line in text.splitlines() if line.startswith("VmRSS:")) / 1024

    def stop(self) -> None:
        self.client.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


def timed(call: object) -> float:
    started = time.perf_counter()
    response = call()  # type: ignore[operator]
    assert response.status_code == 200, response.text
    return (time.perf_counter() - started) * 1000


def latency(pairs: list[tuple[object, object]], rounds: int) -> list[dict[str, list[float]]]:
    """Per pair, alternating: each round asks the many-municipality target, then the one-municipality one."""
    every = []
    for call_many, call_one in pairs:
        found: dict[str, list[float]] = {"many": [], "one": []}
        for _ in range(10):  # warm-up
            timed(call_many), timed(call_one)
        for _ in range(rounds):
            found["many"].append(timed(call_many))
            found["one"].append(timed(call_one))
        every.append(found)
    return every


def ratios(found: dict[str, list[float]]) -> str:
    def p90(xs: list[float]) -> float:
        return sorted(xs)[int(len(xs) * 0.9)]

    many, one = found["many"], found["one"]
    return (
        f"median {statistics.median(many):.2f} vs {statistics.median(one):.2f} ms "
        f"(×{statistics.median(many) / statistics.median(one):.2f}), p90 {p90(many):.2f} vs {p90(one):.2f} ms "
        f"(×{p90(many) / p90(one):.2f})"
    )


def http_pairs(code: str, many: Server, one: Server) -> list[tuple[object, object]]:
    def route(server: Server, path: str) -> object:
        return lambda: server.client.post(path, json=HOUSEHOLD)

    def who(server: Server, path: str) -> object:
        return lambda: server.client.get(path, params=WHO)

    scoped = f"/v1/municipalities/{code}"
    return [
        (route(many, f"{scoped}/route"), route(one, f"{scoped}/route")),
        (who(many, f"{scoped}/who-handles"), who(one, f"{scoped}/who-handles")),
    ]


IN_PROCESS = """
import json, statistics, sys, time
from pathlib import Path
from fastapi.testclient import TestClient
from jyuso_kb.serve.app import create_app
from jyuso_kb.serve.settings import Settings
many_data, many_store, one_data, one_store, code, rounds = sys.argv[1:7]
household = {"needs": ["8050", "ひきこもり"], "consent": True}
def app(data, store):
    return TestClient(create_app(Settings(data=(Path(data),), national_store=Path(store), sparql_workers=1, plan_wait=600)))
every = []
with app(many_data, many_store) as many, app(one_data, one_store) as one:
    calls = []
    for client in (many, one):
        calls.append((lambda c=client: c.post(f"/v1/municipalities/{code}/route", json=household),
                      lambda c=client: c.get(f"/v1/municipalities/{code}/who-handles", params={"q": "税金を滞納している"})))
    for index in range(2):
        found = {"many": [], "one": []}
        every.append(found)
        for _ in range(10):
            calls[0][index](), calls[1][index]()
        for _ in range(int(rounds)):
            for key, client_calls in (("many", calls[0]), ("one", calls[1])):
                started = time.perf_counter()
                assert client_calls[index]().status_code == 200
                found[key].append((time.perf_counter() - started) * 1000)
print(json.dumps(every))
"""


def in_process(catalog_dir: Path, store: Path, one_dir: Path, one_store: Path, code: str, rounds: int) -> str:
    args = [str(catalog_dir), str(store), str(one_dir), str(one_store), code, str(rounds)]
    out = subprocess.run([sys.executable, "-c", IN_PROCESS, *args], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    route, who = json.loads(out.stdout.strip().splitlines()[-1])
    return f"route {ratios(route)}; who-handles {ratios(who)}"


SPARQL = """
import json, statistics, sys, time
from pathlib import Path
import pyoxigraph as ox
from rdflib import Graph
from jyuso_kb.plan.load import load_plan
from jyuso_kb.store import national
folders, store, query = [Path(p) for p in sys.argv[1].split(",")], Path(sys.argv[2]), sys.argv[3]
graph = Graph()
for folder in folders:
    graph += load_plan([folder]).data
national.build(folders, store)
oxi = ox.Store.read_only(str(national.oxigraph_dir(store)))
def best(run, n=5):
    times = []
    for _ in range(n):
        started = time.perf_counter(); rows = run(); times.append((time.perf_counter() - started) * 1000)
    return min(times), rows
rdflib_ms, rdflib_rows = best(lambda: len(list(graph.query(query))))
oxi_ms, oxi_rows = best(lambda: len(list(oxi.query(query, use_default_graph_as_union=True))))
print(json.dumps({"rdflib_ms": rdflib_ms, "oxigraph_ms": oxi_ms, "rows": [rdflib_rows, oxi_rows], "triples": len(graph)}))
"""


def sparql_against_rdflib(catalog_dir: Path, work: Path, plans: int) -> dict[str, float]:
    folders = ",".join(
        str(p) for p in sorted(catalog_dir.iterdir())[:: max(1, len(list(catalog_dir.iterdir())) // plans)][:plans]
    )
    store = work / f"store-{plans}"
    shutil.rmtree(store, ignore_errors=True)
    out = subprocess.run(
        [sys.executable, "-c", SPARQL, folders, str(store), PROGRAMS_BY_PREFECTURE], capture_output=True, text=True
    )
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def nationwide(store: Path) -> float:
    import pyoxigraph as ox

    oxi = ox.Store.read_only(str(national.oxigraph_dir(store)))
    times = []
    for _ in range(3):
        started = time.perf_counter()
        rows = list(oxi.query(PROGRAMS_BY_PREFECTURE, use_default_graph_as_union=True))
        times.append(time.perf_counter() - started)
    assert len(rows) == 47, len(rows)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1741)
    parser.add_argument("--work", type=Path, default=Path("/tmp/jyuso-national"))
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--touch", type=int, default=40)
    parser.add_argument("--sparql-plans", type=int, default=50)
    args = parser.parse_args()
    work: Path = args.work
    work.mkdir(parents=True, exist_ok=True)
    folder = catalog(work, args.count)
    codes = sorted(p.name for p in folder.iterdir())
    code = codes[len(codes) // 2]  # X: a municipality in the middle, never the default (the first)
    store = work / "store"
    shutil.rmtree(store, ignore_errors=True)
    first, again = build(folder, store), build(folder, store)
    print(
        f"national store: {first['municipalities']:.0f} municipalities, {first['triples']:,.0f} triples: first build "
        f"{first['seconds']:.1f} s (RSS {first['rss_mib']:.0f} MiB), unchanged rebuild {again['seconds']:.2f} s, "
        f"{du(national.oxigraph_dir(store)):.0f} MiB on disk"
    )
    print(f"nationwide count per prefecture on Oxigraph: {nationwide(store):.2f} s")
    compared = sparql_against_rdflib(folder, work, args.sparql_plans)
    print(
        f"the same question over {args.sparql_plans} municipalities ({compared['triples']:,.0f} triples): rdflib "
        f"{compared['rdflib_ms']:.0f} ms, Oxigraph {compared['oxigraph_ms']:.1f} ms "
        f"(×{compared['rdflib_ms'] / compared['oxigraph_ms']:.0f})"
    )
    shutil.rmtree(store / "snapshots", ignore_errors=True)
    cold = Server(folder, store, work / "cold.log")
    try:
        ready = cold.health()
        first_route, retries = cold.first_route(code)
        print(
            f"start, no snapshot cache: /health after {ready:.1f} s; {code}'s first route after {first_route:.1f} s ({retries} × 503 plan_loading)"
        )
    finally:
        cold.stop()
    warm = Server(folder, store, work / "warm.log")
    try:
        ready = warm.health()
        first_route, retries = warm.first_route(code)
        print(
            f"start, snapshot cache filled: /health after {ready:.1f} s; {code}'s first route after {first_route * 1000:.0f} ms ({retries} × 503)"
        )
        base = warm.rss_mib()
        for other in codes[1 : 1 + args.touch]:
            warm.first_route(other)
        print(
            f"server RSS: {base:.0f} MiB after start, {warm.rss_mib():.0f} MiB after asking {args.touch} more municipalities (32 resident)"
        )
        one_dir = work / "one"
        shutil.rmtree(one_dir, ignore_errors=True)
        one_dir.mkdir()
        (one_dir / code).symlink_to(folder / code)
        one_store = work / "one-store"
        shutil.rmtree(one_store, ignore_errors=True)
        one = Server(one_dir, one_store, work / "one.log")
        try:
            one.health()
            warm.first_route(code)
            route, who = latency(http_pairs(code, warm, one), args.rounds)
            print(f"over HTTP, {args.count} served vs 1: route {ratios(route)}; who-handles {ratios(who)}")
        finally:
            one.stop()
    finally:
        warm.stop()
    print(f"in-process, {args.count} served vs 1: {in_process(folder, store, one_dir, one_store, code, args.rounds)}")


if __name__ == "__main__":
    main()
