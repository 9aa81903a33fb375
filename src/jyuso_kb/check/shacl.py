"""SHACL validation of a plan against the project's shapes, with a Japanese report.

The shapes graph is always ours (never the data, never an upload) and is kept apart from the data graph:
pyshacl reads a fresh merged graph of vocabulary + data and never writes the shapes into it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pyshacl
from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import Node

from jyuso_kb import resources
from jyuso_kb.namespaces import JYSH, bind_prefixes
from jyuso_kb.plan.read import read_files
from jyuso_kb.plan.source import PlanSource
from jyuso_kb.plan.terms import local_id
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
    focus_kind: str = ""  # what the focus node is, in Japanese: its class's label (「実施事業」)
    path_label: str = ""  # the item, in Japanese: the shape's sh:name or the property's label (「所管課」)
    value_label: str = ""  # the value, in Japanese: its label, else the value itself

    @property
    def subject(self) -> str:
        """The focus node as staff read it: 「実施事業「アウトリーチ等を通じた継続的支援事業」」, its kind and id when it
        has no label, its label when it is a class (「重層的支援体制整備事業実施計画」)."""
        name = self.focus_label or self.focus.rsplit(":", 1)[-1]
        if not self.focus_kind or self.focus_kind == self.focus_label:
            return name
        return f"{self.focus_kind}「{self.focus_label}」" if self.focus_label else f"{self.focus_kind}({name})"

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
            "focus_kind": self.focus_kind,
            "path_label": self.path_label,
            "value_label": self.value_label,
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
                focus_kind=_kind(data, focus),
                path_label=_path_label(data, shapes, source_shape, path),
                value_label=_value_label(data, value) if value != focus else "",
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
    """The node's Japanese name: its rdfs:label, else its skos:prefLabel (a need of the thesaurus)."""
    if node is None:
        return ""
    return _japanese(list(graph.objects(node, RDFS.label))) or _japanese(list(graph.objects(node, SKOS.prefLabel)))


def _kind(graph: Graph, node: Node | None) -> str:
    """The Japanese label of the node's class (the first by IRI that has one); "" for a class or an untyped node."""
    if node is None or any((node, RDF.type, kind) in graph for kind in (OWL.Class, RDFS.Class)):
        return ""
    labels = (_label(graph, kind) for kind in sorted(graph.objects(node, RDF.type), key=str))
    return next((text for text in labels if text), "")


def _path_label(data: Graph, shapes: Graph, shape: Node | None, path: Node | None) -> str:
    """The item a finding is about, in Japanese: the shape's sh:name, else the label of its property."""
    named = _japanese(list(shapes.objects(shape, SH.name))) if shape is not None else ""
    return named or (_label(data, path) if isinstance(path, URIRef) else "")


def _value_label(data: Graph, value: Node | None) -> str:
    if value is None:
        return ""
    if isinstance(value, URIRef):
        return _label(data, value) or local_id(value)
    return str(value)


def render_text(report: Report) -> str:
    """The report as Japanese text, one block per finding."""
    if not report.findings:
        return "適合: 計画はすべての要件を満たしています。"
    counts = {s: sum(1 for f in report.findings if f.severity == s) for s in ("violation", "warning", "info")}
    head = "適合" if report.conforms else "不適合"
    lines = [f"{head}: 違反 {counts['violation']}件、警告 {counts['warning']}件、情報 {counts['info']}件"]
    names = {"violation": "違反", "warning": "警告", "info": "情報"}
    for f in report.findings:  # in staff's words: the JSON report keeps focus, path, value and shape for tools
        lines.append("")
        lines.append(f"[{names[f.severity]}] {f.subject}")
        lines.append(f"  要件: {f.message}")
        if f.path_label:
            lines.append(f"  項目: {f.path_label}")
        if f.value_label:
            lines.append(f"  値: {f.value_label}")
        if f.location:
            lines.append(f"  場所: {f.location}")
        if f.fix:
            lines.append(f"  直し方: {f.fix}")
    return "\n".join(lines)
