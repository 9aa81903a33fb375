"""A national test catalogue: 1,741 synthetic municipalities in the 47 prefectures, each with a plan written as a
municipality's data is written (a folder of Turtle files like tests/fixtures/plans/kasou/), all generated from a seed.

    .venv/bin/python bench/national_catalog.py --out DIR [--count 1741] [--seed 0] [--validate]

DIR/<code>/ holds plan.ttl, organisation.ttl, programs.ttl, meetings.ttl, schedule.ttl, needs.ttl and challenges.ttl
(DIR is what ``--data`` reads as several municipalities). Codes are 全国地方公共団体コード with a valid check digit
(市 201…, designated cities 100/130/150, Tokyo's wards 101–123, 町村 in blocks of 3xx–6xx), never 162043 (魚津市, the
embedded plan, so that the catalogue can be served beside it); names are made up. Each plan is drawn from
``random.Random(f"{seed}:{code}")`` alone, so it does not depend on ``--count``: 4–14 programmes covering every
required item of 社会福祉法第106条の4第2項 (each of the 5 component programmes needs one; a 4-programme plan runs
②多機関協働 and ③アウトリーチ等 as one programme), 6–20 departments with their duties and the 庁内連携 matrix, direct and commissioned programmes with
their operators, 2–5 meetings, plan periods of 3–5 years starting in FY2021–2026, components not yet implemented in
their first years (実施体制の検討), and every link into the needs thesaurus with the plan's words as evidence. The same
seed gives byte-identical files. ``--validate`` then validates every plan as ``jyuso-kb validate`` does and prints
how many conform, the time and the triple counts.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import national_vocab as V
from national_model import GeneratedMunicipality, Place, design
from national_turtle import plan_files

__all__ = [
    "GeneratedMunicipality",
    "Place",
    "check_digit",
    "design",
    "generate",
    "municipalities",
    "places",
    "plan_files",
    "write_one",
]
EXCLUDED = frozenset({"162043"})  # 魚津市, the embedded plan


def check_digit(first_five: str) -> int:
    """The check digit of a 全国地方公共団体コード: (11 − Σ digit × (6, 5, 4, 3, 2) mod 11) mod 10."""
    total = sum(int(d) * w for d, w in zip(first_five, (6, 5, 4, 3, 2), strict=True))
    return (11 - total % 11) % 10


def _code(prefecture: int, number: int) -> str:
    first = f"{prefecture:02d}{number:03d}"
    return first + str(check_digit(first))


def _numbers(pref: tuple, rng: random.Random) -> Iterator[tuple[str, str]]:
    """A prefecture's codes and kinds in the order of its code list: designated cities, wards, cities, 町村."""
    number, _, _, _, cities, designated = pref
    yield from ((_code(number, n), "市") for n in (100, 130, 150)[:designated])
    yield from ((_code(number, 101 + i), "区") for i in range(V.WARDS.get(number, 0)))
    others = (c for c in (_code(number, n) for n in range(201, 300)) if c not in EXCLUDED)
    yield from ((c, "市") for c in itertools.islice(others, cities - designated))
    for start in range(301, 1000, 20):  # one block per 郡
        for n in range(start, start + rng.randint(3, 12)):
            yield _code(number, n), "村" if rng.random() < 0.2 else "町"


def _prefecture(pref: tuple, seed: int) -> Iterator[Place]:
    rng = random.Random(f"{seed}:prefecture:{pref[0]}")
    used: set[str] = set()
    for code, kind in _numbers(pref, rng):
        while (name := V.place_name(rng))[0] in used:
            pass
        used.add(name[0])
        yield Place(code, name[0] + kind, f"{name[1]} {V.KIND_EN[kind]}", kind, pref[1], pref[2])


