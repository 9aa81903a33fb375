"""HTTP throughput and latency of POST /v1/route (3 needs) against GET /health on the same server, in one run.

    apt-get install wrk            # the load generator (C, loopback only)
    .venv/bin/python bench/bench_api.py [--seconds 10] [--connections 50] [--workers 1]

Starts ``jyuso-kb serve`` on a free loopback port, then alternates wrk runs on /health and /v1/route (three pairs),
and prints requests/s and p50/p99 latency for each, with the route/health throughput ratio per pair (the machine is
noisy: quote the median ratio). Bounded: each wrk run lasts --seconds; the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BODY = {"needs": ["親の介護", "ひきこもりの息子", "税金を滞納している"], "consent": True, "as_of": "2025-10-01"}
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, limit: float = 20.0) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < limit:
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return time.perf_counter() - start
        except OSError:
            time.sleep(0.05)
    raise SystemExit("server did not become ready")


def wrk(url: str, seconds: int, connections: int, script: str | None) -> dict[str, float]:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if script:
        cmd[1:1] = ["-s", script]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    lat = {
        m.group(1): float(m.group(2)) * UNITS[m.group(3)] for m in re.finditer(r"\s(50|99)%\s+([\d.]+)(us|ms|s)\b", out)
    }
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50": lat.get("50", float("nan")),
        "p99": lat.get("99", float("nan")),
        "non2xx": float(non2xx.group(1)) if non2xx else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")
    port = free_port()
    exe = Path(sys.executable).with_name("jyuso-kb")
    server = subprocess.Popen(
        [str(exe), "serve", "--port", str(port), "--workers", str(args.workers)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        ready = wait_ready(f"http://127.0.0.1:{port}/health")
        print(f"server ready in {ready:.2f} s (workers={args.workers}); wrk -c{args.connections} -d{args.seconds}s")
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
            f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n')
            f.write(f"wrk.body = [[{json.dumps(BODY)}]]\n")
            script = f.name
        ratios = []
        for pair in range(args.pairs):
            health = wrk(f"http://127.0.0.1:{port}/health", args.seconds, args.connections, None)
            route = wrk(f"http://127.0.0.1:{port}/v1/route", args.seconds, args.connections, script)
            ratio = route["rps"] / health["rps"]
            ratios.append(ratio)
            print(
                f"pair {pair + 1}: /health {health['rps']:.0f} req/s p50 {health['p50']:.1f} ms p99 {health['p99']:.1f} ms | "
                f"/v1/route {route['rps']:.0f} req/s p50 {route['p50']:.1f} ms p99 {route['p99']:.1f} ms "
                f"(non-2xx {route['non2xx']:.0f}) | ratio {ratio:.2f}"
            )
        print(f"median route/health throughput ratio: {statistics.median(ratios):.2f}")
        os.unlink(script)
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
