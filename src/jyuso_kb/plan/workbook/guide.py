"""The guide of a blank workbook: every sheet and column explained in Japanese, from the mapping, the ontology's
definitions (what goes there), the shapes (whether it is required) and the choices (which values it takes)."""

from __future__ import annotations

from functools import lru_cache

from rdflib import RDFS, SH, SKOS, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection

from jyuso_kb import resources
from jyuso_kb.namespaces import JYSH
from jyuso_kb.plan.read import read_files
from jyuso_kb.plan.source import vocabulary_graph
from jyuso_kb.plan.workbook.choices import column_choices, ja_text, name_headers, unknown_of
from jyuso_kb.plan.workbook.mapping import _KIND_JA, Column, Mapping, SheetSpec

Requirement = dict[tuple[URIRef, str | None], bool]  # (property, language or None) → True for a violation


@lru_cache(maxsize=1)
def _shapes() -> Graph:
    return read_files(resources.shape_files())


def requirements(cls: URIRef) -> Requirement:
    """What the project's shapes require of a resource of ``cls``: a property (in a language) with at least one
    value, and whether missing it is a violation (必須) or a warning (推奨)."""
    shapes, vocabulary = _shapes(), vocabulary_graph()
    supers = [c for c in vocabulary.transitive_objects(cls, RDFS.subClassOf) if isinstance(c, URIRef)]
    found: Requirement = {}
    for target in supers:
        for shape in shapes.subjects(SH.targetClass, target):
            for prop in shapes.objects(shape, SH.property):
                path = shapes.value(prop, SH.path)
                if not isinstance(path, URIRef):
                    continue
                lang = None
                least = _integer(shapes.value(prop, SH.minCount))
                qualified = shapes.value(prop, SH.qualifiedValueShape)
                if least == 0 and shapes.value(prop, JYSH.requiredUnlessUnknown) == Literal(True):
                    least = 1  # required, or 「不明」 where the plan does not say (the guide says so per column)
                if least == 0 and qualified is not None:
                    least = _integer(shapes.value(prop, SH.qualifiedMinCount))
                    languages = shapes.value(qualified, SH.languageIn)
                    if isinstance(languages, BNode):
                        lang = next((str(x) for x in Collection(shapes, languages)), None)
                if least > 0:
                    violation = shapes.value(prop, SH.severity, default=SH.Violation) == SH.Violation
                    found[(path, lang)] = found.get((path, lang), False) or violation
    return found


def _integer(node: object) -> int:
    return int(node.toPython()) if isinstance(node, Literal) and isinstance(node.toPython(), int) else 0


def column_requirement(spec: SheetSpec, col: Column, mapping: Mapping) -> str:
    """必須, 推奨 (as the mapping's guide names them) or "" for one column."""
    if col.readonly or col.inverse:
        return ""
    classes = [spec.type] if spec.type is not None else [s.type for s in mapping.sheets if s.name in spec.of]
    marks = []
    for cls in classes:
        if cls is None:
            continue
        needs = requirements(cls)
        for lang in {col.lang, None}:
            if lang is None and col.lang not in (None, mapping.label_lang):
                continue
            if (col.property, lang) in needs:
                marks.append(needs[(col.property, lang)])
    if any(marks):
        return mapping.guide.required
    return mapping.guide.recommended if marks else ""


def describe_property(prop: URIRef, mapping: Mapping) -> str:
    vocabulary = vocabulary_graph()
    return (
        ja_text(vocabulary, prop, (SKOS.definition, RDFS.comment), mapping.label_lang)
        or mapping.descriptions.get(prop, "")
        or ja_text(vocabulary, prop, (RDFS.label,), mapping.label_lang)
    )


