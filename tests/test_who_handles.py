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
def test_unknown_input_is_reported_and_still_answered(text: str, index: RoutingIndex) -> None:
    """No one is turned away: what names nothing goes to the 所管課 of 多機関協働事業 (rules/fallback-consultation.rq),
    marked fallback, with the reason and the plan section."""
    answer = who_handles(index, text)
    assert answer["unmatched"] == [text] and answer["needs"] == [] and answer["named"] == []
    assert answer["fallback"] is True
    assert [r["department"]["id"] for r in answer["results"]] == ["dept-shakaifukushi"]
    assert [p["id"] for p in answer["programs"]] == ["prog-takikan-kyodo"]
    why = answer["programs"][0]["why"][0]
    assert why["rule"] == "fallback-consultation"
    assert why["legal_item"] == [f"社会福祉法第106条の4第2項第{n}号" for n in (1, 5, 6)]
    assert why["text"].startswith("入力からは特定の困りごとが見つかりませんが、包括的相談支援事業は")
    assert answer["suggestions"] == []
