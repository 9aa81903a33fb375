"""Rules to a fixpoint: every rules/*.rq (SPARQL CONSTRUCT) runs over the plan until nothing new follows.

Each rule file starts with comment headers (id, intent, section, legal, example, explain); they become
``jy:Rule`` nodes in the result so that answers can cite the rule. The input graph is never changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query

from . import resources
from .namespaces import JY

RULE = Namespace("https://w3id.org/jyuso-kb/rules/")
MAX_ROUNDS = 20


@dataclass(frozen=True)
class Rule:
    id: str
    intent: str
    section: str
    legal: str
    example: str
    explain: str
    query: Query

    @property
    def iri(self) -> URIRef:
        return RULE[self.id]


class RuleError(ValueError):
    """A rule file that is not a well-formed rule (missing header, id not matching the file name)."""


def _headers(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        key, sep, value = line.lstrip("# ").partition(":")
        if sep:
            out.setdefault(key.strip(), value.strip())
    return out


def load_rule(path: Path) -> Rule:
    text = path.read_text(encoding="utf-8")
    head = _headers(text)
    missing = [k for k in ("id", "intent", "section", "legal", "example") if not head.get(k)]
    if missing:
        raise RuleError(f"{path.name}: header lacks {', '.join(missing)}")
    if head["id"] != path.stem:
        raise RuleError(f"{path.name}: id {head['id']!r} differs from the file name")
    query = prepareQuery(text)
    if query.algebra.name != "ConstructQuery":
        raise RuleError(f"{path.name}: a rule must be a SPARQL CONSTRUCT")
    return Rule(
        id=head["id"],
        intent=head["intent"],
        section=head["section"],
        legal=head["legal"],
        example=head["example"],
        explain=head.get("explain", ""),
        query=query,
    )


@lru_cache(maxsize=1)
def rules() -> tuple[Rule, ...]:
    """Every rule, parsed once per process (SPARQL parsing is not thread-safe: do it at load, in one thread)."""
    return tuple(load_rule(p) for p in sorted((resources.root() / "rules").glob("*.rq")))


@dataclass(frozen=True)
class Reasoned:
    graph: Graph
    rounds: int
    inferred: int


def rule_graph(all_rules: tuple[Rule, ...]) -> Graph:
    """The rules themselves as RDF (so answers can cite them)."""
    graph = Graph()
    for rule in all_rules:
        graph.add((rule.iri, RDF.type, JY.Rule))
        graph.add((rule.iri, RDFS.label, Literal(rule.id)))
        graph.add((rule.iri, RDFS.comment, Literal(rule.intent, lang="ja")))
        if rule.explain:
            graph.add((rule.iri, JY.explanation, Literal(rule.explain, lang="ja")))
    return graph


def reason(base: Graph, all_rules: tuple[Rule, ...] | None = None) -> Reasoned:
    """A new graph: ``base`` plus everything the rules derive, run until a round adds nothing."""
    chosen = rules() if all_rules is None else all_rules
    graph = Graph()
    graph += base
    for prefix, namespace in base.namespaces():
        graph.bind(prefix, namespace, override=False)
    graph += rule_graph(chosen)
    start = len(graph)
    for rounds in range(1, MAX_ROUNDS + 1):
        before = len(graph)
        for rule in chosen:
            derived = graph.query(rule.query).graph
            if derived is not None:
                graph += derived
        if len(graph) == before:
            return Reasoned(graph, rounds, len(graph) - start)
    raise RuleError(f"rules did not reach a fixpoint in {MAX_ROUNDS} rounds")
