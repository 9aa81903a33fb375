"""The answers of the national endpoints, from the index in memory: programmes across municipalities (filtered,
in pages), counts by prefecture or municipality and legal item, and the 庁内連携 matrix's departments per function.

Order is stable: municipalities by code, a municipality's programmes by IRI. A programme matches a legal item when
it implements that item or a part of it (第1号 matches 第1号イ … ニ), an operator filter when the name or another name
(skos:altLabel) of one of its operators contains the text (NFKC, case-folded), and it operates in a fiscal year when
a schedule row of its own or of its component has a status with ``jy:operating true`` that year (the rule
``schedule-operating``); with no schedule entry that year at all, ``operating`` is null.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from jyuso_kb.namespaces import JY
from jyuso_kb.serve.national_index import Municipality, NationalIndex, Vocabulary, short_id
from jyuso_kb.serve.national_params import (
    PREFECTURE_CODE,
    CollaborationQuery,
    Filters,
    ProgramsQuery,
    SummaryQuery,
    cursor_of,
    normalized,
)
from jyuso_kb.store.national_facts import Named, Program, label_of, local_name

_OPERATOR, _MODE = str(JY.operator), str(JY.implementationMode)


def in_scope(index: NationalIndex, f: Filters) -> Iterator[Municipality]:
    """The municipalities the prefecture and municipality filters leave, by code."""
    by_code = f.prefecture is not None and PREFECTURE_CODE.fullmatch(f.prefecture) is not None
    wanted = normalized(f.prefecture) if f.prefecture is not None else None
    for m in index.municipalities:
        if f.municipality is not None and m.code != f.municipality:
            continue
        if wanted is not None and (m.prefecture_code if by_code else normalized(m.entry.prefecture)) != wanted:
            continue
        yield m


@lru_cache(maxsize=65536)
def _searchable(operator: Named) -> tuple[str, ...]:
    return tuple(normalized(t) for t in (*(text for _, text in operator.labels), *operator.aliases))


def matches(p: Program, f: Filters) -> bool:
    if f.legal_items is not None and f.legal_items.isdisjoint(p.provisions):
        return False
    if f.mode is not None and f.mode not in p.modes:
        return False
    text = f.operator
    return text is None or any(text in name for o in p.operators for name in _searchable(o))


def operating(p: Program, year: int, terms: Vocabulary) -> bool | None:
    """Whether the programme operates in the fiscal year; None when its schedule says nothing of that year."""
    statuses = [status for y, status in p.years if y == year]
    return any(terms.operating(s) for s in statuses) if statuses else None


def _ref(n: Named) -> dict[str, str | None]:
    return {"id": n.id, "label": n.label()}


def _legal(iri: str, terms: Vocabulary) -> dict[str, str]:
    term = terms.provisions.get(iri)
    return {"id": local_name(iri), "citation": term.citation if term is not None else ""}


def _provision_order(iri: str, terms: Vocabulary) -> tuple[int, str]:
    term = terms.provisions.get(iri)
    return (term.order if term is not None else 10**9, iri)


def program_item(m: Municipality, p: Program, f: Filters, terms: Vocabulary) -> dict[str, Any]:
    """One programme as the national list gives it."""
    mode = next((terms.modes[i] for i in p.modes if i in terms.modes), None)
    if _OPERATOR in p.unstated:
        operators: list[dict[str, str | None]] = [{"id": None, "label": terms.unknown}]
    else:
        operators = [_ref(o) for o in p.operators]
    item: dict[str, Any] = {
        "municipality": m.as_dict(),
        "id": p.id,
        "iri": p.iri,
        "label": label_of(p.labels),
        "label_en": label_of(p.labels, "en"),
        "legal_items": [_legal(i, terms) for i in sorted(p.provisions, key=lambda i: _provision_order(i, terms))],
        "mode": short_id(mode) if mode is not None else None,
        "implementation": mode.label if mode is not None else (terms.unknown if _MODE in p.unstated else ""),
        "operators": operators,
        "departments": [_ref(d) for d in p.departments],
    }
    if f.fiscal_year is not None:
        item["operating"] = operating(p, f.fiscal_year, terms)
    return item


def programs(index: NationalIndex, q: ProgramsQuery, terms: Vocabulary) -> dict[str, Any]:
    """A page of the programmes that match, the number of all of them and the cursor of the next page (or None)."""
    total, page = 0, list[tuple[Municipality, Program]]()
    more = False
    for m in in_scope(index, q.filters):
        for p in m.facts.programs:
            if not matches(p, q.filters):
                continue
            total += 1
            if q.after is not None and (m.code, p.iri) <= q.after:
                continue
            if len(page) < q.limit:
                page.append((m, p))
            else:
                more = True
    last = page[-1] if page and more else None
    return {
        "total": total,
        "fiscal_year": q.filters.fiscal_year,
        "items": [program_item(m, p, q.filters, terms) for m, p in page],
        "next": cursor_of(last[0].code, last[1].iri) if last is not None else None,
    }


class _Counts:
    """Programmes and municipalities counted for one group (a prefecture, a municipality, or all)."""

    def __init__(self, year: int | None) -> None:
        self.year = year
        self.municipalities = self.with_programs = self.programs = self.operating = self.with_operating = 0
        self.items: dict[str, list[int]] = {}  # legal item → [municipalities, programmes, operating, with operating]

    def add(self, matched: list[tuple[Program, bool]], items: dict[str, tuple[int, int]]) -> None:
        self.municipalities += 1
        self.with_programs += bool(matched)
        self.programs += len(matched)
        self.operating += sum(on for _, on in matched)
        self.with_operating += any(on for _, on in matched)
        for iri, (count, running) in items.items():
            slot = self.items.setdefault(iri, [0, 0, 0, 0])
            slot[0] += 1
            slot[1] += count
            slot[2] += running
            slot[3] += running > 0

    def as_dict(self, terms: Vocabulary) -> dict[str, Any]:
        out: dict[str, Any] = {
            "municipalities": self.municipalities,
            "municipalities_with_programs": self.with_programs,
            "programs": self.programs,
        }
        if self.year is not None:
            out |= {"operating_programs": self.operating, "municipalities_operating": self.with_operating}
        rows = []
        for iri in sorted(self.items, key=lambda i: _provision_order(i, terms)):
            m, p, on, with_on = self.items[iri]
            row: dict[str, Any] = {**_legal(iri, terms), "municipalities": m, "programs": p}
            if self.year is not None:
                row |= {"operating_programs": on, "municipalities_operating": with_on}
            rows.append(row)
        out["legal_items"] = rows
        return out


def _tally(
    m: Municipality, f: Filters, terms: Vocabulary
) -> tuple[list[tuple[Program, bool]], dict[str, tuple[int, int]]]:
    """A municipality's matching programmes (each with whether it operates in the fiscal year) and, per legal item
    within the filter, how many implement it and how many of those operate."""
    matched = [
        (p, f.fiscal_year is not None and operating(p, f.fiscal_year, terms) is True)
        for p in m.facts.programs
        if matches(p, f)
    ]
    items: dict[str, tuple[int, int]] = {}
    for p, on in matched:
        for iri in p.provisions:
            if f.legal_items is None or iri in f.legal_items:
                count, running = items.get(iri, (0, 0))
                items[iri] = (count + 1, running + on)
    return matched, items


def summary(index: NationalIndex, q: SummaryQuery, terms: Vocabulary) -> dict[str, Any]:
    """Counts of municipalities and programmes by prefecture or municipality, and by legal item within each; every
    municipality the prefecture and municipality filters leave has its row, also with nothing matching."""
    year = q.filters.fiscal_year
    total = _Counts(year)
    groups: dict[str, tuple[dict[str, Any], _Counts]] = {}
    names = index.prefecture_names()
    for m in in_scope(index, q.filters):
        matched, items = _tally(m, q.filters, terms)
        total.add(matched, items)
        if q.by == "municipality":
            key, head = m.code, {"municipality": m.as_dict()}
        else:
            key, head = m.prefecture_code, {"prefecture": {"code": m.prefecture_code, "name": names[m.prefecture_code]}}
        groups.setdefault(key, (head, _Counts(year)))[1].add(matched, items)
    return {
        "by": q.by,
        "fiscal_year": year,
        "total": total.as_dict(terms),
        "rows": [{**head, **counts.as_dict(terms)} for _, (head, counts) in sorted(groups.items())],
    }


def collaboration(index: NationalIndex, q: CollaborationQuery, terms: Vocabulary) -> dict[str, Any]:
    """Per municipality, the departments with ○ in each column (or the one asked for) of its 庁内連携 matrix."""
    functions = [t for t in terms.functions.values() if q.function is None or t.iri == q.function]
    items = []
    for m in in_scope(index, q.filters):
        columns = []
        for t in functions:
            departments = m.facts.cells.get(t.iri, ())
            columns.append(
                {"id": t.id, "label": t.label, "count": len(departments), "departments": [_ref(d) for d in departments]}
            )
        items.append({"municipality": m.as_dict(), "functions": columns})
    return {
        "functions": [{"id": t.id, "number": t.number, "label": t.label, "label_en": t.label_en} for t in functions],
        "total": len(items),
        "items": items,
    }
