"""Shared fixtures: the embedded plan is loaded once per test session (it is immutable)."""

from __future__ import annotations

from pathlib import Path

import pytest

from jyuso_kb.plan.load import load_embedded
from jyuso_kb.plan.source import PlanSource

TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures"
EXPECTED = TESTS / "expected"


@pytest.fixture(scope="session")
def uozu() -> PlanSource:
    return load_embedded()


def csv_workbook_without_outreach_department(folder: Path) -> Path:
    """The 魚津市 plan exported as a CSV workbook, with the 所管課 cell of アウトリーチ等を通じた継続的支援事業 blanked
    (the mistake a policy-staff member makes in a spreadsheet)."""
    import csv

    from jyuso_kb import cli

    assert cli.main(["workbook", "export", "--format", "csv", "--out", str(folder)]) == 0
    sheet = folder / "programs.csv"
    with sheet.open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    column = rows[0].index("所管課")
    for row in rows[1:]:
        if row[0].endswith("prog-outreach"):
            row[column] = ""
    with sheet.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return folder
