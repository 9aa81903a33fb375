"""The national endpoints' index: every municipality of the national store, its programmes and its 庁内連携 matrix,
in memory, with the vocabulary their filters are named in.

The index is read from the store's facts files (``store/national_facts.py``) at start and again whenever the
manifest changes (a publish, here or in another process): only municipalities whose content hash changed are read
again. A municipality without a current facts file (a store built by an older version) is compiled from its graph,
read-only. Requests read ``NationalState.index`` once and see one version of it. The names a filter accepts (a
legal item's id or citation, an implementation mode's id or label, a collaboration function's) are the ontology's.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from rdflib import RDF, SKOS, Graph, Literal, URIRef
from rdflib.term import Node

from jyuso_kb.namespaces import JY
from jyuso_kb.plan.terms import label, position, unknown_text
from jyuso_kb.store import national, national_facts
from jyuso_kb.store.national_facts import Facts, local_name

REFRESH_WAIT = 10.0  # seconds a request waits for the index to be read again after a change of the manifest


@dataclass(frozen=True)
class Term:
    """A term of the vocabulary a filter or an answer names: a legal item, a mode, a status, a function."""

    iri: str
    label: str
    label_en: str
    order: int
    citation: str = ""  # a legal item's jy:citation
    parent: str | None = None  # a legal item's jy:partOf
    number: str = ""  # a collaboration function's jy:number, e.g. "(2)"
    operating: bool = False  # a status's jy:operating

    @property
    def id(self) -> str:
        return local_name(self.iri)


@dataclass(frozen=True)
class Vocabulary:
    provisions: dict[str, Term]  # by IRI, in the law's order
    modes: dict[str, Term]
    statuses: dict[str, Term]
    functions: dict[str, Term]
    unknown: str  # what answers show for a fact the plan leaves unstated (「不明」)

    def within(self, iri: str) -> frozenset[str]:
        """The legal item and every item that is part of it (第1号 → 第1号, 第1号イ … ニ)."""
        found, todo = {iri}, [iri]
        while todo:
            parent = todo.pop()
            for child in self.provisions.values():
                if child.parent == parent and child.iri not in found:
                    found.add(child.iri)
                    todo.append(child.iri)
        return frozenset(found)

    def operating(self, status: str) -> bool:
        term = self.statuses.get(status)
        return term is not None and term.operating


def short_id(term: Term) -> str:
    """A mode's or a function's id without its kind (``mode-commissioned`` → ``commissioned``)."""
    return term.id.split("-", 1)[1] if "-" in term.id else term.id


def names(terms: dict[str, Term], graph: Graph | None = None, *, short: bool = False) -> dict[str, str]:
    """Each name a filter may give for a term (its id, citation, Japanese label, short citation, alternative labels
    and, with ``short``, its id without its kind) → the term's IRI; a name two terms share is left out."""
    seen: dict[str, set[str]] = {}
    for term in terms.values():
        given = {term.id, term.label, term.citation, *([short_id(term)] if short else [])}
        if graph is not None:
            node = URIRef(term.iri)
            given |= {str(v) for p in (JY.shortCitation, SKOS.altLabel) for v in graph.objects(node, p)}
        for name in given - {""}:
            seen.setdefault(name, set()).add(term.iri)
    return {name: next(iter(iris)) for name, iris in seen.items() if len(iris) == 1}


def _terms(graph: Graph, cls: Node) -> dict[str, Term]:
    made = []
    for node in set(graph.subjects(RDF.type, cls)):
        parent = graph.value(node, JY.partOf)
        operating = graph.value(node, JY.operating)
        made.append(
            Term(
                iri=str(node),
                label=label(graph, node),
                label_en=label(graph, node, "en"),
                order=position(graph, node),
                citation=str(graph.value(node, JY.citation) or ""),
                parent=str(parent) if parent is not None else None,
                number=str(graph.value(node, JY.number) or ""),
                operating=isinstance(operating, Literal) and operating.toPython() is True,
            )
        )
    return {t.iri: t for t in sorted(made, key=lambda t: (t.order, t.iri))}


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """The terms of the ontology the national endpoints filter by and answer with (read once per process)."""
    from jyuso_kb.serve.ontology_endpoints import ontology_graph

    graph = ontology_graph()
    return Vocabulary(
        provisions=_terms(graph, JY.LegalProvision),
        modes=_terms(graph, JY.ImplementationMode),
        statuses=_terms(graph, JY.ImplementationStatus),
        functions=_terms(graph, JY.CollaborationFunction),
        unknown=unknown_text(graph),
    )


