"""Start time and memory of one service with 3 municipalities against the same service with 1, in the same run.

    .venv/bin/python bench/bench_municipalities.py [--rounds 3] [--sparql-workers 2]

Each round starts the app in a fresh process (TestClient, so the lifespan runs: load → rules → index → SPARQL
workers forked) once with 魚津市 alone and once with 魚津市, 架空町 and a third plan (架空町's data under another code
and namespace), and measures the time until the first answer and the memory: the server's own resident set, and the
proportional set (PSS) of the server plus its SPARQL workers (what the machine really spends; forked workers share
pages with the server). Machines here are noisy: compare the ratios, not the absolute figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import json, os, sys, time
from pathlib import Path
started = time.perf_counter()
from fastapi.testclient import TestClient
from jyuso_kb.serve.app import create_app
from jyuso_kb.serve.settings import Settings
paths = tuple(Path(p) for p in sys.argv[2:])
settings = Settings(data=paths, sparql_workers=int(sys.argv[1]))


def kib(pid, key):
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in text.splitlines() if line.startswith(key + ":")), 0)


def children(pid):
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found + [g for c in found for g in children(c)]


with TestClient(create_app(settings)) as client:
    assert client.get("/v1/municipalities").status_code == 200
    ready = time.perf_counter() - started
    me = os.getpid()
    workers = children(me)
    print(json.dumps({
        "ready": ready,
        "rss": kib(me, "Rss"),
        "pss": kib(me, "Pss") + sum(kib(c, "Pss") for c in workers),
        "processes": 1 + len(workers),
        "municipalities": len(client.get("/v1/municipalities").json()["municipalities"]),
    }))
"""


def third_plan(folder: Path) -> Path:
    """架空町's data under the code 999016 and its own namespace: a third municipality as big as the second."""
    source = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "plans" / "kasou"
    folder.mkdir(parents=True, exist_ok=True)
    for path in source.glob("*.ttl"):
        text = path.read_text(encoding="utf-8").replace("/data/kasou/", "/data/shiken/").replace('"999008"', '"999016"')
        (folder / path.name).write_text(text, encoding="utf-8")
    return folder


def run(paths: list[Path], workers: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(workers), *map(str, paths)], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sparql-workers", type=int, default=2)
    args = parser.parse_args()
    root = Path(__file__).resolve().parents[1]
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        one = [root / "data" / "uozu"]
        three = [*one, root / "tests" / "fixtures" / "plans" / "kasou", third_plan(Path(scratch) / "shiken")]
        results: dict[int, list[dict[str, float]]] = {1: [], 3: []}
        for _ in range(args.rounds):  # alternate, so that a noisy moment hits both
            results[1].append(run(one, args.sparql_workers))
            results[3].append(run(three, args.sparql_workers))
    summary = {
        n: {k: statistics.median(r[k] for r in rs) for k in ("ready", "rss", "pss", "processes")}
        for n, rs in results.items()
    }
    for n, s in summary.items():
        print(
            f"{n} municipalit{'y' if n == 1 else 'ies'}: ready {s['ready']:.2f} s, server RSS {s['rss'] / 1024:.0f} MiB, "
            f"PSS with workers {s['pss'] / 1024:.0f} MiB, {s['processes']:.0f} processes (median of {args.rounds})"
        )
    print(
        f"3 vs 1: start ×{summary[3]['ready'] / summary[1]['ready']:.2f}, server RSS ×{summary[3]['rss'] / summary[1]['rss']:.2f}, "
        f"PSS ×{summary[3]['pss'] / summary[1]['pss']:.2f}"
    )


if __name__ == "__main__":
    main()
