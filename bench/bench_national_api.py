"""The national endpoints and the README's three questions on a store of 1,741 synthetic municipalities.

    .venv/bin/python bench/bench_national_api.py [--store /tmp/national-1741] [--municipalities 1741] [--rounds 5]

The store is built once (when its folder has no manifest yet; ≈5 minutes): 魚津市's and 架空町's plans (7 : 3)
copied under other codes and namespaces over 47 prefectures, with seeded variations so that the questions have mixed
answers: some municipalities commission their 多機関協働事業 to their 社会福祉協議会, some have no 参加支援事業 or do
not run it in R7, and the 庁内連携 matrix's 参加支援 column is shuffled (≈5.5M triples). Then the service starts on
that store with the two real plans (so 1,743 municipalities; the plans handed to the app leave the other
municipalities in the store), and each endpoint and each question's SPARQL on /v1/sparql is asked ``--rounds`` times
in process (TestClient): the median time is printed (the SPARQL workers with 2 GiB of memory headroom). The machines here are shared: compare, do not quote to the ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox

from jyuso_kb import resources
from jyuso_kb.plan.load import load_plan
from jyuso_kb.store import national, national_facts

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = (("uozu", resources.municipality_dir()), ("kasou", ROOT / "tests" / "fixtures" / "plans" / "kasou"))
DATA = "https://w3id.org/jyuso-kb/data/"
JY = "https://w3id.org/jyuso-kb/ontology#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
MULTI_AGENCY = {"uozu": "prog-takikan-kyodo", "kasou": "prog-team-shien"}
PARTICIPATION = {"uozu": "prog-sanka-shien", "kasou": "prog-shigoto-ibasho"}
TOWN = {"uozu": "city", "kasou": "town"}
ENDPOINTS = (
    "/v1/national/programs",
    "/v1/national/programs?legal_item=a106-4-p2-i5&operator=社会福祉協議会&limit=1000",
    "/v1/national/programs?prefecture=16&fiscal_year=2025&limit=1000",
    "/v1/national/summary?by=prefecture",
    "/v1/national/summary?by=municipality&legal_item=a106-4-p2-i2&fiscal_year=2025",
    "/v1/national/collaboration?function=participation",
)


def _triples(folder: Path) -> list[ox.Triple]:
    return [q.triple for p in sorted(folder.glob("*.ttl")) for q in ox.parse(path=str(p), format=ox.RdfFormat.TURTLE)]


def _renamed(term: object, old: str, new: str, suffix: str) -> object:
    if isinstance(term, ox.NamedNode) and term.value.startswith(old):
        return ox.NamedNode(new + term.value[len(old) :])
    if isinstance(term, ox.BlankNode):
        return ox.BlankNode(term.value + suffix)
    return term


def _varied(name: str, triples: list[ox.Triple], code: str, pref: int, rng: random.Random) -> list[ox.Triple]:
    old, new = f"{DATA}{name}/", f"{DATA}m{code}/"
    dropped = ox.NamedNode(old + PARTICIPATION[name])
    drop, shakyo, design = rng.random() < 0.15, rng.random() < 0.3, rng.random() < 0.2
    out = []
    for t in triples:
        if drop and dropped in (t.subject, t.object):
            continue
        local = t.subject.value[len(old) :] if isinstance(t.subject, ox.NamedNode) else ""
        s, p, o = (_renamed(x, old, new, f"m{code}") for x in (t.subject, t.predicate, t.object))
        kind = t.predicate.value
        if kind == JY + "localGovernmentCode":
            o = ox.Literal(code)
        elif kind == JY + "prefecture" and isinstance(o, ox.Literal) and o.language == "ja":
            o = ox.Literal(f"県{pref:02d}", language="ja")
        elif kind == RDFS_LABEL and local == TOWN[name] and isinstance(o, ox.Literal) and o.language == "ja":
            o = ox.Literal(f"市{code}", language="ja")
        elif kind == JY + "participates" and "participation" in local:
            o = ox.Literal("true" if rng.random() < 0.5 else "false", datatype=ox.NamedNode(XSD_BOOLEAN))
        elif design and local == "sched-4-2025" and kind == JY + "status":
            o = ox.NamedNode(JY + "status-design")
        elif shakyo and local == MULTI_AGENCY[name] and kind == JY + "implementationMode":
            o = ox.NamedNode(JY + "mode-commissioned")
            out.append(ox.Triple(s, ox.NamedNode(JY + "operator"), ox.NamedNode(f"{new}org-shakyo")))  # type: ignore[arg-type]
        out.append(ox.Triple(s, p, o))  # type: ignore[arg-type]
    return out


def build(root: Path, count: int) -> None:
    rng = random.Random(1741)
    templates = [(name, _triples(folder)) for name, folder in TEMPLATES]
    store = national.open_store(root)
    entries, per_prefecture = [], [0] * 48
    for i in range(count):
        name, triples = templates[0] if i % 10 < 7 else templates[1]
        pref = 1 + i % 47
        per_prefecture[pref] += 1
        code = f"{pref:02d}{per_prefecture[pref]:03d}0"
        made = _varied(name, triples, code, pref, rng)
        national._put(store, code, made)
        entry = national.Entry(code, f"市{code}", f"県{pref:02d}", f"synthetic {name}", f"synthetic-{code}", len(made))
        national._write_facts(store, root, entry)
        entries.append(entry)
    national._put_graph(
        store, national.VOCABULARY, [t for f in national._vocabulary_files() for t in national._vocabulary_triples(f)]
    )
    store.flush()
    del store
    national._write_manifest(root, national.Manifest("synthetic", tuple(entries)))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", type=Path, default=Path("/tmp/national-1741"))
    parser.add_argument("--municipalities", type=int, default=1741)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if not (args.store / "manifest.json").exists():
        started = time.perf_counter()
        build(args.store, args.municipalities)
        print(f"built {args.municipalities} municipalities in {time.perf_counter() - started:.0f} s")
    manifest = national.read_manifest(args.store)
    print(f"{len(manifest.entries)} municipalities, {sum(e.triples for e in manifest.entries):,} triples")
    missing = [e for e in manifest.entries if national_facts.read(args.store, e.code, e.hash) is None]
    if missing:  # a store built by an older version of this script: compile its facts once
        store = national.open_store(args.store)
        for entry in missing:
            national._write_facts(store, args.store, entry)
        del store

    from fastapi.testclient import TestClient

    from jyuso_kb.serve.app import create_app
    from jyuso_kb.serve.settings import Settings

    plans = [load_plan([folder]) for _, folder in TEMPLATES]
    # /v1/sparql's workers get 2 GiB of headroom here: with the default 512 MiB, RocksDB (reading 5.5M triples) could
    # not start a thread in a worker and the query was answered 422 query_memory in one of two runs
    settings = Settings(national_store=args.store, sparql_workers=2, sparql_timeout=60.0, sparql_memory=2048 * 2**20)
    started = time.perf_counter()
    with TestClient(create_app(settings, plans=plans)) as client:
        print(f"service ready in {time.perf_counter() - started:.1f} s (two plans loaded, the national index read)")
        asked = [(path, path) for path in ENDPOINTS]
        for path in resources.national_questions():
            asked.append((f"/v1/sparql?query={quote(path.read_text(encoding='utf-8'))}", f"SPARQL {path.name}"))
        for url, name in asked:
            times, size = [], 0
            for _ in range(args.rounds):
                begun = time.perf_counter()
                response = client.get(url, headers={"accept": "application/json"})
                times.append(time.perf_counter() - begun)
                assert response.status_code == 200, (name, response.status_code, response.text[:300])
                body = response.json()
                size = body.get("total", len(body.get("rows", body.get("results", {}).get("bindings", []))))
                if isinstance(size, dict):
                    size = size.get("municipalities", 0)
            print(f"{statistics.median(times) * 1000:8.1f} ms  {name}  ({size}, {len(response.content):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
