"""Compiling the reasoned plan into plain, read-only Python indexes (once at load).

Requests are answered from these indexes only: no SPARQL and no rdflib on the request path.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from types import MappingProxyType

from rdflib import RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.term import Node

from jyuso_kb.index.names import Named, names_of, need_labels
from jyuso_kb.index.parameters import Parameters, parameters
from jyuso_kb.index.textmatch import Label, LabelMatcher, normalize, spelling_table
from jyuso_kb.index.vocabulary import CONSENT, PLACEHOLDERS, REQUEST_PLACEHOLDER, check_routing, check_template, kind_of
from jyuso_kb.namespaces import JY
from jyuso_kb.plan.contact import ContactField, contact_of
from jyuso_kb.plan.source import PlanSource
from jyuso_kb.plan.terms import UNORDERED, label, local_id, ordered, position, unknown_text, unstated
from jyuso_kb.reason.rules import Reasoned, RuleError, reason


@dataclass(frozen=True)
class Target:
    """A programme, department, meeting or support body that an answer can name."""

    iri: str
    id: str
    kind: str
    label: str
    order: int
    legal_basis: tuple[str, ...] = ()
    departments: tuple[tuple[str, str], ...] = ()
    operators: tuple[tuple[str, str], ...] = ()
    functions: tuple[str, ...] = ()
    source: str = ""
    operating_years: frozenset[int] | None = None
    status_by_year: MappingProxyType[int, str] = field(default_factory=lambda: MappingProxyType({}))
    contact: tuple[ContactField, ...] = ()  # a department's or body's telephone, extension, window (None: not given)


@dataclass(frozen=True)
class Routing:
    """One derived routing fact, with its conditions (see ontology/routing.ttl)."""

    rule: str
    target: str
    role: str
    for_need: str | None
    after: str | None
    via_need: str | None
    via_duty: str | None
    via_field: str | None
    via_function: str | None
    successor: str | None
    min_fields: int | None
    unserved: bool
    nothing_matched: bool | None  # True: only when nothing matched; False: only when something did; None: either
    consent: frozenset[str] | None
    min_age: int | None
    max_age: int | None
    valid_from: date | None
    valid_until: date | None
    condition: str
    section: str
    legal: tuple[str, ...]
    explanation: str = ""
    function_label: str = ""  # the label of via_function, looked up once at load
    fills: tuple[tuple[str, str], ...] = ()  # explanation placeholder → its value (all but {need}), read at load


@dataclass(frozen=True)
class Need:
    iri: str
    id: str
    label: str
    fields: frozenset[str]
    scheme_fields: frozenset[str]
    compound: bool


@dataclass(frozen=True)
class RuleInfo:
    id: str
    intent: str
    explain: str
    weight: float | None = None  # the rule's # who-handles-weight: (required of rules recommending departments)
    legal: str = ""  # the rule's # legal: header, cited when a routing cites no legal item itself


@dataclass(frozen=True)
class RoutingIndex:
    plan_label: str
    plan_revision: str
    period: tuple[int, int]
    needs: MappingProxyType[str, Need]
    need_ids: MappingProxyType[str, str]
    per_need: MappingProxyType[str, tuple[Routing, ...]]
    household: tuple[Routing, ...]
    targets: MappingProxyType[str, Target]
    departments: MappingProxyType[str, Target]  # department targets by local id
    rules: MappingProxyType[str, RuleInfo]
    served: frozenset[str]
    matcher: LabelMatcher
    names: LabelMatcher  # labels of the things in ``named``
    named: MappingProxyType[str, Named]
    consent_labels: MappingProxyType[str, str]  # "yes" / "no" / "unknown" → the ontology's Japanese label
    parameters: Parameters


def _int(graph: Graph, node: Node, prop: URIRef) -> int | None:
    value = graph.value(node, prop)
    return int(value.toPython()) if isinstance(value, Literal) else None


def _bool(graph: Graph, node: Node, prop: URIRef) -> bool | None:
    value = graph.value(node, prop)
    return bool(value.toPython()) if isinstance(value, Literal) else None


def _date(graph: Graph, node: Node, prop: URIRef) -> date | None:
    value = graph.value(node, prop)
    if isinstance(value, Literal) and isinstance(value.toPython(), date):
        result: date = value.toPython()
        return result
    return None


def _str(graph: Graph, node: Node, prop: URIRef) -> str | None:
    value = graph.value(node, prop)
    return str(value) if value is not None else None


def _section_number(graph: Graph, node: Node) -> str:
    sections = ordered(graph, graph.objects(node, JY.source))
    return str(graph.value(sections[0], JY.sectionNumber) or "") if sections else ""


def _target(graph: Graph, node: Node, kind: str) -> Target:
    functions: tuple[str, ...] = ()
    legal: tuple[str, ...] = ()
    departments: tuple[tuple[str, str], ...] = ()
    operators: tuple[tuple[str, str], ...] = ()
    if kind == "department":
        cells = [
            c
            for c in graph.subjects(JY.department, node)
            if (c, JY.participates, Literal(True)) in graph and (c, RDF.type, JY.CollaborationCell) in graph
        ]
        funcs = ordered(graph, (f for c in cells for f in graph.objects(c, JY.collaborationFunction)))
        functions = tuple(label(graph, f) for f in funcs)
    if kind == "program":
        provisions = ordered(graph, graph.objects(node, JY.implementsProvision))
        legal = tuple(str(graph.value(p, JY.citation)) for p in provisions)
        responsible = ordered(graph, graph.objects(node, JY.responsibleDepartment))
        departments = tuple((local_id(d), label(graph, d)) for d in responsible)
        ops = ordered(graph, graph.objects(node, JY.operator))
        operators = tuple((local_id(o), label(graph, o)) for o in ops)
        if unstated(graph, node, JY.operator):
            operators = (("", unknown_text(graph)),)  # the plan does not name them: 「不明」, without an id
    if kind == "meeting":
        basis = ordered(graph, graph.objects(node, JY.legalBasis))
        legal = tuple(str(graph.value(p, JY.citation)) for p in basis)
    years = {int(y) for y in graph.objects(node, JY.operatingInYear) if isinstance(y, Literal)}
    scheduled = {int(y) for y in graph.objects(node, JY.scheduledInYear) if isinstance(y, Literal)}
    return Target(
        iri=str(node),
        id=local_id(node),
        kind=kind,
        label=label(graph, node),
        order=position(graph, node),
        legal_basis=legal,
        departments=departments,
        operators=operators,
        functions=functions,
        source=_section_number(graph, node),
        operating_years=frozenset(years) if scheduled else None,
        status_by_year=MappingProxyType(_statuses(graph, node)),
        contact=contact_of(graph, node) if kind in ("department", "body") else (),
    )


def _statuses(graph: Graph, node: Node) -> dict[int, str]:
    """Fiscal year → the schedule's status labels for the rows naming this target (directly or by its components)."""
    rows = set(graph.subjects(JY.scheduleSubject, node))
    for component in graph.objects(node, JY.component):
        rows |= set(graph.subjects(JY.scheduleSubject, component))
    out: dict[int, list[str]] = {}
    for row in rows:
        for entry in graph.objects(row, JY.entry):
            year = _int(graph, entry, JY.fiscalYear)
            if year is not None:
                for status in graph.objects(entry, JY.status):
                    out.setdefault(year, []).append(label(graph, status))
    return {y: "・".join(sorted(set(v))) for y, v in out.items()}


