"""Household cases as data (tests/households/*.yaml): what a 窓口 clerk types and exactly what must come back.

Each file holds a list of cases::

    - name: 8050世帯・同意あり
      needs: [親の介護, ひきこもりの息子]        # what the clerk typed (Japanese or need ids)
      members: [{age: 82}, {age: 52, needs: [仕事がない]}]   # optional
      consent: true                           # true / false / null (unknown)
      as_of: 2025-10-01
      expect:                                 # ids, order-insensitive; every key is compared exactly
        needs: [care-of-parent, hikikomori]
        unmatched: []
        programs: [...]
        departments: [...]
        bodies: []
        meetings: [...]
        planned: []
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import yaml

from jyuso_kb import routing
from jyuso_kb.kb import PlanSource
from jyuso_kb.routing_index import RoutingIndex, build

from .conftest import TESTS

CASE_FILES = sorted((TESTS / "households").glob("*.yaml"))
KEYS = ("needs", "unmatched", "programs", "departments", "bodies", "meetings", "planned")


def _cases() -> list[Any]:
    out = []
    for path in CASE_FILES:
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            out.append(pytest.param(case, id=f"{path.stem}:{case['name']}"))
    return out


@pytest.fixture(scope="module")
def index(uozu: PlanSource) -> RoutingIndex:
    return build(uozu)


def household(case: dict[str, Any]) -> routing.Household:
    as_of = case.get("as_of")
    return routing.Household(
        needs=tuple(case.get("needs") or ()),
        members=tuple(routing.Member(m.get("age"), tuple(m.get("needs") or ())) for m in case.get("members") or ()),
        consent=case.get("consent"),
        as_of=as_of if isinstance(as_of, date) else date.fromisoformat(as_of) if as_of else None,
    )


def summary(answer: dict[str, Any]) -> dict[str, list[str]]:
    return {
        "needs": sorted({n["id"] for n in answer["needs"]}),
        "unmatched": sorted(answer["unmatched"]),
        **{key: sorted(item["id"] for item in answer[key]) for key in KEYS[2:]},
    }


def test_there_are_enough_cases() -> None:
    assert len(_cases()) >= 40


@pytest.mark.parametrize("case", _cases())
def test_household_case(case: dict[str, Any], index: RoutingIndex) -> None:
    answer = routing.route(index, household(case))
    expected = {key: sorted(case["expect"].get(key) or []) for key in KEYS}
    assert summary(answer) == expected
    for key in KEYS[2:]:
        for item in answer[key]:
            assert item["why"], f"{item['id']} has no explanation"
            for why in item["why"]:
                assert why["rule"] and why["section"] and why["text"], why
                assert "{" not in why["text"], why["text"]


def test_every_program_department_and_meeting_is_reached_by_some_case(index: RoutingIndex) -> None:
    reached: set[str] = set()
    for param in _cases():
        answer = routing.route(index, household(param.values[0]))
        for key in ("programs", "departments", "meetings", "planned"):
            reached |= {item["id"] for item in answer[key]}
    kinds = {"program", "department", "meeting"}
    targets = {t.id for t in index.targets.values() if t.kind in kinds}
    assert sorted(targets - reached) == []


def test_every_need_is_routed_somewhere(index: RoutingIndex) -> None:
    """Every thesaurus need leads to at least one programme, department, body or (unserved) 多機関協働事業."""
    lost = []
    for need in index.needs.values():
        answer = routing.route(index, routing.Household(needs=(need.id,), as_of=date(2025, 10, 1)))
        if not (answer["programs"] or answer["departments"] or answer["bodies"]):
            lost.append(need.id)
    assert lost == []
