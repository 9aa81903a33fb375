"""Validating a plan as the CLI and the API do: SHACL with the project's shapes plus the quality checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jyuso_kb.check import quality, shacl
from jyuso_kb.check.verdict import blocking, conforms
from jyuso_kb.plan.source import PlanSource, vocabulary_graph
from jyuso_kb.plan.workbook.mapping import load_mapping


@dataclass(frozen=True)
class Validation:
    """The SHACL report, the failed quality checks of severity error, and whether the plan conforms."""

    report: shacl.Report
    failed_checks: tuple[quality.CheckResult, ...]
    conforms: bool

    def as_dict(self) -> dict[str, Any]:
        return {**self.report.as_dict(), "conforms": self.conforms, "checks": [r.as_dict() for r in self.failed_checks]}


def validate(plan: PlanSource) -> Validation:
    """Validate the plan (its data with the project's ontology and thesaurus); the shapes never enter the data."""
    report = shacl.validate(plan)
    results = quality.run(plan.merged())
    return Validation(report, tuple(blocking(results)), conforms(report, results))


def prepare() -> None:
    """Read once what every validation reads (shapes, checks, the workbook mapping and the vocabulary its hints
    name), so that the processes forked to validate uploads inherit it instead of reading it again each time."""
    shacl.shapes_graph()
    quality.checks()
    load_mapping()
    vocabulary_graph()
