"""What per-prefecture stores joined with SERVICE would cost, against one national store, in one run.

    .venv/bin/python bench/bench_federation.py --store /tmp/jyuso-national/store [--rounds 5]

Splits the national store (``bench/bench_national.py`` builds it) in two Oxigraph stores by prefecture (01–23 and
24–47), serves the second with ``oxigraph serve-read-only`` on a loopback port, and asks the first the nationwide
count per prefecture with the second half behind ``SERVICE``; the same question on the one national store is the
baseline. Also times a checkpoint of the national store (``Store.backup``: how a replica gets a copy) and its size.
The service itself never runs SERVICE (it refuses it): this measures a design it does not use.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from jyuso_kb.store import national

COUNT = """PREFIX jy: <https://w3id.org/jyuso-kb/ontology#>
SELECT ?prefecture (COUNT(DISTINCT ?p) AS ?programs) WHERE {{
  {{ {inner} }}
}} GROUP BY ?prefecture ORDER BY ?prefecture"""
PATTERN = """?m a jy:Municipality ; jy:prefecture ?prefecture . FILTER(lang(?prefecture) = "ja")
  ?plan jy:municipality ?m . ?p a jy:ImplementingProgram ; jy:plan ?plan ."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def split(source: ox.Store, entries: list[national.Entry], east: Path, west: Path) -> None:
    """Copy each municipality's graph (and the vocabulary) to the store of its half, as a default-graph union."""
    halves = {code: (east if int(code[:2]) <= 23 else west) for code in (e.code for e in entries)}
    stores = {east: ox.Store(str(east)), west: ox.Store(str(west))}
    for code, target in halves.items():
        graph = ox.NamedNode(national.municipality_graph(code))
        stores[target].bulk_extend(
            ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph())
            for q in source.quads_for_pattern(None, None, None, graph)
        )
    for store in stores.values():
        store.flush()


def best(run: object, rounds: int) -> tuple[float, int]:
    times, rows = [], 0
    for _ in range(rounds):
        started = time.perf_counter()
        rows = len(list(run()))  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return min(times) * 1000, rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    manifest = national.read_manifest(args.store)
    whole = ox.Store.read_only(str(national.oxigraph_dir(args.store)))
    baseline_ms, baseline_rows = best(
        lambda: whole.query(COUNT.format(inner=PATTERN), use_default_graph_as_union=True), args.rounds
    )
    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        whole.backup(str(Path(scratch) / "replica"))
        backup_s = time.perf_counter() - started
        size = sum(p.stat().st_size for p in (Path(scratch) / "replica").rglob("*") if p.is_file()) / 2**20
        shutil.rmtree(Path(scratch) / "replica")
        east, west = Path(scratch) / "east", Path(scratch) / "west"
        split(whole, list(manifest.entries), east, west)
        port = free_port()
        binary = Path(sys.executable).parent / "oxigraph"
        server = subprocess.Popen(
            [str(binary), "serve-read-only", "--location", str(west), "--bind", f"127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(2)
            local = ox.Store.read_only(str(east))
            federated = COUNT.format(
                inner=f"{{ {PATTERN} }} UNION {{ SERVICE <http://127.0.0.1:{port}/query> {{ {PATTERN} }} }}"
            )
            federated_ms, federated_rows = best(lambda: local.query(federated), args.rounds)
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"one national store: {baseline_ms:.0f} ms, {baseline_rows} prefectures")
    print(
        f"two stores by prefecture joined with SERVICE: {federated_ms:.0f} ms, {federated_rows} prefectures "
        f"(×{federated_ms / baseline_ms:.2f})"
    )
    print(f"a checkpoint of the national store (a replica's copy): {backup_s:.2f} s, {size:.0f} MiB")


if __name__ == "__main__":
    main()
