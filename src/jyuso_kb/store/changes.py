"""In which stored revision each item last changed: ``last_changed`` in the catalog, ``jy:lastChangedRevision`` and
``jy:lastChangedAt`` for the exports.

An item is any IRI the plan data describes. Its description is the triples with it as subject, following blank
nodes (so its signature does not depend on how blank nodes happen to be labelled), and the descriptions of the nodes
that name it: a department changes when its row of the 庁内連携体制 matrix (cells naming it), a membership of it or a
programme it is responsible for changes, as its catalog entry shows them. Walking back from the active revision
through the revisions published before it, an item last changed in the oldest revision of the unbroken run in which
its signature stays the same (or in which it first appeared).
Signatures are read from the canonical N-Triples the store keeps, without parsing them into a graph, once per
revision and process (a revision's id is its content hash, so what was read stays true). A revision that cannot be
read (damaged on disk) ends the walk: items are then dated from the revisions after it.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from jyuso_kb.errors import InputError
from jyuso_kb.namespaces import JY
from jyuso_kb.store.revisions import Revision, Store


@dataclass(frozen=True)
class Change:
    revision: str
    time: str  # ISO 8601, when that revision was published

    def as_dict(self) -> dict[str, Any]:
        return {"revision": self.revision, "at": self.time}


def signatures(payload: bytes) -> dict[str, str]:
    """Each described IRI (without angle brackets) → a hash of its description, from canonical N-Triples."""
    described: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for line in payload.decode("utf-8").splitlines():
        subject, _, rest = line.partition(" ")
        predicate, _, obj = rest.partition(" ")
        if obj:
            described[subject].append((predicate, obj.removesuffix(" .")))

    def text(node: str, seen: frozenset[str]) -> str:
        parts = []
        for predicate, obj in described.get(node, ()):
            if obj.startswith("_:") and obj not in seen:
                obj = "[" + text(obj, seen | {obj}) + "]"
            parts.append(f"{predicate} {obj}")
        return " ; ".join(sorted(parts))

    mentioned: dict[str, set[str]] = defaultdict(set)  # an IRI → the subjects whose triples name it
    for subject, pairs in described.items():
        for _, obj in pairs:
            if obj.startswith("<") and obj != subject:
                mentioned[obj].add(subject)

    def signature(subject: str) -> str:
        around = sorted(text(other, frozenset({other})) for other in mentioned.get(subject, ()))
        return hashlib.sha256("\n".join([text(subject, frozenset({subject})), *around]).encode()).hexdigest()[:16]

    return {subject[1:-1]: signature(subject) for subject in described if subject.startswith("<")}


@lru_cache(maxsize=256)
def _signatures_of(store: Store, ident: str) -> dict[str, str]:
    return signatures(store.payload(ident))


def published_in_order(store: Store) -> list[Revision]:
    """The stored revisions in the order they were first published: the audit log's order, which is the order of
    the store's lock (publish times have whole seconds, and several publishes may share one)."""
    first: dict[str, int] = {}
    for position, entry in enumerate(store.audit()):
        if entry.get("event") == "publish":
            first.setdefault(entry.get("revision", ""), position)
    return sorted(store.history(), key=lambda r: (first.get(r.id, len(first)), r.time, r.id))


def last_changes(store: Store, active: str) -> dict[str, Change]:
    """Each item of the active revision → the revision it last changed in (among those published up to it)."""
    chain = []
    for revision in published_in_order(store):
        chain.append(revision)
        if revision.id == active:
            break
    else:
        return {}
    signed: list[dict[str, str]] = []  # newest first, back to the first revision that cannot be read
    for revision in reversed(chain):
        try:
            signed.append(_signatures_of(store, revision.id))
        except (OSError, InputError):
            break
    if not signed:
        return {}
    out = {}
    for iri, signature in signed[0].items():
        k = 0
        while k + 1 < len(signed) and signed[k + 1].get(iri) == signature:
            k += 1
        found = chain[len(chain) - 1 - k]
        out[iri] = Change(found.id, found.time)
    return out


def provenance(changes: dict[str, Change]) -> Graph:
    """The changes as triples the exports can read (``jy:lastChangedRevision``, ``jy:lastChangedAt``)."""
    graph = Graph()
    for iri, change in changes.items():
        graph.add((URIRef(iri), JY.lastChangedRevision, Literal(change.revision)))
        graph.add((URIRef(iri), JY.lastChangedAt, Literal(change.time, datatype=XSD.dateTime)))
    return graph
