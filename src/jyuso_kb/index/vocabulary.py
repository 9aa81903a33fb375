"""The engine's closed sets: what a routing may state and what an answer can hold.

The route answer has four lists of targets, evaluates a fixed set of household conditions and fills a fixed set of
explanation placeholders; these are the engine's (a new kind of answer or condition is a code change). Each set is
registered here once and declared in ontology/routing.ttl for the people writing rules (``jy:answerKind``,
``jy:householdCondition``, ``jy:explanationPlaceholder``, the ``jy:ConsentState`` individuals);
tests/test_knowledge_is_data.py checks the two one-to-one. Building the index fails (:func:`check_routing`,
:func:`check_template`) when a rule derives something outside these sets, instead of dropping it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from rdflib import RDF, Graph, URIRef
from rdflib.term import Node

from jyuso_kb.namespaces import JY
from jyuso_kb.reason.rules import RuleError

# The class of a target → the answer list it is given in (routing.ttl: jy:answerKind).
KINDS: Mapping[URIRef, str] = MappingProxyType(
    {
        JY.ImplementingProgram: "program",
        JY.Department: "department",
        JY.SupportBody: "body",
        JY.Meeting: "meeting",
    }
)

# Properties of a routing evaluated against the household and the reference date (routing.ttl:
# jy:householdCondition true); answer/route.py evaluates each of them.
CONDITIONS: frozenset[URIRef] = frozenset(
    {
        JY.whenDistinctFieldsAtLeast,
        JY.whenUnservedNeed,
        JY.whenNothingMatched,
        JY.whenConsent,
        JY.whenMemberAgeAtLeast,
        JY.whenMemberAgeAtMost,
        JY.afterRecommending,
        JY.validFrom,
        JY.validUntil,
    }
)

# The conditions evaluated on a routing for a need (with jy:forNeed); the others only on household routings.
NEED_CONDITIONS: frozenset[URIRef] = frozenset({JY.validFrom, JY.validUntil})

# The other properties a routing may state: facts the answer shows, never conditions.
FACTS: frozenset[URIRef] = frozenset(
    {
        RDF.type,
        JY.byRule,
        JY.recommends,
        JY.forNeed,
        JY.viaNeed,
        JY.viaDuty,
        JY.viaField,
        JY.viaFunction,
        JY.routingRole,
        JY.conditionText,
        JY.succeededBy,
        JY.citesSection,
        JY.citesLegalItem,
    }
)

# {name} in a rule's ``# explain:`` template → the routing property whose value fills it (routing.ttl:
# jy:explanationPlaceholder). {need} is filled per request with the household's needs that triggered the routing.
PLACEHOLDERS: Mapping[str, URIRef] = MappingProxyType(
    {
        "need": JY.forNeed,
        "target": JY.recommends,
        "via": JY.viaNeed,
        "field": JY.viaField,
        "duty": JY.viaDuty,
        "function": JY.viaFunction,
        "condition": JY.conditionText,
        "component": JY.routingRole,
        "after": JY.afterRecommending,
        "from": JY.validFrom,
        "until": JY.validUntil,
        "successor": JY.succeededBy,
    }
)
REQUEST_PLACEHOLDER = "need"

# The consent states (routing.ttl: the jy:ConsentState individuals) → the value of "consent" in the route answer,
# in the order a form offers them. Their labels are read from the ontology.
CONSENT: Mapping[URIRef, str] = MappingProxyType(
    {JY["consent-yes"]: "yes", JY["consent-no"]: "no", JY["consent-unknown"]: "unknown"}
)
_KNOWN = CONDITIONS | FACTS  # every property a routing may state
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def kind_of(graph: Graph, node: Node) -> str | None:
    """The answer list a target goes to, by its class; None: not something an answer lists."""
    for cls, kind in KINDS.items():
        if (node, RDF.type, cls) in graph:
            return kind
    return None


def check_routing(graph: Graph, node: Node, rule: str) -> None:
    """A routing the engine can answer: every property one of the conditions it evaluates (on a routing for a need,
    only the dates) or a fact it shows, known consent states, and a target (and prerequisite) of a kind an answer
    lists."""
    where = f"{rule or 'a rule'}.rq"
    unknown = {p for p in graph.predicates(node, None) if p not in _KNOWN}
    if unknown:
        names = ", ".join(sorted(p.n3(graph.namespace_manager) for p in unknown))
        raise RuleError(
            f"{where}: derives a routing with {names}, which the engine does not evaluate "
            "(the household conditions are the properties marked jy:householdCondition in ontology/routing.ttl)"
        )
    if (node, JY.forNeed, None) in graph:
        ignored = {p for p in graph.predicates(node, None) if p in CONDITIONS - NEED_CONDITIONS}
        if ignored:
            names = ", ".join(sorted(p.n3(graph.namespace_manager) for p in ignored))
            raise RuleError(
                f"{where}: a routing for a need (jy:forNeed) with {names}; the engine evaluates that only for "
                "household routings (without jy:forNeed)"
            )
    states = sorted(c.n3(graph.namespace_manager) for c in graph.objects(node, JY.whenConsent) if c not in CONSENT)
    if states:
        raise RuleError(f"{where}: jy:whenConsent {', '.join(states)} is not a consent state (jy:ConsentState)")
    for prop in (JY.recommends, JY.afterRecommending):
        target = graph.value(node, prop)
        if target is None and prop == JY.recommends:
            raise RuleError(f"{where}: derives a routing without jy:recommends")
        if target is not None and kind_of(graph, target) is None:
            kinds = ", ".join(c.n3(graph.namespace_manager) for c in KINDS)
            raise RuleError(
                f"{where}: {prop.n3(graph.namespace_manager)} {target.n3(graph.namespace_manager)}, which is "
                f"none of the kinds an answer lists ({kinds})"
            )


def check_template(rule: str, template: str) -> None:
    """A rule's explanation uses only the placeholders the engine fills."""
    unknown = sorted(set(_PLACEHOLDER.findall(template)) - set(PLACEHOLDERS))
    if unknown:
        raise RuleError(
            f"{rule}.rq: the explanation uses {', '.join('{' + u + '}' for u in unknown)}, which the engine does "
            f"not fill (it fills {', '.join('{' + p + '}' for p in PLACEHOLDERS)})"
        )
