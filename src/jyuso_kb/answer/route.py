"""Household routing from the compiled index: programmes, departments, bodies, meetings and why.

A pure function of (index, household): nothing is logged or stored; the request never leaves memory.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import combinations
from typing import Any

from jyuso_kb.answer.members import Member as Member  # re-exported: the household type of the public API
from jyuso_kb.answer.members import check_label, members_answer, name_members
from jyuso_kb.answer.reasons import settle, triggered_by, why_of
from jyuso_kb.errors import InputError
from jyuso_kb.index.routing import Need, Routing, RoutingIndex, Target
from jyuso_kb.index.textmatch import Label, is_blank, strip_format
from jyuso_kb.plan.contact import contact_json

MAX_NEEDS = 30
MAX_TEXT = 200
MAX_MEMBERS = 20
CONSENT_VALUES = {True: "yes", False: "no", None: "unknown"}


@dataclass(frozen=True)
class Household:
    """A household as the clerk describes it. ``consent``: True, False or None (unknown)."""

    needs: tuple[str, ...] = ()
    members: tuple[Member, ...] = ()
    consent: bool | None = None
    as_of: date | None = None


@dataclass
class _Hit:
    target: Target
    roles: list[str] = field(default_factory=list)
    functions: list[str] = field(default_factory=list)
    why: list[dict[str, Any]] = field(default_factory=list)
    fallback: bool = False


def fiscal_year(day: date) -> int:
    """Japanese fiscal year (April–March) as a Gregorian year: 2025-03-31 → 2024."""
    return day.year if day.month >= 4 else day.year - 1


def _first_day(year: int) -> date:
    """1 April of a fiscal year (clamped to the years a date can have)."""
    return date(min(max(year, date.min.year), date.max.year), 4, 1)


def _last_day(year: int) -> date:
    """31 March that ends a fiscal year (clamped to the years a date can have)."""
    return date(min(max(year + 1, date.min.year), date.max.year), 3, 31)


def as_of_range(index: RoutingIndex) -> tuple[date, date | None]:
    """The reference dates the answer accepts, first and last (None: no end, for a plan without a last year): from
    1 April of ``as_of_first_fiscal_year`` (or of the plan's first year, if earlier) to the end of the fiscal year
    ``as_of_years_after_plan`` years after the plan's last one (rules/parameters.yaml)."""
    params = index.parameters
    first, last = index.period
    earliest = min(params.as_of_first_fiscal_year, first) if first else params.as_of_first_fiscal_year
    return _first_day(earliest), _last_day(last + params.as_of_years_after_plan) if last else None


def as_of_error(index: RoutingIndex, day: date, where: str = "as_of") -> InputError | None:
    """The error for a reference date outside ``as_of_range`` (None inside it). The message names the range, never
    the date given."""
    start, end = as_of_range(index)
    if start <= day and (end is None or day <= end):
        return None
    first, last = index.period
    accepted = f"{start.isoformat()}〜{end.isoformat()}" if end else f"{start.isoformat()}以降"
    period = f"計画期間は{first}〜{last}年度です。" if first and last else ""
    return InputError(
        "as_of_out_of_range",
        f"基準日が受け付ける範囲の外です。{accepted}の日付で指定してください。",
        where,
        f"{period}基準日を省略すると今日の日付で判断します。",
    )


def resolve_need(index: RoutingIndex, text: str) -> tuple[str, str] | None:
    """(need IRI, how it matched) for one input: an id (need:hikikomori / hikikomori) or Japanese text. Invisible
    format characters (a BOM pasted with the text, a zero-width space) are not part of it."""
    raw = strip_format(text).strip()
    key = raw.removeprefix("need:")
    if key in index.need_ids:
        return index.need_ids[key], "id"
    if raw in index.needs:
        return raw, "id"
    for labels in _candidates(index, raw):
        if labels:
            best = max(labels, key=lambda lab: (lab.weight, lab.original == raw, len(lab.text), lab.target))
            return best.target, best.original
    return None


def _candidates(index: RoutingIndex, text: str) -> Iterator[tuple[Label, ...]]:
    """Ways of reading the text, most literal first: whole label; the labels found in it (by words or as text)
    covering most of its words; a label around it; a similar label."""
    yield index.matcher.exact(text)
    found = [f for f in index.matcher.match(text) if f.how != "similar"]
    if found:
        most = max(len(f.words) for f in found)
        yield tuple(f.label for f in found if len(f.words) == most)
    yield index.matcher.containing(text)
    yield index.matcher.similar(text)


def _validate(household: Household) -> None:
    texts = list(household.needs) + [n for m in household.members for n in m.needs]
    if len(texts) > MAX_NEEDS:
        raise InputError(
            "too_many_needs", f"ニーズは{MAX_NEEDS}件までです。", "needs", "世帯の主な困りごとに絞ってください。"
        )
    if not texts:
        raise InputError("no_needs", "ニーズが指定されていません。", "needs", "困りごとを1つ以上入力してください。")
    if len(household.members) > MAX_MEMBERS:
        raise InputError("too_many_members", f"世帯員は{MAX_MEMBERS}人までです。", "members", "")
    for text in texts:
        if not isinstance(text, str) or is_blank(text) or len(text) > MAX_TEXT:
            raise InputError(
                "bad_need",
                f"ニーズは1〜{MAX_TEXT}文字の文字列で指定してください。",
                "needs",
                "短い言葉で入力してください。",
            )
    for member in household.members:
        if member.age is not None and not 0 <= member.age <= 130:
            raise InputError("bad_age", "年齢は0〜130の整数で指定してください。", "members.age", "")
        check_label(member)


def route(index: RoutingIndex, household: Household, today: date | None = None) -> dict[str, Any]:
    """The route answer (a public contract shared by CLI and API). A reference date the household gives
    (``as_of``) must be within ``as_of_range``; today's date (``today`` or the clock) is taken as it is. When no
    input names a need, the routings for that case (``jy:whenNothingMatched``, rules/fallback-consultation.rq) answer,
    marked ``"fallback": true``; each input that named nothing gets its closest labels as ``suggestions``."""
    if household.as_of is not None and (refused := as_of_error(index, household.as_of)) is not None:
        raise refused  # first, as in the API (where it is a 422 before the 400s of _validate)
    _validate(household)
    texts = list(household.needs) + [n for m in household.members for n in m.needs]
    needs: list[dict[str, str]] = []
    unmatched: list[str] = []
    found: dict[str, list[str]] = {}
    for text in texts:
        resolved = resolve_need(index, text)
        if resolved is None:
            unmatched.append(text)
            continue
        iri, matched = resolved
        need = index.needs[iri]
        needs.append({"input": text, "id": need.id, "label": need.label, "matched": matched})
        found.setdefault(iri, []).append(text)
    answer = routed(index, household, found, today)
    answer["needs"] = needs
    answer["unmatched"] = unmatched
    answer["members"] = members_answer(household.members, lambda text: resolve_need(index, text), index.needs)
    if unmatched:
        answer["suggestions"] = [{"input": text, "needs": suggestions(index, text)} for text in unmatched]
    return answer


def suggestions(index: RoutingIndex, text: str) -> list[dict[str, str]]:
    """「もしかして」: the needs whose labels are closest to a text that named none (``suggestion_count`` at most)."""
    out = []
    for label in index.matcher.closest(text, index.parameters.suggestion_count):
        need = index.needs[label.target]
        out.append({"id": need.id, "label": need.label, "matched": label.original})
    return out


def routed(
    index: RoutingIndex, household: Household, found: dict[str, list[str]], today: date | None = None
) -> dict[str, Any]:
    """The route answer for the needs already found (need IRI → the inputs that named it); ``needs`` and
    ``unmatched`` are the caller's to fill."""
    as_of = household.as_of or today or date.today()
    year, notice = _plan_year(index, as_of)
    consent = CONSENT_VALUES[household.consent]
    ages = [m.age for m in household.members if m.age is not None]
    field_count = fields_spanned([index.needs[iri] for iri in found])
    unserved = [iri for iri in found if iri not in index.served]

    programs: dict[str, _Hit] = {}
    fallback: set[str] = set()  # targets recommended because nothing was matched (and what follows them)
    triggers: dict[str, list[str]] = {}
    planned: dict[str, _Hit] = {}
    others: dict[str, _Hit] = {}

    targets = index.targets
    # The reasons of routings that follow a recommendation: (routing, its target's reasons, position, target).
    follows: list[tuple[Routing, list[dict[str, Any]], int, str]] = []

    def accept(routing: Routing, trigger: list[str]) -> bool:
        if (routing.valid_from and as_of < routing.valid_from) or (routing.valid_until and as_of > routing.valid_until):
            return False
        target = targets[routing.target]
        operating = target.operating_years is None or year in target.operating_years
        if target.kind == "program":
            bucket = programs if operating else planned
        else:
            bucket = planned if target.kind == "meeting" and not operating else others
        hit = bucket.get(target.iri)
        if hit is None:
            hit = bucket[target.iri] = _Hit(target)
        if routing.role and routing.role not in hit.roles:
            hit.roles.append(routing.role)
        if routing.function_label and routing.function_label not in hit.functions:
            hit.functions.append(routing.function_label)
        hit.why.append(why_of(index, routing, trigger, consent))
        if routing.after is not None:
            follows.append((routing, hit.why, len(hit.why) - 1, target.iri))
        if routing.nothing_matched is True or (routing.after is not None and routing.after in fallback):
            hit.fallback = True
            fallback.add(target.iri)
        seen = triggers.setdefault(target.iri, [])
        for need in trigger:
            if need not in seen:
                seen.append(need)
        return bucket is not planned

    for iri in found:
        trigger = [index.needs[iri].id]
        for routing in index.per_need.get(iri, ()):
            accept(routing, trigger)
    recommended = set(programs) | set(others)
    nothing = not found
    done = [False] * len(index.household)
    changed = True
    while changed:
        changed = False
        for position, routing in enumerate(index.household):
            if done[position] or not _holds(routing, field_count, bool(unserved), consent, ages, recommended, nothing):
                continue
            done[position] = True
            if accept(routing, triggered_by(index, routing, found, unserved, triggers)):
                recommended.add(routing.target)
                changed = True
    settle(index, follows, triggers, consent)

    name_members(household.members, index.household, done, [programs, planned, others])
    answer: dict[str, Any] = {
        "as_of": as_of.isoformat(),
        "fiscal_year": fiscal_year(as_of),
        "plan": index.plan_label,
        "consent": consent,
        "consent_label": index.consent_labels[consent],
        "needs": [],
        "unmatched": [],
        "members": [],
        "programs": [_mark(h, _program(h)) for h in _ordered(programs)],
        "departments": [_mark(h, _department(h)) for h in _ordered(others) if h.target.kind == "department"],
        "bodies": [_mark(h, _simple(h)) for h in _ordered(others) if h.target.kind == "body"],
        "meetings": [_mark(h, _simple(h)) for h in _ordered(others) if h.target.kind == "meeting"],
        "planned": [_mark(h, _planned(h, year)) for h in _ordered(planned)],
    }
    if fallback:
        answer["fallback"] = True
    if notice:
        answer["notice"] = notice
    return answer


def _plan_year(index: RoutingIndex, as_of: date) -> tuple[int, str]:
    """The fiscal year whose schedule applies; outside the plan period, the nearest year of it, with a notice."""
    year = fiscal_year(as_of)
    first, last = index.period
    if not first or first <= year <= last:
        return year, ""
    nearest = min(max(year, first), last)
    return nearest, (
        f"基準日({as_of.isoformat()})は計画期間({first}〜{last}年度)の外です。{nearest}年度の予定で判断しました。"
    )


def fields_spanned(needs: Sequence[Need]) -> int:
    """How many scheme fields the household spans: the fewest fields that together include every need;
    a compound situation (8050, ダブルケア …) counts all of its fields."""
    sets = [n.scheme_fields for n in needs if n.scheme_fields]
    if not sets:
        return 0
    compound = max((len(n.scheme_fields) for n in needs if n.compound), default=0)
    fields = sorted(set().union(*sets))
    if all(len(s) == 1 for s in sets):  # the usual case: each need in one field
        return max(len(fields), compound)
    for size in range(1, len(fields) + 1):
        if any(all(s & set(combo) for s in sets) for combo in combinations(fields, size)):
            return max(size, compound)
    return max(len(fields), compound)


def _holds(
    routing: Routing, fields: int, unserved: bool, consent: str, ages: list[int], recommended: set[str], nothing: bool
) -> bool:
    if routing.nothing_matched is not None and routing.nothing_matched != nothing:
        return False
    if routing.min_fields is not None and fields < routing.min_fields:
        return False
    if routing.unserved and not unserved:
        return False
    if routing.consent is not None and consent not in routing.consent:
        return False
    if routing.min_age is not None and not any(a >= routing.min_age for a in ages):
        return False
    if routing.max_age is not None and not any(a <= routing.max_age for a in ages):
        return False
    return routing.after is None or routing.after in recommended


def _ordered(hits: dict[str, _Hit]) -> list[_Hit]:
    return sorted(hits.values(), key=lambda h: (h.target.order, h.target.id))


def _mark(hit: _Hit, item: dict[str, Any]) -> dict[str, Any]:
    """An answer item recommended because nothing was matched says so."""
    if hit.fallback:
        item["fallback"] = True
    return item


def _program(hit: _Hit) -> dict[str, Any]:
    t = hit.target
    return {
        "id": t.id,
        "iri": t.iri,
        "label": t.label,
        "legal_basis": list(t.legal_basis),
        "role": "、".join(hit.roles),
        "departments": [{"id": i, "label": lab} for i, lab in t.departments],
        "operators": [{"id": i or None, "label": lab} for i, lab in t.operators],
        "source": t.source,
        "why": hit.why,
    }


def _department(hit: _Hit) -> dict[str, Any]:
    t = hit.target
    return {
        "id": t.id,
        "iri": t.iri,
        "label": t.label,
        "role": "、".join(hit.roles),
        "functions": hit.functions or list(t.functions),
        "contact": contact_json(t.contact),
        "why": hit.why,
    }


def _simple(hit: _Hit) -> dict[str, Any]:
    t = hit.target
    out: dict[str, Any] = {"id": t.id, "iri": t.iri, "label": t.label, "role": "、".join(hit.roles), "why": hit.why}
    if t.legal_basis:
        out["legal_basis"] = list(t.legal_basis)
    if t.kind == "body":
        out["contact"] = contact_json(t.contact)
    return out


def _planned(hit: _Hit, year: int) -> dict[str, Any]:
    t = hit.target
    status = t.status_by_year.get(year, "予定なし")
    starts = sorted(y for y in (t.operating_years or ()) if y > year)
    return {
        "id": t.id,
        "iri": t.iri,
        "label": t.label,
        "kind": t.kind,
        "role": "、".join(hit.roles),
        "status": status,
        "operating_from_fiscal_year": starts[0] if starts else None,
        "legal_basis": list(t.legal_basis),
        "why": hit.why,
    }
