"""Plan revisions on disk: immutable, content-hashed versions and an active pointer that switches atomically.

Layout of a store directory::

    versions/<id>/data.nt        canonical N-Triples (sorted) of the plan data
    versions/<id>/manifest.json  id, sha256, author, time, note, triples, conforms
    active                       the id of the active revision (one line)
    audit.log                    one JSON line per publish / activation (who, when, hash) — never household data
    lock                         empty; the writers' exclusive lock (fcntl.flock)

Every file is written to a temporary name, fsynced, then renamed with os.replace, and the directory is fsynced: a
crash at any point leaves exactly the old or the new revision active.

Several processes may use one store (``--workers N``, several servers). Temporary names are unique per process and
call (``active.<pid>.<hex>.tmp``, ``versions/<id>.<pid>.<hex>.tmp``), and every write — publishing a version,
switching the pointer, appending to the audit log — happens while holding an exclusive ``flock`` on ``lock`` (the
kernel releases it when its holder dies). Inside the lock a publish checks again whether the version exists, so two
processes publishing the same content both succeed and it is written once. A temporary file therefore exists only
while its writer holds the lock: leftovers of a crashed writer are removed only by whoever holds the lock — by every
writer before it writes, and when a store is opened if the lock is free at that moment (never waiting for it).
Readers take no lock: the pointer and each version appear by one rename, so ``active_id`` returns the old or the new
id, and ``history`` skips ``*.tmp`` names and entries that vanish while it lists them.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rdflib import BNode, Graph
from rdflib.compare import to_canonical_graph

from jyuso_kb.errors import InputError


@dataclass(frozen=True)
class Revision:
    id: str
    sha256: str
    author: str
    time: str
    note: str
    triples: int
    conforms: bool

    def public_dict(self) -> dict[str, Any]:
        """Without who published it and the note: staff names are personal data."""
        return {k: v for k, v in self.as_dict().items() if k not in ("author", "note")}

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "sha256": self.sha256,
            "author": self.author,
            "time": self.time,
            "note": self.note,
            "triples": self.triples,
            "conforms": self.conforms,
        }


def canonical(graph: Graph) -> bytes:
    """Sorted N-Triples: the same data gives the same bytes. Blank nodes, whose labels differ at every parse, are
    first relabelled canonically (RGDA1, rdflib.compare); plans written with IRIs only skip that step."""
    if any(isinstance(term, BNode) for triple in graph for term in triple):
        graph = to_canonical_graph(graph)
    lines = sorted(line for line in graph.serialize(format="nt", encoding="utf-8").splitlines() if line.strip())
    return b"\n".join(lines) + b"\n"


def content_id(payload: bytes) -> tuple[str, str]:
    digest = hashlib.sha256(payload).hexdigest()
    return digest[:16], digest


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _tmp_name(base: str) -> str:
    """A temporary name no other process or call uses: ``<base>.<pid>.<random hex>.tmp``."""
    return f"{base}.{os.getpid()}.{secrets.token_hex(6)}.tmp"


def _write(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


class Store:
    """A revision store in a directory. Methods never leave a partial revision visible; writers in any number of
    processes (and threads) are serialized by the store's lock, readers never wait for it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.versions = root / "versions"
        self.versions.mkdir(parents=True, exist_ok=True)
        with self._lock(wait=False) as held:
            if held:  # else a writer is busy: its temporary files are live, and it removes leftovers itself
                self._remove_leftovers()

    # ---- locking
    @contextmanager
    def _lock(self, *, wait: bool = True) -> Iterator[bool]:
        """Hold the store's exclusive lock (``flock`` on ``lock``) for the block; yields whether it is held, which is
        always true when ``wait``. The lock is released when the file is closed, or by the kernel if the process
        dies."""
        fd = os.open(self.root / "lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
            else:
                yield True
        finally:
            os.close(fd)

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """The lock, for a write: a temporary file still there now was left by a writer that died."""
        with self._lock():
            self._remove_leftovers()
            yield

    def _remove_leftovers(self) -> None:
        """Only while holding the lock: then no live writer has a temporary file."""
        for leftover in list(self.versions.glob("*.tmp")) + list(self.root.glob("*.tmp")):
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)

    # ---- reading (no lock)
    def _folder(self, ident: str) -> Path | None:
        """The version's directory, or None for a name that cannot be one (a path, a hidden or temporary name)."""
        if not ident or ident.startswith(".") or ident.endswith(".tmp") or any(c in ident for c in "/\\\0"):
            return None
        return self.versions / ident

    def active_id(self) -> str | None:
        """The active revision's id, or None before the first publish. The pointer is replaced by one rename, so a
        concurrent activation gives the old or the new id."""
        try:
            ident = (self.root / "active").read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        folder = self._folder(ident)
        return ident if folder is not None and (folder / "manifest.json").exists() else None

    def get(self, ident: str) -> Revision | None:
        folder = self._folder(ident)
        if folder is None:
            return None
        try:
            text = (folder / "manifest.json").read_text(encoding="utf-8")
        except (FileNotFoundError, NotADirectoryError):
            return None
        data = json.loads(text)
        return Revision(**{k: data[k] for k in Revision.__dataclass_fields__})

    def data(self, ident: str) -> Graph:
        """The revision's graph, after checking its content against the manifest's hash."""
        return Graph().parse(data=self.payload(ident).decode("utf-8"), format="nt")

    def payload(self, ident: str) -> bytes:
        """The revision's canonical N-Triples, after checking them against the manifest's hash."""
        revision = self.get(ident)
        if revision is None:
            raise InputError(
                "unknown_revision", "指定された版は見つかりません。", ident, "/v1/revisions で一覧を確認してください。"
            )
        payload = (self.versions / ident / "data.nt").read_bytes()
        if hashlib.sha256(payload).hexdigest() != revision.sha256:
            raise InputError(
                "corrupt_revision",
                "版のデータが壊れています(ハッシュが一致しません)。",
                ident,
                "別の版を有効にしてください。",
            )
        return payload

    def history(self) -> list[Revision]:
        """Every stored revision, oldest first. Temporary names are skipped (``get`` refuses them), and so is an entry
        that is not (or no longer) a version directory."""
        out = [r for r in (self.get(name) for name in os.listdir(self.versions)) if r is not None]
        return sorted(out, key=lambda r: (r.time, r.id))

    # ---- writing (under the lock)
    def publish(self, graph: Graph, author: str, note: str, conforms: bool) -> Revision:
        """Store the revision (immutable; the same content gives the same id) and make it active."""
        return self.publish_canonical(canonical(graph), author, note, conforms)

    def publish_canonical(self, payload: bytes, author: str, note: str, conforms: bool) -> Revision:
        """``publish`` for a graph already in canonical N-Triples (``canonical``), e.g. made by a bounded child:
        relabelling blank nodes can be costly, and is not done again here."""
        ident, digest = content_id(payload)
        with self._writing():
            existing = self.get(ident)  # checked under the lock: another process may just have published it
            if existing is None:
                triples = sum(1 for line in payload.splitlines() if line)
                revision = Revision(ident, digest, author, _now(), note, triples, conforms)
                tmp = self.versions / _tmp_name(ident)
                tmp.mkdir()
                _write(tmp / "data.nt", payload)
                _write(tmp / "manifest.json", json.dumps(revision.as_dict(), ensure_ascii=False, indent=2).encode())
                _fsync_dir(tmp)
                os.replace(tmp, self.versions / ident)
                _fsync_dir(self.versions)
                self._audit({"event": "publish", "revision": ident, "sha256": digest, "author": author})
            else:
                revision = existing
            self._activate(revision, author)
        return revision

    def activate(self, ident: str, author: str) -> Revision:
        revision = self.get(ident)
        if revision is None:
            raise InputError(
                "unknown_revision", "指定された版は見つかりません。", ident, "/v1/revisions で一覧を確認してください。"
            )
        self.data(ident)  # versions are immutable: checked before taking the lock
        with self._writing():
            self._activate(revision, author)
        return revision

    def _activate(self, revision: Revision, author: str) -> None:
        """Only while holding the lock."""
        tmp = self.root / _tmp_name("active")
        _write(tmp, (revision.id + "\n").encode())
        os.replace(tmp, self.root / "active")
        _fsync_dir(self.root)
        self._audit({"event": "activate", "revision": revision.id, "sha256": revision.sha256, "author": author})

    def _audit(self, entry: dict[str, str]) -> None:
        """Only while holding the lock: lines of several processes never interleave."""
        line = json.dumps({"time": _now(), **entry}, ensure_ascii=False) + "\n"
        with open(self.root / "audit.log", "ab") as handle:
            handle.write(line.encode())
            handle.flush()
            os.fsync(handle.fileno())

    def audit(self) -> list[dict[str, str]]:
        path = self.root / "audit.log"
        if not path.exists():
            return []
        out = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return out


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
