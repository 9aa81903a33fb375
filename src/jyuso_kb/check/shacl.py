"""SHACL validation of a plan against the project's shapes, with a Japanese report.

The shapes graph is always ours (never the data, never an upload) and is kept apart from the data graph:
pyshacl reads a fresh merged graph of vocabulary + data and never writes the shapes into it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pyshacl
from rdflib import RDFS, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import Node

from jyuso_kb import resources
from jyuso_kb.namespaces import JYSH, bind_prefixes
from jyuso_kb.plan.read import read_files
from jyuso_kb.plan.source import PlanSource
from jyuso_kb.plan.workbook.findings import workbook_hint

SEVERITY_EN = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}


@dataclass(frozen=True)
class Finding:
    """One SHACL result: which node, which requirement (shape), what is wrong, how to fix it."""

    severity: str
    focus: str
    focus_label: str
    shape: str
    path: str
    message: str
    hint: str
    value: str
    location: str = ""
    workbook_hint: str = ""  # how to fix it in the workbook's sheets and columns (shown when located in one)

    @property
    def fix(self) -> str:
        """The hint to show: in the workbook's terms for a finding located in a workbook, else the shape's."""
        return self.workbook_hint if self.location and self.workbook_hint else self.hint

    def as_dict(self) -> dict[str, str]:
        return {
            "location": self.location,
            "severity": self.severity,
            "focus": self.focus,
            "focus_label": self.focus_label,
            "shape": self.shape,
            "path": self.path,
            "message": self.message,
            "hint": self.fix,
            "value": self.value,
        }


@dataclass(frozen=True)
class Report:
    conforms: bool
    findings: tuple[Finding, ...]

    @property
    def violations(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "violation")

    def as_dict(self) -> dict[str, object]:
        return {"conforms": self.conforms, "findings": [f.as_dict() for f in self.findings]}


@lru_cache(maxsize=1)
def shapes_graph() -> Graph:
    """The project's shapes, read once per process."""
    return bind_prefixes(read_files(resources.shape_files()))


def validate(plan: PlanSource) -> Report:
    """Validate a plan; ``conforms`` is False only when there is a finding of severity Violation."""
    data = plan.merged()
    shapes = shapes_graph()
    _, results, _ = pyshacl.validate(
        data,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        allow_warnings=True,
        do_owl_imports=False,
        abort_on_first=False,
    )
    assert isinstance(results, Graph)
    findings = tuple(sorted(_findings(results, data, shapes), key=_sort_key))
    return Report(conforms=not any(f.severity == "violation" for f in findings), findings=findings)


def _sort_key(f: Finding) -> tuple[int, str, str, str]:
    order = {"violation": 0, "warning": 1, "info": 2}
    return (order.get(f.severity, 3), f.focus, f.shape, f.message)


def _findings(results: Graph, data: Graph, shapes: Graph) -> list[Finding]:
    out = []
    for result in results.subjects(SH.resultSeverity, None):
        severity = results.value(result, SH.resultSeverity)
        focus = results.value(result, SH.focusNode)
        source_shape = results.value(result, SH.sourceShape)
        path = results.value(result, SH.resultPath)
        value = results.value(result, SH.value)
        message = _japanese(list(results.objects(result, SH.resultMessage)))
        if not message and source_shape is not None:
            message = _japanese(list(shapes.objects(source_shape, SH.message)))
        out.append(
            Finding(
                severity=SEVERITY_EN.get(severity, "info") if isinstance(severity, URIRef) else "info",
                focus=_short(data, focus),
                focus_label=_label(data, focus),
                shape=_shape_name(shapes, source_shape),
                path=_short(data, path) if isinstance(path, URIRef) else "",
                message=message or "要件を満たしていません。",
                hint=_hint(shapes, source_shape),
                value=_short(data, value) if value is not None else "",
                workbook_hint=_workbook_hint(results, result, data, shapes, source_shape),
            )
        )
    return out


