"""Loading a plan: the project's ontology and thesaurus plus one municipality's data, as immutable values."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from rdflib import Graph

from jyuso_kb import resources
from jyuso_kb.namespaces import bind_prefixes
from jyuso_kb.plan.read import read_files


@dataclass(frozen=True)
class PlanSource:
    """The graphs of one plan. ``vocabulary`` is ontology + thesaurus; ``data`` is the municipality's facts.

    Treat both graphs as read-only: every operation builds a new graph (see :func:`merged`).
    """

    vocabulary: Graph
    data: Graph
    origin: str

    def merged(self) -> Graph:
        """A new graph holding vocabulary and data together (the graph SHACL and queries read)."""
        graph = Graph()
        graph += self.vocabulary
        graph += self.data
        for source in (self.vocabulary, self.data):
            for prefix, namespace in source.namespaces():
                if prefix:
                    graph.bind(prefix, namespace, override=False)
        return bind_prefixes(graph)


def load_vocabulary() -> Graph:
    """Ontology (TBox, law, system structure, alignments) and the needs thesaurus."""
    return read_files([*resources.ontology_files(), *resources.thesaurus_files()])


@cache
def vocabulary_graph() -> Graph:
    """The project's ontology and thesaurus, read once per process and shared (by the workbook's choices,
    validation and every plan the service loads): treat it as read-only."""
    return load_vocabulary()