@lru_cache(maxsize=1)
def vocabulary_names() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """The names each filter accepts: legal items, modes, collaboration functions (name → IRI)."""
    from jyuso_kb.serve.ontology_endpoints import ontology_graph

    graph, terms = ontology_graph(), vocabulary()
    return (
        names(terms.provisions, graph),
        names(terms.modes, graph, short=True),
        names(terms.functions, graph, short=True),
    )


@dataclass(frozen=True)
class Municipality:
    entry: national.Entry
    facts: Facts

    @property
    def code(self) -> str:
        return self.entry.code

    @property
    def prefecture_code(self) -> str:
        return self.entry.code[:2]

    def as_dict(self) -> dict[str, str]:
        e = self.entry
        return {"code": e.code, "name": e.name, "prefecture": e.prefecture, "prefecture_code": self.prefecture_code}


@dataclass(frozen=True)
class NationalIndex:
    stamp: tuple[int, int, int]
    municipalities: tuple[Municipality, ...]  # by code

    def prefecture_names(self) -> dict[str, str]:
        """Each 2-digit prefecture code → the prefecture's name as most of its municipalities' data write it."""
        counts: dict[str, Counter[str]] = {}
        for m in self.municipalities:
            counts.setdefault(m.prefecture_code, Counter())[m.entry.prefecture] += 1
        return {code: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] for code, c in sorted(counts.items())}


def stamp_of(root: Path) -> tuple[int, int, int]:
    try:
        info = os.stat(Path(root) / "manifest.json")
    except FileNotFoundError:
        return (0, 0, 0)
    return (info.st_mtime_ns, info.st_size, info.st_ino)


def load(root: Path, previous: NationalIndex | None = None) -> NationalIndex:
    """The index of the store in ``root``; municipalities unchanged since ``previous`` are kept as they were."""
    stamp = stamp_of(root)
    kept = {m.code: m for m in previous.municipalities} if previous is not None else {}
    store: ox.Store | None = None
    made = []
    for entry in sorted(national.read_manifest(root).entries, key=lambda e: e.code):
        old = kept.get(entry.code)
        if old is not None and old.entry == entry:
            made.append(old)
            continue
        packed = national_facts.read(root, entry.code, entry.hash)
        if packed is None:
            store = store or ox.Store.read_only(str(national.oxigraph_dir(root)))
            packed = national_facts.compute(store, national.municipality_graph(entry.code))
        made.append(Municipality(entry, national_facts.parse(packed)))
    return NationalIndex(stamp, tuple(made))


class NationalState:
    """The current index of one national store, read again (off the event loop) when its manifest changes."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.index = NationalIndex((-1, -1, -1), ())  # read by start(), off the start-up path (2.5–4 s at 1,741)
        self._refresh: asyncio.Task[NationalIndex] | None = None

    def start(self, executor: ThreadPoolExecutor) -> None:
        """Begin reading the index in ``executor`` (the service starts meanwhile; a request waits for it)."""
        self._refresh = asyncio.ensure_future(self._reload(executor))

    async def current(self, executor: ThreadPoolExecutor) -> NationalIndex:
        """The index as of the manifest now; TimeoutError when reading it again takes longer than REFRESH_WAIT."""
        if stamp_of(self.root) == self.index.stamp:
            return self.index
        if self._refresh is None or self._refresh.done():
            self._refresh = asyncio.ensure_future(self._reload(executor))
        return await asyncio.wait_for(asyncio.shield(self._refresh), REFRESH_WAIT)

    async def _reload(self, executor: ThreadPoolExecutor) -> NationalIndex:
        loop = asyncio.get_running_loop()
        reader: Callable[[], NationalIndex] = lambda: load(self.root, self.index)  # noqa: E731
        self.index = await loop.run_in_executor(executor, reader)
        return self.index
