"""How well free text finds its department, and what matching costs: the residents' corpus (tests/corpus/).

    .venv/bin/python bench/bench_matching.py [--split dev|dev2|test|all] [--misses] [--cost] [--rounds 2000]

Quality: for each question of a split, who-handles is asked and the answer judged against the question's acceptable
departments: top-1 (the first result is one of them), top-3 (one of them among the first three), empty (no result at
all) and fallback (the answer is the never-empty fallback, not a match). Figures are given for the whole split and
for its label-free half (questions that contained no thesaurus label when the corpus was written). ``--misses``
lists the questions missed at top-3 (only ever look at the dev splits': the test split is for reporting).

Cost (``--cost``): the matcher's p50/p99 per question against a baseline measured in the same run (a dict lookup
and a regular-expression scan of the question), and the start-up cost of reading every label into words, against
building the rest of the index. Machines here are noisy: compare the ratios between runs.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from pathlib import Path
from typing import Any

import yaml

from jyuso_kb.answer.who_handles import who_handles
from jyuso_kb.index.routing import build
from jyuso_kb.plan.load import load_embedded

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "corpus"


def load_split(name: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = yaml.safe_load((CORPUS / f"{name}.yaml").read_text(encoding="utf-8"))
    return items


def judge(index: Any, item: dict[str, Any]) -> dict[str, Any]:
    answer = who_handles(index, item["q"])
    ranked = [r["department"]["id"] for r in answer["results"]]
    wanted = set(item["departments"])
    return {
        "top1": bool(ranked[:1]) and ranked[0] in wanted,
        "top3": bool(wanted & set(ranked[:3])),
        "empty": not ranked,
        "fallback": bool(answer.get("fallback")),
        "ranked": ranked[:3],
    }


def quality(index: Any, split: str, misses: bool) -> None:
    items = load_split(split)
    judged = [(item, judge(index, item)) for item in items]
    for title, subset in (("all", judged), ("label-free", [(i, j) for i, j in judged if i.get("label_free")])):
        n = len(subset) or 1
        rates = {k: 100 * sum(j[k] for _, j in subset) / n for k in ("top1", "top3", "empty", "fallback")}
        print(
            f"{split:4} {title:10} n={len(subset):3}  top-1 {rates['top1']:5.1f} %  top-3 {rates['top3']:5.1f} %  "
            f"empty {rates['empty']:5.1f} %  fallback {rates['fallback']:5.1f} %"
        )
    if misses:
        for item, result in judged:
            if not result["top3"]:
                print(f"  miss: {item['q']}  want {item['departments']}  got {result['ranked']}")


def _p(samples: list[float], q: float) -> float:
    return sorted(samples)[min(len(samples) - 1, int(q * len(samples)))]


def cost(index: Any, rounds: int) -> None:
    from jyuso_kb.index import words

    questions = [item["q"] for item in load_split("dev")]
    table = {need.label: need.id for need in index.needs.values()}
    pattern = re.compile("|".join(re.escape(k) for k in sorted(table, key=len, reverse=True)[:200]))

    def timed(fn: Any) -> list[float]:
        samples = []
        for number in range(rounds):
            question = questions[number % len(questions)]
            start = time.perf_counter_ns()
            fn(question)
            samples.append((time.perf_counter_ns() - start) / 1e6)
        return samples

    baseline = timed(lambda q: (table.get(q), pattern.findall(q)))
    matcher = timed(index.matcher.match)
    answer = timed(lambda q: who_handles(index, q))
    for name, samples in (("baseline", baseline), ("matcher", matcher), ("who-handles", answer)):
        ratio = statistics.median(samples) / statistics.median(baseline)
        print(f"{name:12} p50 {_p(samples, 0.5):7.3f} ms  p99 {_p(samples, 0.99):7.3f} ms  ×{ratio:6.1f} baseline")
    labels = [(lab.original, lab.target, lab.weight) for lab in index.matcher.words.labels]
    words._tokenizer.cache_clear()  # cold: the dictionary loaded again, every reading looked up again
    words._lemma_reading.cache_clear()
    words.read_label.cache_clear()
    start = time.perf_counter()
    words.WordMatcher(labels)
    reading = time.perf_counter() - start
    start = time.perf_counter()
    build(load_embedded())
    whole = time.perf_counter() - start
    print(
        f"start-up: loading the dictionary and reading {len(labels)} labels into words {reading:.3f} s of {whole:.2f} s load-to-ready"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", choices=("dev", "dev2", "test", "all"), default="all")
    parser.add_argument("--misses", action="store_true")
    parser.add_argument("--cost", action="store_true")
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    index = build(load_embedded())
    for split in ("dev", "dev2", "test") if args.split == "all" else (args.split,):
        quality(index, split, args.misses and split != "test")
    if args.cost:
        cost(index, args.rounds)


if __name__ == "__main__":
    main()