def _routing(graph: Graph, node: Node) -> Routing:
    rule = local_id(graph.value(node, JY.byRule) or URIRef(""))
    check_routing(graph, node, rule)
    consent = frozenset(CONSENT[c] for c in graph.objects(node, JY.whenConsent) if isinstance(c, URIRef))
    legal_nodes = ordered(graph, graph.objects(node, JY.citesLegalItem))
    sections = ordered(graph, graph.objects(node, JY.citesSection))
    fills = tuple(
        (name, _texts(graph, node, prop)) for name, prop in PLACEHOLDERS.items() if name != REQUEST_PLACEHOLDER
    )
    return Routing(
        rule=rule,
        target=str(graph.value(node, JY.recommends)),
        role=_texts(graph, node, JY.routingRole),
        for_need=_str(graph, node, JY.forNeed),
        after=_str(graph, node, JY.afterRecommending),
        via_need=_str(graph, node, JY.viaNeed),
        via_duty=_str(graph, node, JY.viaDuty),
        via_field=_str(graph, node, JY.viaField),
        via_function=_str(graph, node, JY.viaFunction),
        successor=_str(graph, node, JY.succeededBy),
        min_fields=_int(graph, node, JY.whenDistinctFieldsAtLeast),
        unserved=graph.value(node, JY.whenUnservedNeed) == Literal(True),
        nothing_matched=_bool(graph, node, JY.whenNothingMatched),
        consent=consent or None,
        min_age=_int(graph, node, JY.whenMemberAgeAtLeast),
        max_age=_int(graph, node, JY.whenMemberAgeAtMost),
        valid_from=_date(graph, node, JY.validFrom),
        valid_until=_date(graph, node, JY.validUntil),
        condition=str(graph.value(node, JY.conditionText) or ""),
        section="、".join(str(graph.value(s, JY.sectionNumber)) for s in sections),
        legal=tuple(str(graph.value(p, JY.citation)) for p in legal_nodes),
        function_label=dict(fills).get("function", ""),
        fills=fills,
    )


