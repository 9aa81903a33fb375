"""The national graph: every municipality's plan in one Oxigraph store on disk, for questions across municipalities.

Layout of a national store folder::

    <root>/stores/<n>/      the Oxigraph (RocksDB) store, one folder per generation: one named graph per
                            municipality, one for the vocabulary
    <root>/manifest.json    which generation is current; per municipality: content hash of its source, names,
                            prefecture, triples, revision
    <root>/lock             held by the one writer (several servers may share the folder)
    <root>/facts/<code>.json what the national endpoints know of it (``national_facts``), for that content hash

Each municipality's plan data is in the graph ``https://w3id.org/jyuso-kb/graph/municipality/<code>``; the project's
ontology and thesaurus are in ``https://w3id.org/jyuso-kb/graph/vocabulary``. A municipality's graph holds what its
own SPARQL endpoint answers from today (its data; with the vocabulary, the plan's merged graph), not what the
rules derive: rules and validation stay per plan, in rdflib.

:func:`build` brings the store up to date with plan folders: a plan whose files hash to the manifest's hash is left
as it is, so a second build of an unchanged catalog reads no plan and writes nothing. :func:`replace` puts one
municipality's new revision in (a publish). A change is written to a new generation (a checkpoint of the current
one, hard-linked), never to the folder readers have open; the manifest, written through a temporary file, fsync and
``os.replace``, then names it, and readers reopen. The last three generations are kept.
Both write each municipality's facts file (for the national endpoints) before the manifest.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from jyuso_kb import resources
from jyuso_kb.errors import InputError
from jyuso_kb.namespaces import JY
from jyuso_kb.plan.load import load_plan
from jyuso_kb.plan.municipalities import PLAN_SUFFIXES, Municipality, duplicate_code, municipality_of, plan_units
from jyuso_kb.plan.workbook.sheets import is_workbook
from jyuso_kb.store import national_facts

GRAPHS = "https://w3id.org/jyuso-kb/graph/"
DATA = "https://w3id.org/jyuso-kb/data/"
VOCABULARY = GRAPHS + "vocabulary"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
BATCH = 250_000  # quads per bulk load while building
GENERATIONS = "stores"  # <root>/stores/<n>/: each change to the store is a new generation (see _Generation)
KEEP = 3  # generations kept: the current one and the two before it


def municipality_graph(code: str) -> str:
    """The named graph of one municipality's plan data."""
    return f"{GRAPHS}municipality/{code}"


@dataclass(frozen=True)
class Entry:
    """One municipality in the national store."""

    code: str
    name: str
    prefecture: str
    source: str  # the folder or file its data came from, or "revision <id>"
    hash: str  # sha256 of its source files (or of the revision's canonical N-Triples)
    triples: int
    name_en: str = ""
    data_name: str = ""  # the <name> of its IRIs, https://w3id.org/jyuso-kb/data/<name>/… ("" for other IRIs)
    stamp: str = ""  # sha256 of its files' names, sizes and modification times: the same stamp, the same hash


@dataclass(frozen=True)
class Manifest:
    vocabulary: str  # sha256 of the vocabulary files the store holds
    entries: tuple[Entry, ...]
    store: str = "oxigraph"  # the folder (under the root) of the store's current generation

    def by_code(self) -> dict[str, Entry]:
        return {e.code: e for e in self.entries}


def oxigraph_dir(root: Path) -> Path:
    """The Oxigraph store readers open now: the generation the manifest names."""
    return Path(root) / read_manifest(root).store


def read_manifest(root: Path) -> Manifest:
    """The manifest of a national store; an empty one when there is none yet (or its store folder is gone)."""
    path = Path(root) / "manifest.json"
    if not path.exists():
        return Manifest("", ())
    raw = json.loads(path.read_text(encoding="utf-8"))
    store = raw.get("store", "oxigraph")
    if not (Path(root) / store).is_dir():
        return Manifest("", ())
    return Manifest(raw["vocabulary"], tuple(Entry(**e) for e in raw["municipalities"]), store)