def allocation(count: int) -> list[int]:
    """Municipalities per prefecture: the real numbers for 1,741, else proportional to them (at least one each from 47 on)."""
    real = [p[3] for p in V.PREFECTURES]
    shares = [count * r / sum(real) for r in real]
    alloc = [max(int(s), 1 if count >= len(real) else 0) for s in shares]
    by_rest = sorted(range(len(real)), key=lambda i: (int(shares[i]) - shares[i], i))
    for i in itertools.islice(itertools.cycle(by_rest), max(0, count - sum(alloc))):
        alloc[i] += 1
    while sum(alloc) > count:  # the minimum of one each took too many: from those above their share and one
        alloc[max((i for i in range(len(alloc)) if alloc[i] > 1), key=lambda i: (alloc[i] - shares[i], -i))] -= 1
    return alloc


def places(count: int = 1741, seed: int = 0) -> list[Place]:
    found = [
        p
        for pref, n in zip(V.PREFECTURES, allocation(count), strict=True)
        for p in itertools.islice(_prefecture(pref, seed), n)
    ]
    if len(found) != count:
        raise ValueError(f"{count} municipalities do not fit the code lists (a prefecture runs out of numbers)")
    return found


def municipalities(count: int = 1741, seed: int = 0) -> list[GeneratedMunicipality]:
    """The catalogue without writing it."""
    return [design(place, seed) for place in places(count, seed)]


def write_one(out: Path, m: GeneratedMunicipality) -> Path:
    folder = out / m.code
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in plan_files(m).items():
        (folder / name).write_text(text, encoding="utf-8", newline="\n")
    return folder


def generate(out: Path, count: int = 1741, seed: int = 0) -> list[GeneratedMunicipality]:
    """Write the catalogue into ``out`` (one folder per municipality, named by its code) and return it."""
    found = municipalities(count, seed)
    for m in found:
        write_one(out, m)
    return found


def validate_all(out: Path, found: list[GeneratedMunicipality]) -> int:
    """Validate every written plan as ``jyuso-kb validate`` does; print how many conform, the time, the triples."""
    from jyuso_kb.check.validation import validate
    from jyuso_kb.plan.read import read_files
    from jyuso_kb.plan.source import PlanSource, load_vocabulary

    vocabulary, started, failed, warned, sizes = load_vocabulary(), time.perf_counter(), [], [], []
    for i, m in enumerate(found, 1):
        data = read_files([out / m.code])
        sizes.append(len(data))
        result = validate(PlanSource(vocabulary, data, str(out / m.code)))
        if not result.conforms:
            failed.append(m.code)
            print(
                m.code,
                [f.message for f in result.report.violations][:3],
                [c.check.name for c in result.failed_checks],
                file=sys.stderr,
            )
        elif result.report.findings:
            warned.append(m.code)
        if i % 100 == 0:
            print(
                f"{i} validated, {len(failed)} not conforming, {time.perf_counter() - started:.0f} s",
                file=sys.stderr,
                flush=True,
            )
    took = time.perf_counter() - started
    print(
        f"{len(found) - len(failed)} of {len(found)} conform ({len(warned)} with warnings) in {took:.0f} s ({took / len(found):.2f} s each); "
        f"triples {sum(sizes)} in all, {min(sizes)}–{max(sizes)} per plan"
    )
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write a deterministic national test catalogue of synthetic municipalities' plans."
    )
    parser.add_argument("--out", type=Path, required=True, help="the folder to write DIR/<code>/*.ttl into")
    parser.add_argument("--count", type=int, default=1741, help="how many municipalities (default 1741)")
    parser.add_argument("--seed", type=int, default=0, help="the seed (default 0)")
    parser.add_argument("--validate", action="store_true", help="then validate every plan (slow: seconds per plan)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    found = generate(args.out, args.count, args.seed)
    prefectures = len({m.place.prefecture for m in found})
    print(
        f"{len(found)} municipalities in {prefectures} prefectures written to {args.out} in {time.perf_counter() - started:.1f} s"
    )
    return validate_all(args.out, found) if args.validate else 0


if __name__ == "__main__":
    sys.exit(main())
