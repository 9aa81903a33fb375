"""Rules to a fixpoint: every rules/*.rq (SPARQL CONSTRUCT) runs over the plan until nothing new follows.

Each rule file starts with comment headers (id, intent, section-of, legal, example, explain, and for rules that
recommend departments who-handles-weight); they become ``jy:Rule`` nodes in the result so that answers can cite the
rule. The input graph is never changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path as FilePath
from typing import Any

from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef, Variable
from rdflib.paths import Path
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import Query

from jyuso_kb import query_parsing, resources
from jyuso_kb.namespaces import JY
from jyuso_kb.reason.headers import read_headers

RULE = Namespace("https://w3id.org/jyuso-kb/rules/")
Key = tuple[URIRef, URIRef | None]  # (predicate, class for rdf:type patterns; None: any object)
MAX_ROUNDS = 20


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    intent: str
    section_of: str  # what the rule reads, whose plan section it cites in each plan (formats/sections.py)
    legal: str
    example: str
    explain: str
    weight: float | None  # ``# who-handles-weight:``; rules recommending departments must have one (index/routing.py)
    query: Query
    reads: frozenset[Key] | None
    writes: frozenset[Key]

    @property
    def iri(self) -> URIRef:
        return RULE[self.id]

    def summary(self) -> dict[str, str]:
        return {
            "id": self.id,
            "name": self.name,
            "intent": self.intent,
            "legal": self.legal,
            "example": self.example,
        }


class RuleError(ValueError):
    """A rule file that is not a well-formed rule (missing header, id not matching the file name)."""


def load_rule(path: FilePath) -> Rule:
    text = path.read_text(encoding="utf-8")
    head = read_headers(text)
    missing = [k for k in ("id", "name", "intent", "section-of", "legal", "example") if not head.get(k)]
    if missing:
        raise RuleError(f"{path.name}: header lacks {', '.join(missing)}")
    if head["id"] != path.stem:
        raise RuleError(f"{path.name}: id {head['id']!r} differs from the file name")
    query = query_parsing.prepare(text)
    if query.algebra.name != "ConstructQuery":
        raise RuleError(f"{path.name}: a rule must be a SPARQL CONSTRUCT")
    reads, writes = _predicates(query)
    weight = head.get("who-handles-weight")
    try:
        value = float(weight) if weight else None
    except ValueError as err:
        raise RuleError(f"{path.name}: who-handles-weight {weight!r} is not a number") from err
    return Rule(
        id=head["id"],
        name=head["name"],
        intent=head["intent"],
        section_of=head["section-of"],
        legal=head["legal"],
        example=head["example"],
        explain=head.get("explain", ""),
        weight=value,
        query=query,
        reads=reads,
        writes=writes,
    )


def _path_iris(node: Any) -> set[URIRef]:
    if isinstance(node, URIRef):
        return {node}
    if isinstance(node, Path):
        return {iri for value in vars(node).values() for iri in _path_iris(value)}
    if isinstance(node, list | tuple):
        return {iri for value in node for iri in _path_iris(value)}
    return set()


def _keys(predicate: Any, obj: Any) -> set[Key]:
    """What a triple pattern reads or writes: (rdf:type, Class) for typed patterns, (predicate, None) otherwise."""
    if predicate == RDF.type:
        return {(RDF.type, obj if isinstance(obj, URIRef) else None)}
    return {(iri, None) for iri in _path_iris(predicate)}


def _predicates(query: Query) -> tuple[frozenset[Key] | None, frozenset[Key]]:
    """Keys a rule reads (None: anything, when a predicate is a variable) and the keys its template writes."""
    template = query.algebra["template"] if "template" in query.algebra.keys() else ()
    writes = frozenset(k for t in template for k in _keys(t[1], t[2]))
    reads: set[Key] = set()
    stack: list[Any] = [query.algebra["p"]]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            for triple in node["triples"] if "triples" in node.keys() else ():
                if isinstance(triple[1], Variable):
                    return None, writes
                reads |= _keys(triple[1], triple[2])
            stack.extend(node.values())
        elif isinstance(node, list | tuple):
            stack.extend(node)
    return frozenset(reads), writes


def _affected(reads: frozenset[Key] | None, changed: set[Key]) -> bool:
    if reads is None:
        return True
    for predicate, cls in reads:
        if (predicate, cls) in changed or (cls is None and any(p == predicate for p, _ in changed)):
            return True
    return False


@lru_cache(maxsize=1)
def rules() -> tuple[Rule, ...]:
    """Every rule, parsed once per process (SPARQL parsing is not thread-safe: do it at load, in one thread)."""
    return tuple(load_rule(p) for p in sorted((resources.root() / "rules").glob("*.rq")))


@dataclass(frozen=True)
class Reasoned:
    graph: Graph
    rounds: int


def rule_graph(all_rules: tuple[Rule, ...]) -> Graph:
    """The rules themselves as RDF (so answers can cite them)."""
    graph = Graph()
    for rule in all_rules:
        graph.add((rule.iri, RDF.type, JY.Rule))
        graph.add((rule.iri, RDFS.label, Literal(rule.name, lang="ja")))
        graph.add((rule.iri, RDFS.comment, Literal(rule.intent, lang="ja")))
        if rule.explain:
            graph.add((rule.iri, JY.explanation, Literal(rule.explain, lang="ja")))
        if rule.legal:
            graph.add((rule.iri, JY.legalCitation, Literal(rule.legal, lang="ja")))
        if rule.weight is not None:
            graph.add((rule.iri, JY.whoHandlesWeight, Literal(rule.weight)))
    return graph


def reason(base: Graph, all_rules: tuple[Rule, ...] | None = None) -> Reasoned:
    """A new graph: ``base`` plus everything the rules derive, run until a round adds nothing."""
    chosen = rules() if all_rules is None else all_rules
    graph = Graph()
    graph += base
    for prefix, namespace in base.namespaces():
        graph.bind(prefix, namespace, override=False)
    graph += rule_graph(chosen)
    pending = list(chosen)
    for rounds in range(1, MAX_ROUNDS + 1):
        changed: set[Key] = set()
        for rule in pending:
            derived = graph.query(rule.query).graph
            if derived is None:
                continue
            before = len(graph)
            graph += derived
            if len(graph) > before:
                changed |= {k for _, p, o in derived for k in _keys(p, o)}
        pending = [rule for rule in chosen if _affected(rule.reads, changed)]
        if not pending:
            return Reasoned(graph, rounds)
    raise RuleError(f"rules did not reach a fixpoint in {MAX_ROUNDS} rounds")
