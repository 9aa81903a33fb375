"""Findings in the staff's terms: for a validation finding on a plan read from a workbook, the sheet and column that
carry the finding's property, and how to fix it there. The words come from the mapping (``finding_hints``, sheet
names, titles and headers) and the choices; none is Turtle or a ``jy:`` name."""

from __future__ import annotations

from rdflib import RDF, Graph, URIRef
from rdflib.term import Node

from jyuso_kb.plan.workbook.choices import MAX_LISTED, column_choices, unknown_of
from jyuso_kb.plan.workbook.mapping import Column, Mapping, SheetSpec, load_mapping

MISSING = "missing"  # the kind of a finding whose node has no value of the property at all


def columns_of(prop: Node, mapping: Mapping) -> list[tuple[SheetSpec, Column]]:
    """The columns (not for reference, not inverse) whose cells hold ``prop``, in the mapping's order."""
    return [
        (spec, col)
        for spec in mapping.sheets
        for col in spec.columns
        if col.property == prop and not col.readonly and not col.inverse
    ]


def column_for(
    data: Graph, focus: Node, prop: Node, lang: str | None = None, mapping: Mapping | None = None
) -> tuple[SheetSpec, Column] | None:
    """The column a finding on ``focus`` and ``prop`` points at: one on a sheet of the focus's class (or a sheet that
    adds columns to such a sheet), else the only sheet with such a column; in ``lang`` where the columns differ so."""
    mapping = mapping or load_mapping()
    candidates = columns_of(prop, mapping)
    types = set(data.objects(focus, RDF.type))

    def fits(spec: SheetSpec) -> bool:
        if spec.type is not None:
            return spec.type in types
        return any((parent := mapping.sheet(o)) is not None and parent.type in types for o in spec.of)

    chosen = [c for c in candidates if fits(c[0])]
    if not chosen and len({spec.name for spec, _ in candidates}) == 1:
        chosen = candidates
    by_lang = [c for c in chosen if lang is not None and c[1].lang == lang]
    chosen = by_lang or [c for c in chosen if c[1].lang in (None, mapping.label_lang)] or chosen
    return chosen[0] if chosen else None


def workbook_hint(
    data: Graph,
    focus: Node | None,
    prop: Node | None,
    kind: str,
    template: str = "",
    lang: str | None = None,
    mapping: Mapping | None = None,
) -> str:
    """How to fix the finding in the workbook, or "" when no column carries its property. ``kind`` is the SHACL
    constraint component's name (``MinCountConstraintComponent`` …); a node without the property counts as
    missing. ``template`` is the shape's own ``jysh:workbookHint``, if any."""
    mapping = mapping or load_mapping()
    if focus is None or not isinstance(prop, URIRef):
        return ""
    found = column_for(data, focus, prop, lang, mapping)
    if found is None:
        return ""
    spec, col = found
    hints = mapping.finding_hints
    if not template and (focus, prop, None) not in data:
        kind = MISSING
    text = (template or hints.get(kind) or hints.get("other", "")).format(
        sheet=spec.name, title=spec.title, column=col.header
    )
    choices = column_choices(col, mapping)
    if choices and len(choices) <= MAX_LISTED and "choices" in hints:
        text += hints["choices"].format(choices="、".join(c.label for c in choices))
    unknown = unknown_of(col, mapping)
    if unknown is not None and kind == MISSING and "unknown" in hints:
        text += hints["unknown"].format(unknown=unknown.text)
    return text


def sheet_column(prop: Node, mapping: Mapping | None = None) -> str:
    """「シート <title>(<name>)、列 <header>」 for a property only one sheet holds (a finding on a node that is no row of the
    workbook, such as a provision of the law no programme implements), else ""."""
    mapping = mapping or load_mapping()
    candidates = columns_of(prop, mapping)
    if len({spec.name for spec, _ in candidates}) != 1:
        return ""
    spec, col = candidates[0]
    return f"シート {mapping.shown(spec.name)}、列 {col.header}"