def _texts(graph: Graph, node: Node, prop: Node) -> str:
    """The node's values of ``prop`` as text; several (the components of a programme run as several at once) sorted
    and joined with 「・」."""
    return "・".join(sorted({_text(graph, v) for v in graph.objects(node, prop)}))


def _text(graph: Graph, value: Node) -> str:
    """What a placeholder shows of a value: a node's label, a date in ISO form, a literal's text."""
    if isinstance(value, Literal):
        python = value.toPython()
        return python.isoformat() if isinstance(python, date) else str(value)
    return label(graph, value)


def _most_specific(graph: Graph, routings: list[Routing]) -> list[Routing]:
    """One routing per (rule, need, target): the one whose via_need is closest to the need in the thesaurus."""
    best: dict[tuple[str, str, str, str], tuple[int, Routing]] = {}
    for routing in routings:
        key = _key(routing)
        distance = _distance(graph, routing.for_need, routing.via_need)
        current = best.get(key)
        if current is None or (distance, routing.via_need or "", routing.via_duty or "") < (
            current[0],
            current[1].via_need or "",
            current[1].via_duty or "",
        ):
            best[key] = (distance, routing)
    # The whole key: routings differing only in `after` must not come out in hash order (answers would differ
    # between processes).
    return [r for _, r in sorted(best.values(), key=lambda item: _key(item[1]))]


def _key(routing: Routing) -> tuple[str, str, str, str]:
    return (routing.rule, routing.target, routing.for_need or "", routing.after or "")


def _distance(graph: Graph, need: str | None, via: str | None) -> int:
    """Steps along skos:broader from the need to the concept the target serves (0: the need itself)."""
    if need is None or via is None or need == via:
        return 0
    frontier: set[Node] = {URIRef(need)}
    seen: set[Node] = set()
    for steps in range(1, 20):
        frontier = {b for n in frontier for b in graph.objects(n, SKOS.broader)} - seen
        if URIRef(via) in frontier:
            return steps
        seen |= frontier
    return 99


