"""Free-text who-handles: departments ranked for a question as residents phrase it.

A pure function of (index, question): nothing is logged or stored.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from jyuso_kb.answer.route import MAX_TEXT, Household, route
from jyuso_kb.errors import InputError
from jyuso_kb.index.routing import RoutingIndex
from jyuso_kb.index.textmatch import Label, is_blank


def _rule_weight(index: RoutingIndex, rule: str) -> float:
    """The rule's ``# who-handles-weight:`` (rules/*.rq): 担当課 1.0, 参加支援の連携先 0.8, 所管課 0.4. Every rule
    that recommends departments has one (building the index fails otherwise)."""
    return index.rules[rule].weight or 0.0


def who_handles(index: RoutingIndex, query: str, today: date | None = None) -> dict[str, Any]:
    """Departments ranked for a question as residents phrase it, with what matched and a score.

    Each need found in the text is routed like a one-need household; a department counts by the strongest rule
    that named it (each rule's ``# who-handles-weight:``) times how well the label matched (prefLabel > altLabel >
    hidden > similar); the weights and thresholds are rules/parameters.yaml's (``index.parameters``).
    """
    params = index.parameters
    text = query.strip()
    if is_blank(text) or len(text) > MAX_TEXT:
        raise InputError(
            "bad_query", f"質問は1〜{MAX_TEXT}文字で入力してください。", "q", "短い言葉で入力してください。"
        )
    labels = index.matcher.find_with_fuzzy(text) or list(index.matcher.similar(text))
    best: dict[str, Label] = {}
    for lab in labels:
        if lab.target not in best or lab.weight > best[lab.target].weight:
            best[lab.target] = lab
    scores: dict[str, float] = {}
    matched: dict[str, list[dict[str, str]]] = {}
    for need_iri, lab in best.items():
        need = index.needs[need_iri]
        answer = route(index, Household(needs=(need.id,)), today)
        direct = {
            index.targets[r.target].id
            for r in index.per_need.get(need_iri, ())
            if index.targets[r.target].kind == "department" and r.via_need in (None, need_iri)
        }
        for dept in answer["departments"]:
            strongest = max(dept["why"], key=lambda w: _rule_weight(index, w["rule"]))
            role_weight = _rule_weight(index, strongest["rule"])
            if role_weight >= params.duty_rule_weight and dept["id"] not in direct:
                role_weight *= params.broader_duty_factor
            weight = lab.weight * role_weight
            duty = strongest["text"] if role_weight >= params.explanation_min_weight else ""
            scores[dept["id"]] = scores.get(dept["id"], 0.0) + weight
            matched.setdefault(dept["id"], []).append(
                {"text": lab.original, "need": need.id, "need_label": need.label, "role": dept["role"], "why": duty}
            )
    total = sum(scores.values()) or 1.0
    by_id = index.departments
    ranked = sorted(scores, key=lambda d: (-scores[d], by_id[d].order))
    return {
        "query": query,
        "results": [
            {
                "department": {"id": d, "iri": by_id[d].iri, "label": by_id[d].label},
                "matched": matched[d],
                "score": round(scores[d] / total, 3),
            }
            for d in ranked
        ],
        "needs": [
            {"id": index.needs[n].id, "label": index.needs[n].label, "matched": lab.original} for n, lab in best.items()
        ],
        "unmatched": [] if labels else [query],
    }
