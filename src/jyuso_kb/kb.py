"""Loading a plan: the project's ontology and thesaurus plus one municipality's data, as immutable values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from . import resources
from .namespaces import bind_prefixes
from .rdf_input import read_files


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


def load_plan(paths: Sequence[Path]) -> PlanSource:
    """A plan from Turtle/JSON-LD files or folders; raises InputError for unreadable input."""
    return PlanSource(load_vocabulary(), read_files(paths), ", ".join(str(p) for p in paths))


def load_embedded(name: str = resources.DEFAULT_MUNICIPALITY) -> PlanSource:
    """The plan shipped with the package (魚津市 by default)."""
    return load_plan([resources.municipality_dir(name)])
