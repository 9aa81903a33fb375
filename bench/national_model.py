"""The plan of one synthetic municipality of the national test catalogue (bench/national_catalog.py), as choices.

:func:`design` draws everything a plan states from ``random.Random(f"{seed}:{code}")`` and the pools of
bench/national_vocab.py; bench/national_turtle.py writes it. A plan has 4–14 programmes covering every required item of
社会福祉法第106条の4第2項 (each of the 5 component programmes needs one; a 4-programme plan runs ②多機関協働 and
③アウトリーチ等 as one programme),
6–20 departments with their duties and the 庁内連携 matrix, direct and commissioned programmes with their operators,
2–5 meetings (always a per-case meeting with consent and a 支援会議 without it), a period of 3–5 fiscal years starting in
2021–2026, and components not yet implemented in their first years (実施体制の検討).
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

import national_vocab as V

DATA = "https://w3id.org/jyuso-kb/data/"
DIVISIONS = [
    ("健康福祉部", "Health and Welfare Department"),
    ("福祉部", "Welfare Department"),
    ("福祉保健部", "Welfare and Health Department"),
]


@dataclass(frozen=True)
class Place:
    code: str
    name: str  # 高田市
    name_en: str  # Takata City
    kind: str  # 市, 町, 村 or 区
    prefecture: str
    prefecture_en: str


@dataclass(frozen=True)
class Department:
    key: str
    ja: str
    en: str
    duties: tuple[tuple[str, str, str, tuple[str, ...]], ...]
    cells: tuple[bool, ...]  # participates, per matrix function
    telephone: str
    extension: str
    counter: str
    division: str


@dataclass(frozen=True)
class Programme:
    key: str
    ja: str
    en: str
    component: str
    items: tuple[str, ...]
    activities: tuple[tuple[str, str, tuple[str, ...]], ...]
    mode: str  # direct, commissioned or direct-and-commissioned
    operators: tuple[str, ...]
    departments: tuple[str, ...]
    new: bool
    coordinator: bool
    also: tuple[str, ...] = ()  # further components it is run as, in one (②多機関協働 with ③アウトリーチ等)

    @property
    def components(self) -> tuple[str, ...]:
        return (self.component, *self.also)


@dataclass(frozen=True)
class Operator:
    key: str
    ja: str
    en: str
    site: bool = False  # a service site (jy:ServiceSite), else a contractor
    operated_by: str = ""


@dataclass(frozen=True)
class Meeting:
    key: str
    ja: str
    en: str
    kind: str  # consent, noconsent, promotion, staff, thematic
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class GeneratedMunicipality:
    place: Place
    seed: int
    start_year: int
    end_year: int
    departments: tuple[Department, ...]
    divisions: tuple[tuple[str, str, str], ...]
    programmes: tuple[Programme, ...]
    operators: tuple[Operator, ...]
    meetings: tuple[Meeting, ...]
    schedule: tuple[tuple[str, tuple[str, ...]], ...]  # component, its status in each fiscal year of the period
    existing_row: bool
    challenges: tuple[int, ...]
    goals: tuple[int, ...]
    upper_plan: tuple[int, int]  # ordinal and first year of the community welfare plan
    activity_plan: bool
    care_plan: bool
    centre: tuple[str, ...]  # the departments hosting a こども家庭センター (none: no centre)

    @property
    def code(self) -> str:
        return self.place.code

    @property
    def namespace(self) -> str:
        return f"{DATA}{self.place.code}/"

    @property
    def transition(self) -> bool:
        """The plan starts as a transition-preparation programme (移行準備事業): its title says so."""
        return self.schedule[0][1][0] == "preparation"

    @property
    def adopted_month(self) -> int:
        """The month of the plan's adoption: February or March before its first fiscal year."""
        return 2 + int(self.place.code) % 2

    @property
    def not_yet(self) -> tuple[tuple[str, int], ...]:
        """(component, fiscal year) for each year a component is not yet implemented (実施体制の検討)."""
        return tuple((c, self.start_year + i) for c, row in self.schedule for i, s in enumerate(row) if s == "design")


def _pick(rng: random.Random, pool: list, k: int) -> list:
    """k of the pool, in the pool's order."""
    return [pool[i] for i in sorted(rng.sample(range(len(pool)), k))]


