"""Named quality checks (checks/*.rq): SPARQL SELECT queries that must return no row.

Each file starts with comment headers ``# title:``, ``# severity: error|warning`` and ``# hint:``; a check of
severity error that returns rows makes the plan non-conforming.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rdflib import SKOS, Graph, URIRef
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node

from jyuso_kb import query_parsing, resources
from jyuso_kb.plan.terms import label, local_id
from jyuso_kb.reason.headers import read_headers


@dataclass(frozen=True)
class Check:
    name: str
    title: str
    severity: str
    hint: str
    query: Query
    workbook_hint: str = ""  # ``# workbook-hint:``: the hint in the workbook's sheets and columns


@dataclass(frozen=True)
class CheckResult:
    check: Check
    rows: tuple[tuple[str, ...], ...]
    locations: tuple[str, ...] = ()  # for a plan read from a workbook: where each row's node is (sheet, row)
    labels: tuple[tuple[str, ...], ...] = ()  # each row in staff's words: labels, not RDF names (rows keep those)

    @property
    def passed(self) -> bool:
        return not self.rows

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.check.name,
            "title": self.check.title,
            "severity": self.check.severity,
            "hint": self.fix,
            "passed": self.passed,
            "rows": [list(r) for r in self.rows],
            "row_labels": [list(r) for r in self.labels],
            **({"locations": list(self.locations)} if self.locations else {}),
        }

    @property
    def fix(self) -> str:
        """The hint to show: in the workbook's terms when the rows are located in a workbook, else the check's."""
        return self.check.workbook_hint if any(self.locations) and self.check.workbook_hint else self.check.hint


def load_check(path: Path) -> Check:
    text = path.read_text(encoding="utf-8")
    head = read_headers(text)
    return Check(
        name=path.stem,
        title=head.get("title", path.stem),
        severity=head.get("severity", "error"),
        hint=head.get("hint", ""),
        query=query_parsing.prepare(text),
        workbook_hint=head.get("workbook-hint", ""),
    )


@lru_cache(maxsize=1)
def checks() -> tuple[Check, ...]:
    """Every check, parsed once per process (SPARQL parsing is not thread-safe: do it at load)."""
    return tuple(load_check(p) for p in resources.check_files())


def run(graph: Graph) -> tuple[CheckResult, ...]:
    results = []
    for check in checks():
        found = graph.query(check.query)
        rows = sorted((tuple(_text(graph, v) for v in row), tuple(_name(graph, v) for v in row)) for row in found)  # type: ignore[union-attr]
        results.append(CheckResult(check, tuple(r for r, _ in rows), labels=tuple(n for _, n in rows)))
    return tuple(results)


def _name(graph: Graph, value: Node | None) -> str:
    """A row's value as staff read it: a node's Japanese label (a need's preferred label), else its id."""
    if isinstance(value, URIRef):
        return label(graph, value) or label(graph, value, prop=SKOS.prefLabel) or local_id(value)
    return _text(graph, value)


def _text(graph: Graph, value: Node | None) -> str:
    if value is None:
        return ""
    if isinstance(value, URIRef):
        return graph.namespace_manager.normalizeUri(value)
    return str(value)
