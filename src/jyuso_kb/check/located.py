"""A validation of a plan read from workbooks, in the staff's terms: every SHACL finding and every row of a failed
quality check named by sheet, row and (where the finding has a property) the Japanese column header, and their fix
hints spoken in sheets and columns (``Finding.fix``, ``CheckResult.fix``). Turtle and JSON-LD input keep the
shapes' and checks' own hints: their findings are not located."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from jyuso_kb.check.quality import CheckResult
from jyuso_kb.check.shacl import Report
from jyuso_kb.check.validation import Validation
from jyuso_kb.plan.workbook.importer import locate
from jyuso_kb.plan.workbook.sheets import WorkbookIndex


def where(indexes: Sequence[WorkbookIndex], focus: str, path: str | None = None) -> str:
    """The first place any of the workbooks has for the node (and property), or ""."""
    return next((w for w in (locate(i, focus, path or None) for i in indexes) if w), "")


def located_checks(results: Iterable[CheckResult], indexes: Sequence[WorkbookIndex]) -> tuple[CheckResult, ...]:
    """The check results with the place of each row's node (its first column; the cell when its second column is a
    property with a column there) when the plan came from workbooks."""
    if not indexes:
        return tuple(results)
    return tuple(
        replace(r, locations=tuple(where(indexes, row[0], row[1] if len(row) > 1 else None) for row in r.rows if row))
        for r in results
    )


def located_report(report: Report, indexes: Sequence[WorkbookIndex]) -> Report:
    """The SHACL report with each finding's place in the workbooks (unchanged when there are none)."""
    if not indexes:
        return report
    return replace(
        report, findings=tuple(replace(f, location=where(indexes, f.focus, f.path)) for f in report.findings)
    )


def in_workbook(result: Validation, indexes: Sequence[WorkbookIndex]) -> Validation:
    """The validation with its findings and failed checks located in the workbooks (unchanged when there are none)."""
    if not indexes:
        return result
    return replace(
        result,
        report=located_report(result.report, indexes),
        failed_checks=located_checks(result.failed_checks, indexes),
    )
