"""Exports of a plan: Turtle, JSON-LD (with our context inline) and CSV (the programme catalog)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from rdflib import Graph

from jyuso_kb import resources
from jyuso_kb.formats.catalog import programs
from jyuso_kb.formula import formula_safe
from jyuso_kb.namespaces import data_prefixes

FORMATS = ("ttl", "jsonld", "csv")
CSV_COLUMNS = (
    "id",
    "label",
    "label_en",
    "legal_basis",
    "pillar",
    "component",
    "target_group",
    "activities",
    "implementation",
    "operators",
    "departments",
    "fields",
    "new",
    "source",
)
# In which stored revision the programme last changed, and when (empty for a plan read from files: no history).
CHANGE_COLUMNS = ("last_changed_revision", "last_changed_at")


def to_turtle(graph: Graph) -> str:
    return graph.serialize(format="turtle")


def to_jsonld(graph: Graph) -> str:
    """JSON-LD with the project's context inline, plus the prefix of each municipality's data the graph holds (the
    published context names no municipality)."""
    context = json.loads(resources.jsonld_context_file().read_text(encoding="utf-8"))["@context"]
    return graph.serialize(format="json-ld", context={**context, **data_prefixes(graph)}, auto_compact=True, indent=2)


def csv_cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (cells starting = + - @ are quoted with ')."""
    if isinstance(value, list):
        text = "; ".join(v["label"] if isinstance(v, dict) else str(v) for v in value)
    elif isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = str(value)
    return formula_safe(text)


def to_csv(graph: Graph, rows: Iterable[dict[str, Any]] | None = None) -> str:
    """The programme catalog as CSV: ``rows`` are the catalog's programmes (with ``last_changed``, as the service
    serves them), else those of ``graph``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow((*CSV_COLUMNS, *CHANGE_COLUMNS))
    for row in programs(graph) if rows is None else rows:
        change = row.get("last_changed") or {}
        cells = [row[c] for c in CSV_COLUMNS] + [change.get("revision", ""), change.get("at", "")]
        writer.writerow([csv_cell(c) for c in cells])
    return out.getvalue()


def export(graph: Graph, fmt: str) -> str:
    if fmt == "ttl":
        return to_turtle(graph)
    if fmt == "jsonld":
        return to_jsonld(graph)
    if fmt == "csv":
        return to_csv(graph)
    raise ValueError(fmt)
