"""What differs between two plans, per thing the plan states (programme, department, cell, meeting …)."""

from __future__ import annotations

from typing import Any

from rdflib import RDF, XSD, Graph, Literal, URIRef
from rdflib.term import Node

from jyuso_kb.namespaces import JY
from jyuso_kb.plan.terms import label, local_id
from jyuso_kb.plan.workbook.mapping import load_mapping


def _value(graph: Graph, vocabulary: Graph, node: Node) -> str:
    if isinstance(node, Literal):
        if node.datatype == XSD.boolean:
            return "はい" if node.toPython() is True else "いいえ"
        return str(node)
    name = label(graph, node) or label(vocabulary, node)
    return f"{name} ({local_id(node)})" if name else local_id(node)


def _language(node: Node) -> str:
    return (node.language or "") if isinstance(node, Literal) else ""


def _item_name(vocabulary: Graph, prop: Node, lang: str) -> str:
    """The item in staff's words: the property's label, else the workbook's column header for it (「名称」,
    「名称(英)」 for the English one); the language's column where the values are in another language than Japanese."""
    columns = [c for spec in load_mapping().sheets for c in spec.columns if c.property == prop]
    if lang and lang != "ja":
        header = next((c.header for c in columns if c.lang == lang), "")
        if header:
            return header
    name = label(vocabulary, prop) or next((c.header for c in columns if c.lang in (None, "ja")), "")
    return name or local_id(prop)


def _kind(graph: Graph, vocabulary: Graph, node: Node) -> str:
    types = [t for t in graph.objects(node, RDF.type) if isinstance(t, URIRef) and str(t).startswith(str(JY))]
    return label(vocabulary, types[0]) if types else ""


def diff(old: Graph, new: Graph, vocabulary: Graph) -> dict[str, Any]:
    """Added, removed and changed subjects; for changed ones, the values removed and added per property."""
    old_subjects = {s for s in old.subjects(RDF.type, None) if isinstance(s, URIRef)}
    new_subjects = {s for s in new.subjects(RDF.type, None) if isinstance(s, URIRef)}
    added = sorted(new_subjects - old_subjects, key=str)
    removed = sorted(old_subjects - new_subjects, key=str)
    changed = []
    for subject in sorted(old_subjects & new_subjects, key=str):
        before = set(old.predicate_objects(subject))
        after = set(new.predicate_objects(subject))
        if before == after:
            continue
        items = sorted({(p, _language(o)) for p, o in before ^ after}, key=lambda k: (str(k[0]), k[1]))
        changes = [
            {
                "property": _item_name(vocabulary, p, lang),
                "property_id": local_id(p),
                "removed": sorted(
                    _value(old, vocabulary, o) for q, o in before - after if (q, _language(o)) == (p, lang)
                ),
                "added": sorted(
                    _value(new, vocabulary, o) for q, o in after - before if (q, _language(o)) == (p, lang)
                ),
            }
            for p, lang in items
        ]
        changed.append(
            {
                "id": local_id(subject),
                "label": label(new, subject),
                "type": _kind(new, vocabulary, subject),
                "changes": changes,
            }
        )

    def brief(graph: Graph, node: Node) -> dict[str, str]:
        return {"id": local_id(node), "label": label(graph, node), "type": _kind(graph, vocabulary, node)}

    return {
        "summary": {"added": len(added), "removed": len(removed), "changed": len(changed)},
        "added": [brief(new, s) for s in added],
        "removed": [brief(old, s) for s in removed],
        "changed": changed,
    }


def affected(result: dict[str, Any], old: Graph, new: Graph) -> dict[str, list[dict[str, str]]]:
    """Which programmes and departments a change touches: directly, or through what they link to
    (target groups, activities, operators, duties, matrix cells, 所管課)."""
    touched = {item["id"] for key in ("added", "removed", "changed") for item in result[key]}
    programs: dict[str, str] = {}
    departments: dict[str, str] = {}
    for graph in (old, new):
        for program in graph.subjects(RDF.type, JY.ImplementingProgram):
            linked = {
                local_id(o)
                for p in (JY.targetGroup, JY.activity, JY.operator, JY.assignment, JY.staffedBy)
                for o in graph.objects(program, p)
            }
            if local_id(program) in touched or linked & touched:
                programs[local_id(program)] = label(graph, program)
                for dept in graph.objects(program, JY.responsibleDepartment):
                    departments[local_id(dept)] = label(graph, dept)
        for dept in graph.subjects(RDF.type, JY.Department):
            linked = {local_id(s) for s in graph.subjects(JY.dutyOf, dept)} | {
                local_id(s) for s in graph.subjects(JY.department, dept)
            }
            if local_id(dept) in touched or linked & touched:
                departments[local_id(dept)] = label(graph, dept)
    return {
        "programs": [{"id": k, "label": v} for k, v in sorted(programs.items())],
        "departments": [{"id": k, "label": v} for k, v in sorted(departments.items())],
    }


def semantic_diff(old: Graph, new: Graph, vocabulary: Graph) -> dict[str, Any]:
    """The diff plus the programmes and departments it affects."""
    result = diff(old, new, vocabulary)
    result["affected"] = affected(result, old, new)
    return result


def render_text(result: dict[str, Any]) -> str:
    """A CHANGELOG-style Japanese summary of a semantic diff."""
    summary = result["summary"]
    lines = [f"# 計画の変更点: 追加 {summary['added']}件、削除 {summary['removed']}件、変更 {summary['changed']}件"]
    groups: dict[str, list[str]] = {}
    for key, verb in (("added", "追加"), ("removed", "削除")):
        for item in result[key]:
            groups.setdefault(item["type"] or "その他", []).append(
                f"- {verb}: {item['label'] or item['id']} ({item['id']})"
            )
    for item in result["changed"]:
        parts = []
        for change in item["changes"]:
            before = "、".join(change["removed"]) or "(なし)"
            after = "、".join(change["added"]) or "(なし)"
            parts.append(f"{change['property']}: {before} → {after}")
        groups.setdefault(item["type"] or "その他", []).append(
            f"- 変更: {item['label'] or item['id']} ({item['id']}) — " + "; ".join(parts)
        )
    for kind in sorted(groups):
        lines += ["", f"## {kind}", *groups[kind]]
    touched = result.get("affected")
    if touched:
        lines += ["", "## 影響を受ける事業"]
        lines += [f"- {p['label']} ({p['id']})" for p in touched["programs"]] or ["- なし"]
        lines += ["", "## 影響を受ける課"]
        lines += [f"- {d['label']} ({d['id']})" for d in touched["departments"]] or ["- なし"]
    return "\n".join(lines) + "\n"