def how_to_write(col: Column, mapping: Mapping) -> str:
    """The column's kind of value and, for a column with choices, what may be written."""
    parts = [_KIND_JA[col.kind] + (f"(@{col.lang})" if col.kind == "lang" else "")]
    if col.kind == "boolean":
        parts = [f"{col.true_label} / {col.false_label}"]
    choices = column_choices(col, mapping)
    if choices or col.refers:
        parts = ["選べる値: " + "、".join(c.label for c in choices)] if choices else []
        rows = []
        for sheet in col.refers:
            spec = mapping.sheet(sheet)
            if spec is not None:
                rows.append(f"シート {mapping.shown(sheet)}の行の" + "・".join(name_headers(spec, mapping) or ["ID"]))
        parts.append("、".join([*rows, "または ID(接頭辞:名前)"]))
    if col.multi:
        parts.append(
            "複数可(セルの中で改行して区切る)" if col.separator == "\n" else f"複数可({col.separator!r} で区切る)"
        )
    if col.readonly:
        parts.append("参照用(読み込みでは使わない)")
    unknown = unknown_of(col, mapping)
    if unknown is not None:
        parts.append(f"計画に記載がなければ「{unknown.text}」")
    return "。".join(parts) + "。"


def describe_sheet(spec: SheetSpec, mapping: Mapping) -> str:
    if spec.note:
        return spec.note
    if spec.type is not None:
        return ja_text(vocabulary_graph(), spec.type, (SKOS.definition, RDFS.comment), mapping.label_lang)
    return "、".join(f"シート {mapping.shown(o)}" for o in spec.of) + " の行(同じ ID)に列を足すシート。"


def guide_rows(mapping: Mapping) -> list[list[str]]:
    """The guide's rows below its header: the introduction, then for every sheet a row of its own and one per column."""
    rows = [["", "", "", line, "", ""] for line in mapping.guide.intro]
    required = mapping.guide.required
    prefix = (mapping.prefix_sheet, mapping.prefix_title)
    rows.append([*prefix, "", mapping.prefix_note, "", ""])
    rows += [
        [*prefix, h, n, "", "文字列。"] for h, n in zip(mapping.prefix_headers, mapping.prefix_notes, strict=False)
    ]
    for spec in mapping.sheets:
        sheet = (spec.name, spec.title)
        rows.append([*sheet, "", describe_sheet(spec, mapping), "", ""])
        about_id = "この行の ID。他のシートからはこの ID(または名称)で指す。"
        if spec.type is None:
            about_id = "、".join(f"シート {mapping.shown(o)}" for o in spec.of) + " の行の ID。"
        rows.append([*sheet, spec.id_header, about_id, required, "IRI(接頭辞:名前、例: city:id-1)。"])
        for col in spec.columns:
            what = describe_property(col.property, mapping)
            if col.inverse:
                what += "(この値 → この行の向き)"
            rows.append([*sheet, col.header, what, column_requirement(spec, col, mapping), how_to_write(col, mapping)])
    extra = (mapping.extra_sheet, mapping.extra_title)
    rows.append([*extra, "", mapping.extra_note, "", ""])
    rows += [[*extra, h, n, "", ""] for h, n in zip(mapping.extra_headers, mapping.extra_notes, strict=False)]
    return rows


def choice_key(col: Column, mapping: Mapping) -> tuple[str, ...]:
    """Which list of choices a column's drop-down shows (columns of one vocabulary share one list, and one that
    also offers 「不明」 its own); () for none."""
    unknown = unknown_of(col, mapping)
    extra = (unknown.text,) if unknown is not None else ()
    if col.kind == "boolean":
        return ("boolean", col.true_label, col.false_label, *extra)
    if col.values is not None:
        return ("values", str(col.values), *extra)
    return ()


def choice_lists(mapping: Mapping) -> dict[tuple[str, ...], tuple[str, list[str]]]:
    """Every list of choices the mapping's columns use: key → (the list's Japanese title, its labels)."""
    lists: dict[tuple[str, ...], tuple[str, list[str]]] = {}
    for spec in mapping.sheets:
        for col in spec.columns:
            key = choice_key(col, mapping)
            if not key or key in lists or col.readonly:
                continue
            unknown = unknown_of(col, mapping)
            extra = [unknown.text] if unknown is not None else []
            if col.values is not None:
                title = ja_text(vocabulary_graph(), col.values, (RDFS.label,), mapping.label_lang) or col.header
                lists[key] = ("・".join([title, *extra]), [*(c.label for c in column_choices(col, mapping)), *extra])
            else:
                labels = [col.true_label, col.false_label, *extra]
                lists[key] = ("・".join(labels), labels)
    return lists
