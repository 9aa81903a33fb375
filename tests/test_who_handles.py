"""Free-text who-handles: questions as residents phrase them (tests/who_handles.yaml) → the expected department first."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from jyuso_kb.answer.who_handles import who_handles
from jyuso_kb.index.routing import RoutingIndex, build
from jyuso_kb.plan.source import PlanSource

from .conftest import TESTS

QUESTIONS: list[dict[str, Any]] = yaml.safe_load((TESTS / "who_handles.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def index(uozu: PlanSource) -> RoutingIndex:
    return build(uozu)


def test_there_are_enough_questions() -> None:
    assert len(QUESTIONS) >= 60


@pytest.mark.parametrize("item", QUESTIONS, ids=[q["q"] for q in QUESTIONS])
def test_question_finds_the_department_first(item: dict[str, Any], index: RoutingIndex) -> None:
    answer = who_handles(index, item["q"])
    ids = [r["department"]["id"] for r in answer["results"]]
    assert ids[:1] == [item["department"]]
    for other in item.get("also", []):
        assert other in ids
    assert answer["unmatched"] == []
    scores = [r["score"] for r in answer["results"]]
    assert scores == sorted(scores, reverse=True)
    assert all(r["matched"] for r in answer["results"])


@pytest.mark.parametrize("text", ["xyzzy", "あいうえお", "🙂🙂🙂"])
def test_unknown_input_is_reported_not_dropped(text: str, index: RoutingIndex) -> None:
    answer = who_handles(index, text)
    assert answer == {"query": text, "results": [], "needs": [], "unmatched": [text]}