def _workbook_hint(results: Graph, result: Node, data: Graph, shapes: Graph, shape: Node | None) -> str:
    """The fix hint in the workbook's terms: the sheet and column of the result's path and the kind of constraint
    broken (``mapping/workbook.yaml``, ``finding_hints``), or the shape's own ``jysh:workbookHint``."""
    component = results.value(result, SH.sourceConstraintComponent)
    kind = str(component).rsplit("#", 1)[-1] if isinstance(component, URIRef) else ""
    template = ""
    lang = None
    if shape is not None:
        template = _japanese(list(shapes.objects(shape, JYSH.workbookHint)))
        for parent in (*shapes.subjects(SH.property, shape), *shapes.subjects(SH.sparql, shape)):
            template = template or _japanese(list(shapes.objects(parent, JYSH.workbookHint)))
        qualified = shapes.value(shape, SH.qualifiedValueShape)
        languages = shapes.value(qualified, SH.languageIn) if qualified is not None else None
        if languages is not None:
            lang = next((str(x) for x in Collection(shapes, languages)), None)
    focus, path = results.value(result, SH.focusNode), results.value(result, SH.resultPath)
    return workbook_hint(data, focus, path, kind, template, lang)


def _japanese(literals: list[Node]) -> str:
    texts = [lit for lit in literals if isinstance(lit, Literal)]
    for lit in texts:
        if lit.language == "ja":
            return str(lit)
    for lit in texts:
        if lit.language is None:
            return str(lit)
    return str(texts[0]) if texts else ""


def _hint(shapes: Graph, shape: Node | None) -> str:
    """The shape's jysh:fixHint, or the hint of the node shape that holds this property shape."""
    if shape is None:
        return ""
    hint = _japanese(list(shapes.objects(shape, JYSH.fixHint)))
    if hint:
        return hint
    for parent in shapes.subjects(SH.property, shape):
        hint = _japanese(list(shapes.objects(parent, JYSH.fixHint)))
        if hint:
            return hint
    for parent in shapes.subjects(SH.sparql, shape):
        hint = _japanese(list(shapes.objects(parent, JYSH.fixHint)))
        if hint:
            return hint
    return ""


def _shape_name(shapes: Graph, shape: Node | None) -> str:
    """A stable name for the requirement: the shape IRI, or the named shape that holds a blank one."""
    if shape is None:
        return ""
    if isinstance(shape, URIRef):
        return _short(shapes, shape)
    for predicate in (SH.property, SH.sparql):
        for parent in shapes.subjects(predicate, shape):
            if isinstance(parent, URIRef):
                return _short(shapes, parent)
    return ""


def _short(graph: Graph, node: Node | None) -> str:
    if node is None:
        return ""
    if isinstance(node, URIRef):
        try:
            return graph.namespace_manager.normalizeUri(node)
        except ValueError:
            return str(node)
    return str(node)


def _label(graph: Graph, node: Node | None) -> str:
    if node is None:
        return ""
    return _japanese(list(graph.objects(node, RDFS.label)))


def render_text(report: Report) -> str:
    """The report as Japanese text, one block per finding."""
    if not report.findings:
        return "適合: 計画はすべての要件を満たしています。"
    counts = {s: sum(1 for f in report.findings if f.severity == s) for s in ("violation", "warning", "info")}
    head = "適合" if report.conforms else "不適合"
    lines = [f"{head}: 違反 {counts['violation']}件、警告 {counts['warning']}件、情報 {counts['info']}件"]
    names = {"violation": "違反", "warning": "警告", "info": "情報"}
    for f in report.findings:
        label = f" ({f.focus_label})" if f.focus_label else ""
        lines.append("")
        lines.append(f"[{names[f.severity]}] {f.focus}{label}")
        lines.append(f"  要件: {f.message}")
        if f.path:
            lines.append(f"  項目: {f.path}")
        if f.value:
            lines.append(f"  値: {f.value}")
        if f.location:
            lines.append(f"  場所: {f.location}")
        if f.fix:
            lines.append(f"  直し方: {f.fix}")
        lines.append(f"  形状: {f.shape}")
    return "\n".join(lines)