def _write_manifest(root: Path, manifest: Manifest) -> None:
    body = {
        "vocabulary": manifest.vocabulary,
        "store": manifest.store,
        "municipalities": [asdict(e) for e in manifest.entries],
    }
    tmp = Path(root) / "manifest.json.tmp"
    with tmp.open("w", encoding="utf-8") as out:
        json.dump(body, out, ensure_ascii=False, indent=1)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, Path(root) / "manifest.json")
    fd = os.open(root, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _files(unit: Path) -> list[Path]:
    if unit.is_file():
        return [unit]
    return sorted(p for p in unit.rglob("*") if p.is_file() and p.suffix.lower() in PLAN_SUFFIXES | {".csv"})


def _stamp(unit: Path, files: Sequence[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        info = path.stat()
        digest.update(
            f"{path.relative_to(unit) if unit.is_dir() else path.name}\0{info.st_size}\0{info.st_mtime_ns}\0".encode()
        )
    return digest.hexdigest()


def _hash(unit: Path, files: Sequence[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(unit) if unit.is_dir() else path.name).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _triples(unit: Path, files: Sequence[Path]) -> list[ox.Triple]:
    """A plan's triples. Turtle is read by Oxigraph (fast); JSON-LD and workbooks by the project's own readers."""
    if not is_workbook(unit) and all(p.suffix.lower() in (".ttl", ".nt") for p in files):
        found: list[ox.Triple] = []
        for path in files:
            kind = ox.RdfFormat.N_TRIPLES if path.suffix.lower() == ".nt" else ox.RdfFormat.TURTLE
            try:
                found.extend(q.triple for q in ox.parse(path=str(path), format=kind, rename_blank_nodes=True))
            except SyntaxError as err:
                raise InputError(
                    "syntax_error", "計画のファイルを読めません(構文エラー)。", str(path), str(err)
                ) from err
        return found
    return _from_rdflib(load_plan([unit]).data)


def _from_rdflib(graph: Graph) -> list[ox.Triple]:
    text = graph.serialize(format="nt", encoding="utf-8")
    return [q.triple for q in ox.parse(text, format=ox.RdfFormat.N_TRIPLES)]


def _who(triples: Sequence[ox.Triple], where: str) -> tuple[Municipality, str]:
    """The one municipality these triples describe, read as every plan's is (``municipality_of``), and the <name>
    of its IRI ``https://w3id.org/jyuso-kb/data/<name>/…``."""
    typed = ox.NamedNode(str(JY.Municipality))
    nodes = {t.subject for t in triples if t.predicate.value == _RDF_TYPE and t.object == typed}
    about = Graph()
    for t in triples:
        if t.subject in nodes:
            about.add((rdflib_term(t.subject), rdflib_term(t.predicate), rdflib_term(t.object)))
    who = municipality_of(about, where)
    node = next(iter(nodes))
    rest = node.value[len(DATA) :] if isinstance(node, ox.NamedNode) and node.value.startswith(DATA) else ""
    return who, rest.partition("/")[0] if "/" in rest else ""


def rdflib_term(node: object) -> Node:
    """An Oxigraph term as rdflib's (a plain string has no datatype, as rdflib reads one)."""
    if isinstance(node, ox.NamedNode):
        return URIRef(node.value)
    if isinstance(node, ox.BlankNode):
        return BNode(node.value)
    if isinstance(node, ox.Literal):
        if node.language:
            return Literal(node.value, lang=node.language)
        datatype = node.datatype.value
        return Literal(node.value, datatype=None if datatype in (_XSD_STRING, _LANG_STRING) else URIRef(datatype))
    return Literal(str(node))


def _vocabulary_files() -> list[Path]:
    return [*resources.ontology_files(), *resources.thesaurus_files()]


class _Generation:
    """The next generation of the store, made when the first change comes: a copy of the current one (a RocksDB
    checkpoint: hard links to its immutable files) opened for writing. Readers keep the current one, untouched (a
    read-only open while another process writes the same folder is undefined behaviour in Oxigraph), until the
    manifest names the new one."""

    def __init__(self, root: Path, current: str) -> None:
        self.root, self.current = root, current
        self.name: str | None = None
        self._store: ox.Store | None = None

    def store(self) -> ox.Store:
        if self._store is None:
            self.name = f"{GENERATIONS}/{time.time_ns()}"
            target = self.root / self.name
            target.parent.mkdir(parents=True, exist_ok=True)
            if (self.root / self.current).is_dir():
                ox.Store.read_only(str(self.root / self.current)).backup(str(target))
            self._store = ox.Store(str(target))
        return self._store

    def reader(self) -> ox.Store:
        """The store to read from: the new generation when there is one, else the current one (read-only)."""
        if self._store is not None:
            return self._store
        return ox.Store.read_only(str(self.root / self.current))

    def close(self) -> str:
        """The generation readers should open now (the new one when something changed)."""
        if self._store is None:
            return self.current
        self._store.flush()
        self._store = None  # closed: readers may open it
        assert self.name is not None
        return self.name


def _prune(root: Path, current: str) -> None:
    """Remove generations older than the last ``KEEP`` (a reader still in an older one reopens at its next query)."""
    older = sorted(p for p in (root / GENERATIONS).glob("*") if p.is_dir() and f"{GENERATIONS}/{p.name}" != current)
    legacy = root / "oxigraph"
    stale = ([legacy] if legacy.is_dir() and current != "oxigraph" else []) + older
    for folder in stale[: max(0, len(stale) - (KEEP - 1))]:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def writing(root: Path) -> Iterator[None]:
    """The national store's write lock (``flock`` on ``<root>/lock``): several servers on one store (``--workers N``,
    replicas) bring it up to date one after the other; the kernel releases it if the process dies."""
    Path(root).mkdir(parents=True, exist_ok=True)
    fd = os.open(Path(root) / "lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def build(paths: Iterable[Path | str], root: Path) -> Manifest:
    """Bring the national store in ``root`` up to date with the plans in ``paths`` (as ``--data`` reads them),
    holding its write lock.

    Unchanged plans (same content hash as in the manifest) are not read; changed ones replace their graph;
    municipalities no longer given are removed. InputError for a plan without exactly one municipality, or two
    plans of one code."""
    with writing(root):
        return _build(paths, root)


def _build(paths: Iterable[Path | str], root: Path) -> Manifest:
    root = Path(root)
    old = read_manifest(root)
    known = old.by_code()
    by_hash = {e.hash: e for e in old.entries}
    generation = _Generation(root, old.store)
    entries: list[Entry] = []
    seen: dict[str, str] = {}
    pending: list[ox.Quad] = []  # loaded in batches: one bulk load per plan costs ≈0.1 s of its own
    by_source = {e.source: e for e in old.entries}
    for unit in plan_units([Path(p) for p in paths]):
        files = _files(unit)
        stamp = _stamp(unit, files)
        same = by_source.get(str(unit))
        cached = same if same is not None and same.stamp == stamp else None  # unchanged files: not even read
        digest = cached.hash if cached is not None else _hash(unit, files)
        cached = cached or by_hash.get(digest)
        if cached is not None:  # the same content (in another folder, or touched): not parsed again
            entry = dataclasses.replace(cached, source=str(unit), stamp=stamp)
        else:
            triples = _triples(unit, files)
            who, name = _who(triples, str(unit))
            entry = Entry(who.code, who.name, who.prefecture, str(unit), digest, len(triples), who.name_en, name, stamp)
            graph = ox.NamedNode(municipality_graph(who.code))
            if who.code in known:
                generation.store().remove_graph(graph)
            pending.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)
            if len(pending) >= BATCH:
                generation.store().bulk_extend(pending)
                pending = []
        if entry.code in seen:
            raise duplicate_code(entry.code, seen[entry.code], str(unit))
        seen[entry.code] = str(unit)
        entries.append(entry)
    if pending:
        generation.store().bulk_extend(pending)
    for code in set(known) - set(seen):
        generation.store().remove_graph(ox.NamedNode(municipality_graph(code)))
        national_facts.remove(root, code)
    missing = [e for e in entries if national_facts.read(root, e.code, e.hash) is None]
    if missing:
        reader = generation.reader()
        for entry in missing:
            _write_facts(reader, root, entry)
    vocabulary = _hash(Path("/"), _vocabulary_files())
    if vocabulary != old.vocabulary:
        triples = [t for p in _vocabulary_files() for t in _vocabulary_triples(p)]
        _put_graph(generation.store(), VOCABULARY, triples)
    manifest = Manifest(vocabulary, tuple(entries), generation.close())
    if manifest != old:
        _write_manifest(root, manifest)
        _prune(root, manifest.store)
    return manifest


def _vocabulary_triples(path: Path) -> list[ox.Triple]:
    return [q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)]


def _write_facts(store: ox.Store, root: Path, entry: Entry) -> None:
    national_facts.write(root, entry.code, entry.hash, national_facts.compute(store, municipality_graph(entry.code)))


def _put_graph(store: ox.Store, name: str, triples: Sequence[ox.Triple]) -> None:
    graph = ox.NamedNode(name)
    if store.contains_named_graph(graph):
        store.remove_graph(graph)
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)


def replace(root: Path, code: str, data: Graph, revision: str) -> Manifest:
    """Put a municipality's published revision in its graph (replacing what was there) and record it."""
    with writing(root):
        return _replace(Path(root), code, data, revision)


def _replace(root: Path, code: str, data: Graph, revision: str) -> Manifest:
    manifest = read_manifest(root)
    triples = _from_rdflib(data)
    who, name = _who(triples, f"revision {revision}")
    if who.code != code:
        raise InputError(
            "municipality_mismatch",
            f"改定案の全国地方公共団体コード {who.code} が {code} と違います。",
            f"revision {revision}",
            "その市町村の改定案を公開してください。",
        )
    generation = _Generation(root, manifest.store)
    _put_graph(generation.store(), municipality_graph(code), triples)
    entry = Entry(code, who.name, who.prefecture, f"revision {revision}", revision, len(triples), who.name_en, name)
    _write_facts(generation.store(), root, entry)
    entries = [e for e in manifest.entries if e.code != code] + [entry]
    updated = Manifest(manifest.vocabulary, tuple(entries), generation.close())
    _write_manifest(root, updated)
    _prune(root, updated.store)
    return updated
