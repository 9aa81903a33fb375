"""Every quality check (checks/*.rq) has a fixture that makes it fail: a small patch of the 魚津市 plan
(tests/fixtures/checks/<check>.yaml, patched like the shape fixtures) and exactly the rows the check must return.

Format::

    check: matrix-department-without-duty      # the file name of the check in checks/, without .rq
    description: 税務課の唯一の業務を税務課から外す
    patch: {remove: "<turtle>", add: "<turtle>"}   # either key may be absent
    expect:                                     # exactly these rows, in the check's own order of columns
      - [uozu:dept-zeimu]
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from jyuso_kb import resources
from jyuso_kb.check import quality
from jyuso_kb.plan.source import PlanSource

from .conftest import FIXTURES
from .shape_fixtures import patched

CHECK_FILES = resources.check_files()
FIXTURE_DIR = FIXTURES / "checks"


def _rows(plan: PlanSource) -> dict[str, tuple[tuple[str, ...], ...]]:
    return {result.check.name: result.rows for result in quality.run(plan.merged())}


def _rows_of(check: str, plan: PlanSource, monkeypatch: pytest.MonkeyPatch) -> tuple[tuple[str, ...], ...]:
    """``quality.run`` (the code ``validate`` runs) with this one check only."""
    only = tuple(c for c in quality.checks() if c.name == check)
    monkeypatch.setattr(quality, "checks", lambda: only)
    [result] = quality.run(plan.merged())
    return result.rows


@pytest.fixture(scope="module")
def unpatched(uozu: PlanSource) -> dict[str, tuple[tuple[str, ...], ...]]:
    return _rows(uozu)


def test_the_plan_passes_every_check(unpatched: dict[str, tuple[tuple[str, ...], ...]]) -> None:
    assert {name: rows for name, rows in unpatched.items() if rows} == {}
    assert sorted(unpatched) == sorted(p.stem for p in CHECK_FILES)


@pytest.mark.parametrize("check", [p.stem for p in CHECK_FILES])
def test_the_check_fails_on_its_fixture_with_exactly_the_expected_rows(
    check: str, uozu: PlanSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = FIXTURE_DIR / f"{check}.yaml"
    assert path.exists(), f"checks/{check}.rq has no fixture: add {path.relative_to(FIXTURES.parent.parent)}"
    fixture: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert fixture["check"] == check
    assert fixture.get("description")
    expected = tuple(sorted(tuple(str(v) for v in row) for row in fixture["expect"]))
    assert expected, "a fixture must make its check fail"
    assert _rows_of(check, patched(uozu, fixture["patch"]), monkeypatch) == expected


def test_every_fixture_names_a_check() -> None:
    names = {p.stem for p in CHECK_FILES}
    assert sorted(p.stem for p in FIXTURE_DIR.glob("*.yaml") if p.stem not in names) == []
