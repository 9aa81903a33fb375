"""Shape fixtures: each YAML file under fixtures/shapes/ patches the 魚津市 plan into a valid and an invalid
variant and carries the report the invalid one must produce (like pySHACL's fixtures).

Format::

    shape: jysh:ProgramDepartment          # the requirement the invalid variant must break
    description: 事業から所管課を外す
    valid:   {remove: "<turtle>", add: "<turtle>"}   # still conforms (either key may be absent)
    invalid: {remove: "<turtle>", add: "<turtle>"}
    expect:                               # exactly these findings of that shape, no more
      - focus: uozu:prog-outreach
        severity: violation
        message: 事業に所管課がないか、所管課が既知の課ではありません。
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from rdflib import RDF, Graph, URIRef
from rdflib.namespace import SH

from jyuso_kb.check import shacl
from jyuso_kb.check.shacl import shapes_graph  # bound here: validate_requirement replaces shacl.shapes_graph
from jyuso_kb.plan.source import PlanSource

PREFIXES = """
@prefix jy:   <https://w3id.org/jyuso-kb/ontology#> .
@prefix law:  <https://w3id.org/jyuso-kb/law/326AC0000000045/> .
@prefix uozu: <https://w3id.org/jyuso-kb/data/uozu/> .
@prefix need: <https://w3id.org/jyuso-kb/needs/> .
@prefix owl:  <http://www.w3.org/2002/07/owl#> .
@prefix rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .
"""


@dataclass(frozen=True)
class ShapeFixture:
    path: Path
    shape: str
    description: str
    valid: dict[str, str]
    invalid: dict[str, str]
    expect: list[dict[str, str]]


def load(path: Path) -> ShapeFixture:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return ShapeFixture(
        path=path,
        shape=data["shape"],
        description=data.get("description", ""),
        valid=data.get("valid") or {},
        invalid=data["invalid"],
        expect=data["expect"],
    )


def _turtle(text: str | None) -> Graph:
    graph = Graph()
    if text:
        graph.parse(data=PREFIXES + text, format="turtle")
    return graph


def patched(plan: PlanSource, patch: dict[str, str]) -> PlanSource:
    """A new plan: the data minus ``remove`` plus ``add``; vocabulary triples may be removed too (the thesaurus).
    The given plan is left as it is; its vocabulary graph is shared when the patch does not touch it."""
    remove, add = _turtle(patch.get("remove")), _turtle(patch.get("add"))
    for triple in remove:
        if triple not in plan.data and triple not in plan.vocabulary:
            raise AssertionError(f"fixture removes a triple the plan does not have: {triple}")
    data = Graph()
    data += plan.data
    vocabulary = plan.vocabulary
    if any(triple in vocabulary for triple in remove):
        vocabulary = Graph()
        vocabulary += plan.vocabulary
    for triple in remove:
        data.remove(triple)
        if vocabulary is not plan.vocabulary:
            vocabulary.remove(triple)
    data += add
    return PlanSource(vocabulary, data, f"patched by {patch}")


@cache
def requirement_shapes(shape: str) -> Graph:
    """The part of the project's shapes graph that checks one requirement: the node shape itself, or the node shapes
    holding this property shape, with everything they refer to (their property shapes, lists, SPARQL constraints and
    the prefixes those declare). Validating against it gives that requirement's findings exactly as the whole graph
    does, in a fraction of the time (pySHACL validates shapes independently of each other)."""
    full = shapes_graph()
    node = full.namespace_manager.expand_curie(shape)
    roots = [node] if (node, RDF.type, SH.NodeShape) in full else list(full.subjects(SH.property, node))
    assert roots, f"{shape} is neither a node shape nor held by one"
    part = Graph()
    for prefix, namespace in full.namespaces():
        part.bind(prefix, namespace)
    seen: set[URIRef] = set()
    todo = list(roots)
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        description = full.cbd(current)
        part += description
        todo += [o for o in description.objects() if isinstance(o, URIRef) and (o, None, None) in full]
    return part


def validate_requirement(plan: PlanSource, shape: str, monkeypatch: pytest.MonkeyPatch) -> shacl.Report:
    """``shacl.validate`` (the code the CLI and the API run) with only the shapes that check ``shape``."""
    part = requirement_shapes(shape)
    monkeypatch.setattr(shacl, "shapes_graph", lambda: part)
    return shacl.validate(plan)
