"""Loading a plan: the one way to turn files, folders and workbooks into a :class:`PlanSource`.

Turtle (.ttl) and JSON-LD (.jsonld, .json) files or folders and workbooks (.xlsx, or a folder of the workbook's CSV
files) may be mixed; everything given is merged into the plan's data. No path means the embedded plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rdflib import Graph

from jyuso_kb import resources
from jyuso_kb.plan.read import read_files
from jyuso_kb.plan.source import PlanSource, load_vocabulary
from jyuso_kb.plan.workbook.importer import read_workbook
from jyuso_kb.plan.workbook.sheets import WorkbookIndex, is_workbook


def _bind(target: Graph, part: Graph, skip_empty: bool) -> None:
    for prefix, namespace in part.namespaces():
        if prefix or not skip_empty:
            target.bind(prefix, namespace, override=False)


def load_with_locations(paths: Sequence[Path | str]) -> tuple[PlanSource, list[WorkbookIndex]]:
    """The plan in these paths, plus where each fact stood in the workbooks among them (sheet, row, column)."""
    graph, indexes = read_data(paths)
    return PlanSource(load_vocabulary(), graph, ", ".join(str(p) for p in paths)), indexes


def read_data(paths: Sequence[Path | str]) -> tuple[Graph, list[WorkbookIndex]]:
    """The plan data in these paths (all merged, without the project's vocabulary), and where each fact stood in
    the workbooks among them. Raises InputError for unreadable input."""
    folders = [Path(p) for p in paths]
    graph = Graph()
    plain: list[Path] = []
    indexes: list[WorkbookIndex] = []
    for path in folders:
        if is_workbook(path):
            part, index = read_workbook(path)
            graph += part
            _bind(graph, part, skip_empty=False)
            indexes.append(index)
        else:
            plain.append(path)
    if plain:
        part = read_files(plain)
        graph += part
        _bind(graph, part, skip_empty=True)
    return graph, indexes


def load_plan(paths: Sequence[Path | str] | None = None) -> PlanSource:
    """The plan in these files, folders or workbooks (all merged); the embedded plan when none is given.

    Raises :class:`~jyuso_kb.errors.InputError` for unreadable input (the CLI exits with 2, the API answers 4xx).
    """
    if not paths:
        return load_embedded()
    return load_with_locations(paths)[0]


def load_embedded(name: str | None = None) -> PlanSource:
    """A plan shipped with the package (by default the one data/default-municipality.txt names)."""
    folder = resources.municipality_dir(name)
    return PlanSource(load_vocabulary(), read_files([folder]), str(folder))
