"""Free-text who-handles: departments ranked for a question as residents phrase it.

A pure function of (index, question): nothing is logged or stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from jyuso_kb.answer.route import MAX_TEXT, Household, route, routed, suggestions
from jyuso_kb.errors import InputError
from jyuso_kb.index.routing import RoutingIndex
from jyuso_kb.index.textmatch import Found, is_blank


def _rule_weight(index: RoutingIndex, rule: str) -> float:
    """The rule's ``# who-handles-weight:`` (rules/*.rq): 担当課 1.0, 参加支援の連携先 0.8, 所管課 0.4. Every rule
    that recommends departments has one (building the index fails otherwise)."""
    return index.rules[rule].weight or 0.0


@dataclass
class _Score:
    """What a department collected: its score, its strongest role, whether a duty of its own covers a need found
    (not only a broader one), and what matched."""

    iri: str
    label: str
    score: float = 0.0
    role: float = 0.0
    direct: bool = False
    matched: list[dict[str, Any]] = field(default_factory=list)

    def key(self, department: str) -> tuple[float, float, bool, int, str]:
        """The ranking: score; on a tie the stronger role, a duty covering the need itself, more matches, then the
        department's id (alphabetical) — never the order of a table."""
        return (-round(self.score, 9), -self.role, not self.direct, -len(self.matched), department)


def _matched(found: Found) -> dict[str, Any]:
    out: dict[str, Any] = {"text": found.label.original, "how": found.how}
    if found.words:
        out["words"] = list(found.words)
    return out


def who_handles(index: RoutingIndex, query: str, today: date | None = None) -> dict[str, Any]:
    """Departments ranked for a question as residents phrase it, with what matched and a score.

    Each need found in the text (by its words, as text, or as a similar string: ``matched[].how``) is routed like a
    one-need household; a department counts by the strongest rule that named it (each rule's
    ``# who-handles-weight:``) times how well the label matched (prefLabel > altLabel > hidden > by words >
    similar). A department, programme, meeting or support body named in the text counts ``name_weight`` for the
    departments it points to. When nothing is found, the routings for that case answer (rules/fallback-consultation.rq),
    marked ``"fallback": true``, with the closest labels as ``suggestions``. The weights and thresholds are
    rules/parameters.yaml's (``index.parameters``).
    """
    params = index.parameters
    text = query.strip()
    if is_blank(text) or len(text) > MAX_TEXT:
        raise InputError(
            "bad_query", f"質問は1〜{MAX_TEXT}文字で入力してください。", "q", "短い言葉で入力してください。"
        )
    found = index.matcher.match(text)
    if not found:
        found = [Found(label, "similar") for label in index.matcher.similar(text)]
    best: dict[str, Found] = {}
    for hit in found:
        if hit.label.target not in best or hit.label.weight > best[hit.label.target].label.weight:
            best[hit.label.target] = hit
    names = [n for n in index.names.match(text) if n.how != "similar"]
    scores: dict[str, _Score] = {}

    def score(department: str, iri: str, label: str) -> _Score:
        return scores.setdefault(department, _Score(iri, label))

    for need_iri, hit in best.items():
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
            entry = score(dept["id"], dept["iri"], dept["label"])
            entry.score += hit.label.weight * role_weight
            entry.role = max(entry.role, role_weight)
            entry.direct = entry.direct or dept["id"] in direct
            duty = strongest["text"] if role_weight >= params.explanation_min_weight else ""
            entry.matched.append(
                {**_matched(hit), "need": need.id, "need_label": need.label, "role": dept["role"], "why": duty}
            )
    named: dict[str, dict[str, Any]] = {}
    for hit in names:
        thing = index.named[hit.label.target]
        if thing.iri in named:
            continue
        named[thing.iri] = {
            "kind": thing.kind,
            "id": thing.id,
            "label": thing.label,
            "matched": hit.label.original,
            "departments": [{"id": d, "label": lab} for d, _, lab in thing.departments],
        }
        for department, iri, label in thing.departments:
            entry = score(department, iri, label)
            entry.score += hit.label.weight * params.name_weight
            entry.role = max(entry.role, params.name_weight)
            entry.direct = True
            why = "" if thing.kind == "department" else f"{thing.label}の受け止め先の課です。"
            entry.matched.append({**_matched(hit), "named": thing.id, "named_label": thing.label, "why": why})
    if not scores:
        return _fallback(index, query, today)
    total = sum(s.score for s in scores.values()) or 1.0
    ranked = sorted(scores, key=lambda d: scores[d].key(d))
    return {
        "query": query,
        "results": [
            {
                "department": {"id": d, "iri": scores[d].iri, "label": scores[d].label},
                "matched": scores[d].matched,
                "score": round(scores[d].score / total, 3),
            }
            for d in ranked
        ],
        "needs": [
            {"id": index.needs[n].id, "label": index.needs[n].label, "matched": hit.label.original}
            for n, hit in best.items()
        ],
        "named": list(named.values()),
        "unmatched": [],
    }


def _fallback(index: RoutingIndex, query: str, today: date | None) -> dict[str, Any]:
    """Nothing named: the departments of the routings for that case, each with the reason, and 「もしかして」."""
    answer = routed(index, Household(), {}, today)
    programs = [p for p in answer["programs"] if p.get("fallback")]
    reasons = [why for program in programs for why in program["why"]]
    results = [
        {
            "department": {"id": dept["id"], "iri": dept["iri"], "label": dept["label"]},
            "matched": [],
            "score": 1.0,
            "fallback": True,
            "why": reasons + dept["why"],
        }
        for dept in answer["departments"]
        if dept.get("fallback")
    ]
    return {
        "query": query,
        "results": results,
        "needs": [],
        "named": [],
        "unmatched": [query],
        "fallback": True,
        "programs": programs,
        "suggestions": suggestions(index, query),
    }
