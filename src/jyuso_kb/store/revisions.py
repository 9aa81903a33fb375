"""Plan revisions on disk: immutable, content-hashed versions and an active pointer that switches atomically.

Layout of a store directory::

    versions/<id>/data.nt        canonical N-Triples (sorted) of the plan data
    versions/<id>/manifest.json  id, sha256, author, time, note, triples, conforms
    active                       the id of the active revision (one line)
    audit.log                    one JSON line per publish / activation (who, when, hash) — never household data

Every file is written to a temporary name, fsynced, then renamed with os.replace, and the directory is fsynced: a
crash at any point leaves exactly the old or the new revision active. Leftover ``*.tmp`` entries are removed when a
store is opened.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
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


def _write(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


class Store:
    """A revision store in a directory. Methods never leave a partial revision visible."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.versions = root / "versions"
        self.versions.mkdir(parents=True, exist_ok=True)
        for leftover in list(self.versions.glob("*.tmp")) + list(root.glob("*.tmp")):
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)

    # ---- reading
    def active_id(self) -> str | None:
        pointer = self.root / "active"
        if not pointer.exists():
            return None
        ident = pointer.read_text(encoding="utf-8").strip()
        return ident if (self.versions / ident / "manifest.json").exists() else None

    def get(self, ident: str) -> Revision | None:
        manifest = self.versions / ident / "manifest.json"
        if "/" in ident or ident.startswith(".") or not manifest.exists():
            return None
        data = json.loads(manifest.read_text(encoding="utf-8"))
        return Revision(**{k: data[k] for k in Revision.__dataclass_fields__})

    def data(self, ident: str) -> Graph:
        """The revision's graph, after checking its content against the manifest's hash."""
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
        return Graph().parse(data=payload.decode("utf-8"), format="nt")

    def history(self) -> list[Revision]:
        out = [r for r in (self.get(p.name) for p in self.versions.iterdir() if p.is_dir()) if r is not None]
        return sorted(out, key=lambda r: (r.time, r.id))

    # ---- writing
    def publish(self, graph: Graph, author: str, note: str, conforms: bool) -> Revision:
        """Store the revision (immutable; the same content gives the same id) and make it active."""
        payload = canonical(graph)
        ident, digest = content_id(payload)
        existing = self.get(ident)
        if existing is None:
            revision = Revision(ident, digest, author, _now(), note, len(graph), conforms)
            tmp = self.versions / f"{ident}.tmp"
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir()
            _write(tmp / "data.nt", payload)
            _write(tmp / "manifest.json", json.dumps(revision.as_dict(), ensure_ascii=False, indent=2).encode())
            _fsync_dir(tmp)
            os.replace(tmp, self.versions / ident)
            _fsync_dir(self.versions)
            self._audit({"event": "publish", "revision": ident, "sha256": digest, "author": author})
        else:
            revision = existing
        self._activate(ident, author)
        return revision

    def activate(self, ident: str, author: str) -> Revision:
        revision = self.get(ident)
        if revision is None:
            raise InputError(
                "unknown_revision", "指定された版は見つかりません。", ident, "/v1/revisions で一覧を確認してください。"
            )
        self.data(ident)
        self._activate(ident, author)
        return revision

    def _activate(self, ident: str, author: str) -> None:
        tmp = self.root / "active.tmp"
        _write(tmp, (ident + "\n").encode())
        os.replace(tmp, self.root / "active")
        _fsync_dir(self.root)
        revision = self.get(ident)
        self._audit(
            {"event": "activate", "revision": ident, "sha256": revision.sha256 if revision else "", "author": author}
        )

    def _audit(self, entry: dict[str, str]) -> None:
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
