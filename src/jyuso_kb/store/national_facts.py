"""What the national endpoints know of each municipality, compiled once per plan revision and kept beside the store.

Questions across 1,741 municipalities (every programme of a legal item, by prefecture, with its operators) are
joins across the whole union graph, which Oxigraph on disk answers in 0.4–2 s each (one filter on operators took
over 30 s). Each municipality's own graph answers ``queries/national/facts.rq`` in a few milliseconds, and that
answer changes only when the municipality's plan does. So the store's writers (``national.build`` and
``national.replace``) run the query on the graph they have just put and write its answer to
``<root>/facts/<code>.json`` (with the hash of the plan it came from and of the query); the service reads these files
at start and after each change of the manifest, and answers from memory.

A facts file holds the query's one value as it is: facts joined by spaces, each ``kind|subject|object|order|lang|
text`` (the text percent-encoded where it holds ``%``, a space or ``|``; an IRI holds none of them).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote

import pyoxigraph as ox
from rdflib import URIRef

from jyuso_kb import resources
from jyuso_kb.plan.terms import UNORDERED, local_id


@lru_cache(maxsize=1)
def query_text() -> str:
    return resources.national_query("facts").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def query_digest() -> str:
    return hashlib.sha256(query_text().encode()).hexdigest()[:16]


def facts_dir(root: Path) -> Path:
    return Path(root) / "facts"


def compute(store: ox.Store, graph: str) -> str:
    """The facts of one municipality's graph (the store's named graph ``graph``)."""
    result = store.query(query_text(), default_graph=[ox.NamedNode(graph)], named_graphs=[])
    assert isinstance(result, ox.QuerySolutions)
    for solution in result:
        value = solution["facts"]
        return value.value if value is not None else ""
    return ""


def write(root: Path, code: str, source_hash: str, facts: str) -> None:
    """Write a municipality's facts file (temporary file, fsync, ``os.replace``): the manifest, written after it,
    names the hash it belongs to."""
    folder = facts_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f"{code}.json.tmp"
    with tmp.open("w", encoding="utf-8") as out:
        json.dump({"hash": source_hash, "query": query_digest(), "facts": facts}, out, ensure_ascii=False)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, folder / f"{code}.json")


def read(root: Path, code: str, source_hash: str) -> str | None:
    """A municipality's facts, or None when its file is missing or was compiled from another plan or query."""
    path = facts_dir(root) / f"{code}.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(raw, dict) or raw.get("hash") != source_hash or raw.get("query") != query_digest():
        return None
    facts = raw.get("facts")
    return facts if isinstance(facts, str) else None


def remove(root: Path, code: str) -> None:
    (facts_dir(root) / f"{code}.json").unlink(missing_ok=True)


def local_name(iri: str) -> str:
    """The id tools use for an IRI (its last segment), as the per-municipality answers give it."""
    return local_id(URIRef(iri))


@dataclass(frozen=True, slots=True)
class Named:
    """An operator or a department: its IRI, its ``jy:order`` and its labels as (language, text)."""

    iri: str
    order: int
    labels: tuple[tuple[str, str], ...]
    aliases: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return local_name(self.iri)

    def label(self, lang: str = "ja") -> str:
        return label_of(self.labels, lang)


def label_of(labels: tuple[tuple[str, str], ...], lang: str = "ja") -> str:
    """The label in ``lang``, else the first of any language (sorted, so always the same), else ""."""
    return next((text for tag, text in labels if tag == lang), labels[0][1] if labels else "")


@dataclass(frozen=True, slots=True)
class Program:
    iri: str
    labels: tuple[tuple[str, str], ...]
    provisions: tuple[str, ...]
    modes: tuple[str, ...]
    unstated: tuple[str, ...]  # the properties the plan leaves unstated (jy:unstated)
    operators: tuple[Named, ...]  # in plan order
    departments: tuple[Named, ...]  # in plan order
    years: tuple[tuple[int, str], ...]  # (fiscal year, status IRI) of its schedule rows, its component's included

    @property
    def id(self) -> str:
        return local_name(self.iri)


@dataclass(frozen=True)
class Facts:
    """One municipality: its programmes (by IRI) and, per collaboration function, the departments with ○."""

    programs: tuple[Program, ...]
    cells: dict[str, tuple[Named, ...]] = field(default_factory=dict)


@dataclass
class _Draft:
    labels: set[tuple[str, str]] = field(default_factory=set)
    aliases: set[str] = field(default_factory=set)
    order: int = UNORDERED


def _order(text: str) -> int:
    return int(text) if text.lstrip("-").isdigit() else UNORDERED


def _named(drafts: dict[str, _Draft], iris: set[str]) -> tuple[Named, ...]:
    made = [
        Named(iri, drafts[iri].order, tuple(sorted(drafts[iri].labels)), tuple(sorted(drafts[iri].aliases)))
        for iri in iris
    ]
    return tuple(sorted(made, key=lambda n: (n.order, n.iri)))


def parse(packed: str) -> Facts:
    """The facts of one municipality from the query's packed answer."""
    programs: dict[str, dict[str, set[str]]] = {}
    years: dict[str, set[tuple[int, str]]] = {}
    labels: dict[str, set[tuple[str, str]]] = {}
    drafts: dict[str, _Draft] = {}
    cells: dict[str, set[str]] = {}
    for fact in packed.split(" ") if packed else ():
        parts = fact.split("|")
        if len(parts) != 6:
            continue
        kind, subject, obj, order, lang, raw = parts
        text = unquote(raw) if "%" in raw else raw
        if kind == "cell":
            cells.setdefault(obj, set()).add(subject)
            draft = drafts.setdefault(subject, _Draft())
            draft.order = _order(order)
            if raw:
                draft.labels.add((lang, text))
            continue
        slots = programs.setdefault(subject, {})
        if kind == "label":
            labels.setdefault(subject, set()).add((lang, text))
        elif kind == "year":
            if order.isdigit():
                years.setdefault(subject, set()).add((int(order), obj))
        elif kind in ("operator", "alias", "department"):
            slots.setdefault("department" if kind == "department" else "operator", set()).add(obj)
            draft = drafts.setdefault(obj, _Draft())
            if kind == "alias":
                draft.aliases.add(text)
            else:
                draft.order = _order(order)
                if raw:
                    draft.labels.add((lang, text))
        else:
            slots.setdefault(kind, set()).add(obj)
    made = [
        Program(
            iri=iri,
            labels=tuple(sorted(labels.get(iri, ()))),
            provisions=tuple(sorted(slots.get("legal", ()))),
            modes=tuple(sorted(slots.get("mode", ()))),
            unstated=tuple(sorted(slots.get("unstated", ()))),
            operators=_named(drafts, slots.get("operator", set())),
            departments=_named(drafts, slots.get("department", set())),
            years=tuple(sorted(years.get(iri, ()))),
        )
        for iri, slots in programs.items()
    ]
    return Facts(
        tuple(sorted(made, key=lambda p: p.iri)), {f: _named(drafts, depts) for f, depts in sorted(cells.items())}
    )
