"""Answering SPARQL from the national Oxigraph store, with the same refusals, formats and caps as the rdflib engine.

A query is first checked as every query is (``sparql_query.check_query``: no update, SERVICE, FROM, GRAPH or
extension function), then run by Oxigraph on a read-only view of the store: for one municipality with its plan's
graph and the vocabulary as the default graph, nationwide with the union of all graphs. No named graph is visible.
The view is opened again when the store's manifest changes (a publish), about 10 ms.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from jyuso_kb.serve.sparql_query import SparqlOutcome, check_query, render_ask, render_graph, render_select
from jyuso_kb.store.national import VOCABULARY, municipality_graph, oxigraph_dir, rdflib_term

ROCKSDB_ADDRESS_SPACE = 1024 * 1024 * 1024
Runner = Callable[[str, str, str | None, int, int], SparqlOutcome]


def execute(store: ox.Store, scope: str | None, text: str, accept: str, row_cap: int, byte_cap: int) -> SparqlOutcome:
    """One query on the store: ``scope`` a municipality's code, or None for every municipality."""
    _, refusal = check_query(text)
    if refusal is not None:
        return SparqlOutcome(400, "application/json", b"", error=refusal)
    if scope is None:
        result = store.query(text, use_default_graph_as_union=True, named_graphs=[])
    else:
        graphs: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] = [
            ox.NamedNode(municipality_graph(scope)),
            ox.NamedNode(VOCABULARY),
        ]
        result = store.query(text, default_graph=graphs, named_graphs=[])
    if isinstance(result, ox.QueryBoolean):
        return render_ask(bool(result), accept)
    if isinstance(result, ox.QueryTriples):
        triples = ((rdflib_term(t.subject), rdflib_term(t.predicate), rdflib_term(t.object)) for t in result)
        return render_graph(triples, accept, row_cap, byte_cap)
    variables = [v.value for v in result.variables]
    return render_select(variables, _rows(result, variables), accept, row_cap, byte_cap)


def _rows(result: ox.QuerySolutions, variables: list[str]) -> Iterator[dict[str, Any]]:
    for solution in result:
        yield {v: rdflib_term(solution[v]) for v in variables if solution[v] is not None}


@dataclass(frozen=True)
class OxigraphTarget:
    """What a SPARQL worker answers from: the national store in ``root`` (opened read-only in the worker)."""

    root: Path

    def reads(self) -> tuple[str, ...]:
        """Files the worker opens from Python: the manifest, which names the store's current generation (Oxigraph
        opens the store's own files outside Python's audit hook)."""
        return (str(Path(self.root) / "manifest.json"),)

    def headroom(self, memory: int) -> int:
        """The configured limit plus what opening the store reserves: RocksDB starts threads, each with its stack
        and a malloc arena of 64 MiB of address space (reserved, not used); under 512 MiB alone, a worker could not
        open the store (422 query_memory on the first query)."""
        return memory + ROCKSDB_ADDRESS_SPACE

    def open(self) -> Runner:
        manifest = Path(self.root) / "manifest.json"
        state: dict[str, Any] = {}

        def current() -> ox.Store:
            stamp = os.stat(manifest).st_mtime_ns if manifest.exists() else 0
            if state.get("stamp") != stamp:
                state["store"] = ox.Store.read_only(str(oxigraph_dir(self.root)))
                state["stamp"] = stamp
            store: ox.Store = state["store"]
            return store

        def run(text: str, accept: str, scope: str | None, row_cap: int, byte_cap: int) -> SparqlOutcome:
            try:
                return execute(current(), scope, text, accept, row_cap, byte_cap)
            except SyntaxError:
                return SparqlOutcome(
                    400,
                    "application/json",
                    b"",
                    error=("sparql_error", "このクエリは実行できません。", "構文と関数の使い方を確認してください。"),
                )

        return run