def _departments(rng: random.Random, place: Place) -> tuple[list[Department], list[tuple[str, str, str]]]:
    n = rng.randint(6, 20)
    core = rng.choice(V.CORE)
    weights = [rng.random() ** (1 / (4 if d[3] else 1)) for d in V.DEPARTMENTS]  # welfare sections drawn more often
    top = sorted(sorted(range(len(weights)), key=lambda i: -weights[i])[: n - 1])
    chosen = [(core[0], core[1], core[2], True, V.CORE_DUTIES + _pick(rng, V.CORE_OPTIONAL, rng.randint(0, 3)))]
    chosen += [
        (*V.DEPARTMENTS[i][:4], _pick(rng, V.DEPARTMENTS[i][4], rng.randint(1, len(V.DEPARTMENTS[i][4])))) for i in top
    ]
    divisions = (
        [("div-fukushi", *rng.choice(DIVISIONS))] if place.kind in "市区" and n >= 10 and rng.random() < 0.6 else []
    )
    odds = (rng.uniform(0.6, 1), rng.uniform(0.3, 0.8), rng.uniform(0.3, 0.8), rng.uniform(0.7, 1))
    hall = "本庁舎" if place.kind in "市区" else "役場本庁舎"
    out = []
    for i, (key, ja, en, welfare, duties) in enumerate(chosen):
        ja = ja.format(k=place.kind)
        tel = f"0000-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}" if rng.random() < 0.7 else ""
        ext = str(rng.randint(100, 999)) if tel and rng.random() < 0.6 else ""
        counter = (
            ""
            if rng.random() < 0.5
            else f"{ja}1階 受付"
            if ja.endswith("センター")
            else f"{hall}{rng.randint(1, 3)}階 {rng.randint(1, 12)}番窓口"
        )
        cells = (True,) * 4 if i == 0 else tuple(rng.random() < p for p in odds)
        duties_t = tuple((k, d.format(k=place.kind), e, needs) for k, d, e, needs in duties)
        out.append(
            Department(key, ja, en, duties_t, cells, tel, ext, counter, "div-fukushi" if divisions and welfare else "")
        )
    return out, divisions


def _slots(rng: random.Random, counts: dict[str, int]) -> list[tuple[str, tuple[str, ...], tuple[str, str, str]]]:
    """(component, items, name) of each programme: which items of 第106条の4第2項 it implements under which name."""
    slots = []
    consult = ["1i", "1ro", "1ha", "1ni"]
    cuts = [0, *sorted(rng.sample(range(1, 4), counts["consult"] - 1)), 4]
    combined = iter(rng.sample(V.PROGRAMMES["1"], 3))
    for a, b in itertools.pairwise(cuts):
        items = tuple(consult[a:b])
        slots.append(("consult", items, rng.choice(V.PROGRAMMES[items[0]]) if len(items) == 1 else next(combined)))
    for items in [("5", "6")] if counts["multi"] == 1 else [("5",), ("6",)]:
        slots.append(("multi", items, rng.choice(V.PROGRAMMES["".join(items)])))
    slots += [("outreach", ("4",), name) for name in _pick(rng, V.PROGRAMMES["4"], counts["outreach"])]
    slots += [("participation", ("2",), name) for name in _pick(rng, V.PROGRAMMES["2"], counts["participation"])]
    for item in _pick(rng, ["3i", "3ro", "3ha", "3ni", "3"], counts["community"]):
        slots.append(("community", (item,), rng.choice(V.PROGRAMMES[item])))
    return slots


def _programmes(
    rng: random.Random, place: Place, departments: list[Department]
) -> tuple[list[Programme], list[Operator]]:
    counts = {c: 1 for c in V.COMPONENTS}
    n = rng.randint(4, 14)
    for _ in range(n - 5):
        counts[rng.choice([c for c in counts if counts[c] < V.COMPONENTS[c][4]])] += 1
    # 4 programmes: 多機関協働 (items 5, 6) and アウトリーチ等 (item 4) are run as one programme, as many small
    # municipalities commission them together
    together = n == 4
    present, core = {d.key for d in departments}, departments[0].key
    council = Operator("org-shakyo", f"{place.name}社会福祉協議会", f"{place.name_en} Council of Social Welfare")
    pool = [council] * 3 + [
        Operator(f"org-npo-{k}", f"NPO法人{ja}", f"NPO {en}") for k, ja, en in _pick(rng, V.NPOS, rng.randint(1, 3))
    ]
    pool += [
        Operator(f"org-{k}", f"社会福祉法人{ja}", f"Social welfare corporation {en}")
        for k, ja, en in _pick(rng, V.CORPORATIONS, rng.randint(0, 2))
    ]
    programmes, operators, seen = [], {council.key: council}, set()
    slots = _slots(rng, counts)
    if together:
        slots = [s for s in slots if s[0] != "outreach"]
        slots = [("multi", (*s[1], "4"), rng.choice(V.PROGRAMMES["456"])) if s[0] == "multi" else s for s in slots]
    for component, items, (key, ja, en) in slots:
        acts = V.ACTIVITIES[items[0]]
        if len(items) > 1:
            acts = (
                [V.GENERAL_ACTIVITY, *(V.ACTIVITIES[i][0] for i in items)]
                if component == "consult"
                else V.ACTIVITIES["5"] + V.ACTIVITIES["6"][:1] + V.ACTIVITIES["4"] * ("4" in items)
            )
        elif component not in seen or component not in ("multi", "outreach"):  # the first ② and ③ list all they do
            acts = _pick(rng, acts, rng.randint(2, len(acts)))
        mode = rng.choices(
            ("direct", "commissioned", "direct-and-commissioned"), (5, 3, 2) if component == "multi" else (3, 5, 2)
        )[0]
        ops = [] if mode == "direct" else list(dict.fromkeys(rng.choice(pool) for _ in range(1 + (rng.random() < 0.2))))
        if items[0] in ("3ha", "3ni") and rng.random() < 0.5:
            _, kana, roman = rng.choice(V.NPOS)
            name = (
                (f"{kana}の家", f"{roman} House")
                if items[0] == "3ha"
                else (f"親子ひろば「{kana}」", f'Parent-and-child square "{roman}"')
            )
            ops.append(Operator(f"site-{key}", *name, site=True, operated_by=ops[0].key if ops else ""))
        operators.update((o.key, o) for o in ops)
        wanted = [d for d in dict.fromkeys(d for i in items for d in V.RESPONSIBLE[i]) if d in present]
        first = wanted.pop(0) if wanted and component in ("consult", "community") and len(items) == 1 else core
        extra = (rng.choice(wanted),) if wanted and rng.random() < 0.35 else ()
        new = rng.random() < (0.1 if component == "consult" else 0.5)
        coordinator = component == "multi" and component not in seen and rng.random() < 0.7
        programmes.append(
            Programme(
                f"prog-{key}",
                ja,
                en,
                component,
                items,
                tuple(acts),
                mode,
                tuple(o.key for o in ops),
                (first, *extra),
                new,
                coordinator,
                ("outreach",) if "4" in items and component == "multi" else (),
            )
        )
        seen.add(component)
    return programmes, sorted(operators.values(), key=lambda o: (o.site, o.key != council.key, o.key))


