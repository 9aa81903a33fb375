"""Routing latency in process, against a plain dict lookup measured in the same run.

    .venv/bin/python bench/bench_routing.py [--rounds 2000]

Prints load-to-ready (load → reason → index), then for households of 1, 3 and 8 needs the median and p99 of
``route()`` with explanations, and the ratio to the baseline (a dict lookup per need plus building a small answer).
Machines here are noisy: compare the ratios, not the absolute figures, between runs.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date

from jyuso_kb.answer import route as routing
from jyuso_kb.index.routing import build
from jyuso_kb.plan.load import load_embedded

HOUSEHOLDS = {
    1: ("親の介護",),
    3: ("親の介護", "ひきこもりの息子", "税金を滞納している"),
    8: (
        "親の介護",
        "ひきこもりの息子",
        "税金を滞納している",
        "子育ての悩み",
        "不登校",
        "空き家",
        "認知症",
        "仕事がない",
    ),
}


def _timed(fn, rounds: int) -> list[float]:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - start) / 1e6)
    return samples


def _p(samples: list[float], q: float) -> float:
    return sorted(samples)[min(len(samples) - 1, int(q * len(samples)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()

    start = time.perf_counter()
    index = build(load_embedded())
    ready = time.perf_counter() - start
    print(f"load-to-ready: {ready:.2f} s (load, rules to fixpoint, index)")

    table = {need.id: need.label for need in index.needs.values()}
    print(f"{'needs':>5} {'route median ms':>16} {'route p99 ms':>13} {'dict median ms':>15} {'ratio':>8}")
    for size, needs in HOUSEHOLDS.items():
        household = routing.Household(needs=needs, consent=None, as_of=date(2025, 10, 1))
        resolved = [routing.resolve_need(index, n) for n in needs]
        keys = [index.needs[r[0]].id for r in resolved if r]

        def baseline(keys: list[str] = keys) -> dict[str, object]:
            return {"needs": [{"id": k, "label": table[k]} for k in keys]}

        def answer(household: routing.Household = household) -> dict[str, object]:
            return routing.route(index, household)

        _timed(answer, 50)
        route_ms = _timed(answer, args.rounds)
        base_ms = _timed(baseline, args.rounds)
        ratio = statistics.median(route_ms) / statistics.median(base_ms)
        print(
            f"{size:>5} {statistics.median(route_ms):>16.3f} {_p(route_ms, 0.99):>13.3f} "
            f"{statistics.median(base_ms):>15.4f} {ratio:>8.0f}"
        )


if __name__ == "__main__":
    main()