def compile_index(reasoned: Reasoned, params: Parameters | None = None) -> RoutingIndex:
    """The index of a reasoned plan. Fails (:class:`RuleError`) when a rule derives what the engine cannot answer:
    an unknown kind of target, condition, consent state or explanation placeholder, or departments without a
    who-handles weight."""
    graph = reasoned.graph
    params = params or parameters()
    spellings = spelling_table(graph)
    scheme_fields = {str(f) for f in graph.subjects(JY.schemeField, Literal(True))}
    # Sorted, so that labels normalising alike (子ども食堂 / こども食堂) tie the same way in every process.
    need_nodes = sorted(
        set(graph.subjects(RDF.type, JY.Need)) | set(graph.subjects(RDF.type, JY.CompoundNeed)), key=str
    )
    needs: dict[str, Need] = {}
    labels: list[Label] = []
    for node in need_nodes:
        fields = frozenset(str(f) for f in graph.objects(node, JY.field))
        needs[str(node)] = Need(
            iri=str(node),
            id=local_id(node),
            label=_pref(graph, node, "ja"),
            fields=fields,
            scheme_fields=frozenset(fields & scheme_fields),
            compound=(node, RDF.type, JY.CompoundNeed) in graph,
        )
        for text, weight in need_labels(graph, node, params):
            labels.append(Label(normalize(text, spellings), text, str(node), weight))
    routings = [_routing(graph, r) for r in graph.subjects(RDF.type, JY.Routing)]
    targets: dict[str, Target] = {}
    for iri in {r.target for r in routings} | {r.after for r in routings if r.after}:
        node = URIRef(iri)
        kind = kind_of(graph, node)
        if kind is not None:
            targets[iri] = _target(graph, node, kind)
    rules = {local_id(r): _rule_info(graph, r) for r in graph.subjects(RDF.type, JY.Rule)}
    _check_rules(rules, routings, targets)
    per_need: dict[str, list[Routing]] = {}
    household: list[Routing] = []
    for found in _most_specific(graph, routings):
        rule = rules.get(found.rule)
        routing = replace(
            found,
            explanation=_explain(rule, found),
            legal=found.legal or ((rule.legal,) if rule is not None and rule.legal else ()),
        )
        if routing.for_need is None:
            household.append(routing)
        else:
            per_need.setdefault(routing.for_need, []).append(routing)
    served = frozenset(
        need for need, rs in per_need.items() if any(targets[r.target].kind in ("program", "department") for r in rs)
    )
    named, name_labels = names_of(graph, params, spellings)
    plan = next(iter(graph.subjects(RDF.type, JY.Plan)), None)
    period = (_int(graph, plan, JY.startFiscalYear) or 0, _int(graph, plan, JY.endFiscalYear) or 0) if plan else (0, 0)
    return RoutingIndex(
        plan_label=label(graph, plan) if plan else "",
        plan_revision=str(graph.value(plan, JY.adopted) or "") if plan else "",
        period=period,
        needs=MappingProxyType(needs),
        need_ids=MappingProxyType({n.id: n.iri for n in needs.values()}),
        per_need=MappingProxyType({k: tuple(v) for k, v in per_need.items()}),
        # routings that follow a recommendation (所管課 after its programme) in the plan's order of programmes
        household=tuple(sorted(household, key=lambda r: (r.rule, r.target, _order(targets, r.after), r.after or ""))),
        targets=MappingProxyType(targets),
        departments=MappingProxyType({t.id: t for t in targets.values() if t.kind == "department"}),
        rules=MappingProxyType(rules),
        served=served,
        matcher=LabelMatcher(labels, spellings, params),
        names=LabelMatcher(name_labels, spellings, params),
        named=MappingProxyType(named),
        consent_labels=MappingProxyType({code: label(graph, iri) or code for iri, code in CONSENT.items()}),
        parameters=params,
    )


def _order(targets: dict[str, Target], iri: str | None) -> int:
    target = targets.get(iri or "")
    return target.order if target is not None else UNORDERED


def _rule_info(graph: Graph, rule: Node) -> RuleInfo:
    weight = graph.value(rule, JY.whoHandlesWeight)
    info = RuleInfo(
        local_id(rule),
        str(graph.value(rule, RDFS.comment) or ""),
        str(graph.value(rule, JY.explanation) or ""),
        float(weight) if isinstance(weight, Literal) else None,
        str(graph.value(rule, JY.legalCitation) or ""),
    )
    check_template(info.id, info.explain)
    return info


def _check_rules(rules: dict[str, RuleInfo], routings: list[Routing], targets: dict[str, Target]) -> None:
    """Every rule that recommends departments states how much who-handles counts them."""
    for routing in routings:
        rule = rules.get(routing.rule)
        if targets[routing.target].kind == "department" and (rule is None or rule.weight is None):
            raise RuleError(
                f"{routing.rule}.rq: recommends departments ({targets[routing.target].id}) but has no "
                "'# who-handles-weight:' header; who-handles cannot rank them without it"
            )


def _explain(rule: RuleInfo | None, routing: Routing) -> str:
    """The rule's explanation with everything but {need} filled in (the needs are the request's)."""
    text = rule.explain if rule else ""
    for key, value in routing.fills:
        text = text.replace("{" + key + "}", value)
    return text


def _pref(graph: Graph, node: Node, lang: str) -> str:
    for value in graph.objects(node, SKOS.prefLabel):
        if isinstance(value, Literal) and value.language == lang:
            return str(value)
    return label(graph, node, lang)


def build(plan: PlanSource) -> RoutingIndex:
    """load → reason → index: everything expensive, once."""
    return index_of(plan.merged())


def index_of(merged: Graph) -> RoutingIndex:
    """The index of an already merged plan (vocabulary + data); ``merged`` is read, never changed."""
    return compile_index(reason(merged))