def _meetings(rng: random.Random, place: Place, departments: list[Department], divisions: list) -> list[Meeting]:
    extras = [
        ("promotion", rng.choice(V.PROMOTION_MEETINGS)),
        ("staff", rng.choice(V.STAFF_MEETINGS)),
        ("thematic", rng.choice(V.THEMATIC_MEETINGS)),
    ]
    n = rng.randint(2, 5) - 2
    extras = [extras[0], extras[2]] if n == 2 and rng.random() < 0.5 else extras[:n]
    others = [d.key for d in departments[1:]]
    members = tuple(d for d, _, _ in divisions) + (departments[0].key,)
    members += tuple(_pick(rng, others, rng.randint(len(others) // 2, len(others)))) + ("body",)
    noconsent = rng.choice(
        [
            ("shien", "支援会議", "Support meeting"),
            ("shien", f"{place.name}支援会議", f"{place.name_en} support meeting"),
        ]
    )
    found = {
        kind: Meeting(f"mtg-{k}", ja, en, kind, members if kind == "promotion" else ()) for kind, (k, ja, en) in extras
    }
    found["consent"] = Meeting(f"mtg-{(c := rng.choice(V.CONSENT_MEETINGS))[0]}", c[1], c[2], "consent")
    found["noconsent"] = Meeting(f"mtg-{noconsent[0]}", noconsent[1], noconsent[2], "noconsent")
    return [found[k] for k in ("promotion", "staff", "consent", "noconsent", "thematic") if k in found]


def design(place: Place, seed: int) -> GeneratedMunicipality:
    """One municipality's plan, drawn from (seed, code) alone."""
    rng = random.Random(f"{seed}:{place.code}")
    start = rng.choices((2021, 2022, 2023, 2024, 2025, 2026), (1, 2, 2, 3, 3, 1))[0]
    years = rng.choices((3, 4, 5), (6, 1, 3))[0]
    departments, divisions = _departments(rng, place)
    programmes, operators = _programmes(rng, place, departments)
    meetings = _meetings(rng, place, departments, divisions)
    schedule = []
    for component in V.COMPONENTS:
        full_from = min(rng.choices((0, 1, 2), (5, 4, 2))[0], years - 1)
        before = "preparation" if component == "consult" or rng.random() < 0.6 else "design"
        schedule.append((component, tuple(before if y < full_from else "full" for y in range(years))))
    hosts = tuple(d.key for d in departments if d.key in ("kosodate", "kodomo-katei", "hoken-center"))
    return GeneratedMunicipality(
        place=place,
        seed=seed,
        start_year=start,
        end_year=start + years - 1,
        departments=tuple(departments),
        divisions=tuple(divisions),
        programmes=tuple(programmes),
        operators=tuple(operators),
        meetings=tuple(meetings),
        schedule=tuple(schedule),
        existing_row=schedule[0][1][0] != "full" and rng.random() < 0.5,
        challenges=tuple(sorted(rng.sample(range(len(V.CHALLENGES)), rng.randint(2, 4)))),
        goals=tuple(sorted(rng.sample(range(len(V.GOALS)), rng.randint(1, len(V.GOALS))))),
        upper_plan=(rng.randint(2, 5), start - rng.randint(0, 3)),
        activity_plan=rng.random() < 0.7,
        care_plan=rng.random() < 0.5,
        centre=hosts[:2] if rng.random() < 0.5 else (),
    )
