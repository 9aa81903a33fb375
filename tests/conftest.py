"""Shared fixtures: the embedded plan is loaded once per test session (it is immutable)."""

from __future__ import annotations

from pathlib import Path

import pytest

from jyuso_kb.kb import PlanSource, load_embedded

TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures"
EXPECTED = TESTS / "expected"


@pytest.fixture(scope="session")
def uozu() -> PlanSource:
    return load_embedded()
