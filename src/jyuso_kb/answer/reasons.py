"""The reasons of a route answer: what each says, and which of the household's needs set it off."""

from __future__ import annotations

from typing import Any

from jyuso_kb.index.routing import Routing, RoutingIndex


def triggered_by(
    index: RoutingIndex,
    routing: Routing,
    found: dict[str, list[str]],
    unserved: list[str],
    triggers: dict[str, list[str]],
) -> list[str]:
    """The household's needs (ids) that set off a household routing: the unserved ones (制度の狭間), those that led
    to the recommendation it follows, or those in a scheme field (the fields the household spans). A condition on
    ages, consent or nothing matched names no need."""
    if routing.unserved:
        return [index.needs[i].id for i in unserved]
    if routing.after is not None:
        return list(triggers.get(routing.after, ()))
    if routing.min_fields is not None:
        return [index.needs[i].id for i in found if index.needs[i].scheme_fields]
    return []


def settle(
    index: RoutingIndex,
    follows: list[tuple[Routing, list[dict[str, Any]], int, str]],
    triggers: dict[str, list[str]],
    consent: str,
) -> None:
    """A routing that follows a recommendation was set off by the needs that led to it, which are all known only
    once every routing has run (a need found later may lead to the same recommendation): each such reason gets
    them, through chains of follows."""
    changed = True
    while changed:
        changed = False
        for routing, whys, at, target in follows:
            needs = triggers.get(routing.after or "", [])
            if whys[at]["needs"] == needs:
                continue
            whys[at] = why_of(index, routing, list(needs), consent)
            seen = triggers.setdefault(target, [])
            seen.extend(n for n in list(needs) if n not in seen)
            changed = True


def why_of(index: RoutingIndex, routing: Routing, trigger: list[str], consent: str) -> dict[str, Any]:
    text = routing.explanation
    if "{need}" in text:
        text = text.replace(
            "{need}", "」「".join(index.needs[index.need_ids[t]].label for t in trigger if t in index.need_ids)
        )
    why: dict[str, Any] = {
        "rule": routing.rule,
        "needs": trigger,
        "section": routing.section,
        "legal_item": list(routing.legal),
        "text": text,
    }
    if routing.condition:
        why["condition"] = routing.condition
        if routing.consent is not None and consent == "unknown":
            why["condition"] = f"{routing.condition}(現在: {index.consent_labels[consent]})"
    return why
