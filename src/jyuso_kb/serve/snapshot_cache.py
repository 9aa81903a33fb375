"""Snapshots on disk: what the rules and indexes make of a plan, built once per plan revision and kept by content hash.

Reasoning a plan to fixpoint and compiling its indexes takes 1.5–3.5 s; loading the result back takes 0.05–0.5 s.
A snapshot is written as a pickle under ``<cache>/<key>.pickle``, where the key hashes

- what the plan is: the content hash of its source files, or the id of a stored revision (itself a content hash),
- and what made the snapshot: this package's code, ontology, thesaurus, rules and their parameters (the engine's
  fingerprint), so that a new release or an edited rule never serves a snapshot the old one made.

The project's vocabulary (ontology + thesaurus) is the same graph for every plan: it is not written into each file but
put back, shared, when a snapshot is read. Files are written through a temporary file, fsync and ``os.replace``, so a
reader sees a whole snapshot or none; an unreadable file is a miss (the snapshot is built again). The cache folder is
the service's own: only the service writes there (a pickle runs what it says when read).
"""

from __future__ import annotations

import copyreg
import hashlib
import io
import os
import pickle
from dataclasses import replace
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from rdflib import Graph

from jyuso_kb import __version__, resources
from jyuso_kb.serve.snapshot import Snapshot

_VOCABULARY = "vocabulary"
# Raised by a file another code version wrote, or a truncated one: either is a miss.
UNREADABLE = (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError, IndexError)


def _proxy(items: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(items)


def _reduce_proxy(proxy: MappingProxyType[Any, Any]) -> tuple[Any, ...]:
    return _proxy, (dict(proxy),)


class _Writer(pickle.Pickler):
    """Pickles a snapshot; the shared vocabulary graph is written as a reference, read-only mappings as dicts."""

    dispatch_table = {**copyreg.dispatch_table, MappingProxyType: _reduce_proxy}

    def __init__(self, out: io.BufferedIOBase, vocabulary: Graph) -> None:
        super().__init__(out, protocol=5)
        self._vocabulary = vocabulary

    def persistent_id(self, obj: Any) -> str | None:
        return _VOCABULARY if obj is self._vocabulary else None


class _Reader(pickle.Unpickler):
    def __init__(self, source: io.BufferedIOBase, vocabulary: Graph) -> None:
        super().__init__(source)
        self._vocabulary = vocabulary

    def persistent_load(self, pid: Any) -> Any:
        if pid != _VOCABULARY:
            raise pickle.UnpicklingError("unknown reference")
        return self._vocabulary


@cache
def fingerprint() -> str:
    """The engine that builds snapshots: this package's code and the knowledge its rules and indexes read."""
    digest = hashlib.sha256(__version__.encode() + b"\0")
    package = Path(__file__).resolve().parents[1]
    knowledge = resources.root()
    files = sorted(package.rglob("*.py"))
    for folder in ("ontology", "rules", "data/thesaurus"):
        files += sorted(p for p in (knowledge / folder).rglob("*") if p.is_file())
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def key_of(content: str) -> str:
    """The cache key of a plan whose content hash (source files' or stored revision's) is ``content``."""
    return hashlib.sha256(f"{fingerprint()}\0{content}".encode()).hexdigest()


def path_of(cache_dir: Path, content: str) -> Path:
    return Path(cache_dir) / f"{key_of(content)}.pickle"


def save(path: Path, snapshot: Snapshot) -> None:
    """Write the snapshot (without the exports and diffs built since: they are rebuilt when asked)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    bare = replace(snapshot, exports={}, changes_since={})  # not its cached properties either: built when asked
    buffer = io.BytesIO()
    _Writer(buffer, snapshot.plan.vocabulary).dump(bare)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as out:
        out.write(buffer.getvalue())
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def load(path: Path, vocabulary: Graph) -> Snapshot | None:
    """The snapshot in ``path``, sharing ``vocabulary``; None when there is none or it cannot be read."""
    try:
        with path.open("rb") as source:
            found = _Reader(source, vocabulary).load()  # type: ignore[arg-type]
    except (OSError, *UNREADABLE):  # none yet, or written by another code version, or cut short
        return None
    return found if isinstance(found, Snapshot) else None
