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
from pathlib import Path
from typing import Any

import yaml
from rdflib import Graph

from jyuso_kb.plan.source import PlanSource

PREFIXES = """
@prefix jy:   <https://w3id.org/jyuso-kb/ontology#> .
@prefix law:  <https://w3id.org/jyuso-kb/law/326AC0000000045/> .
@prefix uozu: <https://w3id.org/jyuso-kb/data/uozu/> .
@prefix need: <https://w3id.org/jyuso-kb/needs/> .
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
    """A new plan: the data minus ``remove`` plus ``add``; vocabulary triples may be removed too (the thesaurus)."""
    remove, add = _turtle(patch.get("remove")), _turtle(patch.get("add"))
    data, vocabulary = Graph(), Graph()
    data += plan.data
    vocabulary += plan.vocabulary
    for triple in remove:
        if triple not in data and triple not in vocabulary:
            raise AssertionError(f"fixture removes a triple the plan does not have: {triple}")
        data.remove(triple)
        vocabulary.remove(triple)
    data += add
    return PlanSource(vocabulary, data, f"patched by {patch}")
