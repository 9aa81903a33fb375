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
        fallback: true                        # optional (default false): nothing matched, the fallback answered
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
import yaml

from jyuso_kb.answer import route as routing
from jyuso_kb.index.routing import RoutingIndex, build
from jyuso_kb.plan.source import PlanSource

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
    assert answer.get("fallback", False) is case["expect"].get("fallback", False)
    for key in KEYS[2:]:
        for item in answer[key]:
            assert item["why"], f"{item['id']} has no explanation"
            for why in item["why"]:
                assert why["rule"] and why["section"] and why["legal_item"] and why["text"], why
                assert all(why["legal_item"]), why
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


def _cli_route(seed: str, *needs: str) -> str:
    import os
    import subprocess
    import sys
    from pathlib import Path

    args = [arg for need in needs for arg in ("--need", need)]
    exe = Path(sys.executable).with_name("jyuso-kb")
    env = {**os.environ, "PYTHONHASHSEED": seed}
    command = [str(exe), "route", *args, "--consent", "yes", "--as-of", "2025-10-01", "--json"]
    return subprocess.run(command, capture_output=True, text=True, env=env, check=True).stdout


def test_the_answer_is_byte_identical_in_every_process() -> None:
    """Two workers must answer alike: explanations of a department that is 所管課 of several programmes, and the
    label reported as matched, do not depend on the process' hash seed."""
    needs = ("親の介護", "ひきこもりの息子", "税金を滞納している", "子ども食堂")
    first = _cli_route("1", *needs)
    assert _cli_route("2", *needs) == first
    assert _cli_route("3", *needs) == first
    why = next(d for d in json.loads(first)["departments"] if d["id"] == "dept-shakaifukushi")["why"]
    assert [w["text"] for w in why if w["rule"] == "responsible-department"] == [  # in the plan's order
        "社会福祉課は地域包括支援センター運営事業の所管課です。",
        "社会福祉課は障がい者相談支援事業の所管課です。",
        "社会福祉課は自立相談支援事業の所管課です。",
        "社会福祉課は多機関協働事業の所管課です。",
        "社会福祉課はアウトリーチ等を通じた継続的支援事業の所管課です。",
        "社会福祉課は社会参加支援事業の所管課です。",
        "社会福祉課は生活支援体制整備事業の所管課です。",
        "社会福祉課は生活困窮者支援等のための地域づくり事業の所管課です。",
    ]


@pytest.mark.parametrize("typed", ["子ども食堂", "こども食堂"])
def test_matched_names_the_label_as_typed(index: RoutingIndex, typed: str) -> None:
    answer = routing.route(index, routing.Household(needs=(typed,), as_of=date(2025, 10, 1)))
    assert answer["needs"] == [{"input": typed, "id": "child-ibasho", "label": "子どもの居場所", "matched": typed}]
