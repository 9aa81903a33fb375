"""Whether a plan conforms, decided once: no SHACL violation and no failed quality check of severity error."""

from __future__ import annotations

from collections.abc import Iterable

from jyuso_kb.check.quality import CheckResult
from jyuso_kb.check.shacl import Report


def blocking(results: Iterable[CheckResult]) -> list[CheckResult]:
    """The failed quality checks that make a plan not conform (severity error)."""
    return [r for r in results if r.check.severity == "error" and not r.passed]


def conforms(report: Report, results: Iterable[CheckResult]) -> bool:
    """The plan conforms: SHACL finds no violation and no quality check of severity error fails."""
    return report.conforms and not blocking(results)
