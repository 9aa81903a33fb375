"""The national graph: every municipality's plan in one Oxigraph store on disk, for questions across municipalities.

Layout of a national store folder::

    <root>/oxigraph/        the Oxigraph (RocksDB) store: one named graph per municipality, one for the vocabulary
    <root>/manifest.json    per municipality: content hash of its source, name, prefecture, triples, revision
    <root>/facts/<code>.json what the national endpoints know of it (``national_facts``), for that content hash

Each municipality's plan data is in the graph ``https://w3id.org/jyuso-kb/graph/municipality/<code>``; the project's
ontology and thesaurus are in ``https://w3id.org/jyuso-kb/graph/vocabulary``. A municipality's graph holds what its
own SPARQL endpoint answers from today (its data; with the vocabulary, the plan's merged graph), not what the
rules derive: rules and validation stay per plan, in rdflib.

:func:`build` brings the store up to date with plan folders: a plan whose files hash to the manifest's hash is left
as it is, so a second build of an unchanged catalog reads no plan. :func:`replace` puts one municipality's new
revision in (a publish). Both write the municipality's facts file before the manifest, which is written through a
temporary file, fsync and ``os.replace``.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
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
VOCABULARY = GRAPHS + "vocabulary"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


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


@dataclass(frozen=True)
class Manifest:
    vocabulary: str  # sha256 of the vocabulary files the store holds
    entries: tuple[Entry, ...]

    def by_code(self) -> dict[str, Entry]:
        return {e.code: e for e in self.entries}


def oxigraph_dir(root: Path) -> Path:
    return Path(root) / "oxigraph"


def read_manifest(root: Path) -> Manifest:
    """The manifest of a national store; an empty one when there is none yet."""
    path = Path(root) / "manifest.json"
    if not path.exists():
        return Manifest("", ())
    raw = json.loads(path.read_text(encoding="utf-8"))
    return Manifest(raw["vocabulary"], tuple(Entry(**e) for e in raw["municipalities"]))


def _write_manifest(root: Path, manifest: Manifest) -> None:
    body = {"vocabulary": manifest.vocabulary, "municipalities": [asdict(e) for e in manifest.entries]}
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
                found.extend(q.triple for q in ox.parse(path=str(path), format=kind))
            except SyntaxError as err:
                raise InputError(
                    "syntax_error", "計画のファイルを読めません(構文エラー)。", str(path), str(err)
                ) from err
        return found
    return _from_rdflib(load_plan([unit]).data)


def _from_rdflib(graph: Graph) -> list[ox.Triple]:
    text = graph.serialize(format="nt", encoding="utf-8")
    return [q.triple for q in ox.parse(text, format=ox.RdfFormat.N_TRIPLES)]


def _who(triples: Sequence[ox.Triple], where: str) -> Municipality:
    """The one municipality these triples describe, read as every plan's is (``municipality_of``)."""
    typed = ox.NamedNode(str(JY.Municipality))
    nodes = {t.subject for t in triples if t.predicate.value == _RDF_TYPE and t.object == typed}
    about = Graph()
    for t in triples:
        if t.subject in nodes:
            about.add((rdflib_term(t.subject), rdflib_term(t.predicate), rdflib_term(t.object)))
    return municipality_of(about, where)


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


def open_store(root: Path) -> ox.Store:
    """The store, opened for writing (one writer at a time)."""
    Path(root).mkdir(parents=True, exist_ok=True)
    return ox.Store(str(oxigraph_dir(root)))


def build(paths: Iterable[Path | str], root: Path) -> Manifest:
    """Bring the national store in ``root`` up to date with the plans in ``paths`` (as ``--data`` reads them).

    Unchanged plans (same content hash as in the manifest) are not read; changed ones replace their graph;
    municipalities no longer given are removed. InputError for a plan without exactly one municipality, or two
    plans of one code."""
    root = Path(root)
    old = read_manifest(root)
    known = old.by_code()
    by_hash = {e.hash: e for e in old.entries}
    store = open_store(root)
    entries: list[Entry] = []
    seen: dict[str, str] = {}
    for unit in plan_units([Path(p) for p in paths]):
        files = _files(unit)
        digest = _hash(unit, files)
        cached = by_hash.get(digest)
        if cached is not None and cached.source == str(unit):
            entry = cached
        else:
            triples = _triples(unit, files)
            who = _who(triples, str(unit))
            entry = Entry(who.code, who.name, who.prefecture, str(unit), digest, len(triples))
            _put(store, who.code, triples)
        if entry.code in seen:
            raise duplicate_code(entry.code, seen[entry.code], str(unit))
        seen[entry.code] = str(unit)
        entries.append(entry)
        if national_facts.read(root, entry.code, entry.hash) is None:
            _write_facts(store, root, entry)
    for code in set(known) - set(seen):
        store.remove_graph(ox.NamedNode(municipality_graph(code)))
        national_facts.remove(root, code)
    vocabulary = _hash(Path("/"), _vocabulary_files())
    if vocabulary != old.vocabulary:
        triples = [t for p in _vocabulary_files() for t in _vocabulary_triples(p)]
        _put_graph(store, VOCABULARY, triples)
    store.flush()
    del store
    manifest = Manifest(vocabulary, tuple(entries))
    _write_manifest(root, manifest)
    return manifest


def _vocabulary_triples(path: Path) -> list[ox.Triple]:
    return [q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)]


def _write_facts(store: ox.Store, root: Path, entry: Entry) -> None:
    national_facts.write(root, entry.code, entry.hash, national_facts.compute(store, municipality_graph(entry.code)))


def _put(store: ox.Store, code: str, triples: Sequence[ox.Triple]) -> None:
    _put_graph(store, municipality_graph(code), triples)


def _put_graph(store: ox.Store, name: str, triples: Sequence[ox.Triple]) -> None:
    graph = ox.NamedNode(name)
    if store.contains_named_graph(graph):
        store.remove_graph(graph)
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)


def replace(root: Path, code: str, data: Graph, revision: str) -> Manifest:
    """Put a municipality's published revision in its graph (replacing what was there) and record it."""
    root = Path(root)
    manifest = read_manifest(root)
    triples = _from_rdflib(data)
    who = _who(triples, f"revision {revision}")
    if who.code != code:
        raise InputError(
            "municipality_mismatch",
            f"改定案の全国地方公共団体コード {who.code} が {code} と違います。",
            f"revision {revision}",
            "その市町村の改定案を公開してください。",
        )
    store = open_store(root)
    _put(store, code, triples)
    entry = Entry(code, who.name, who.prefecture, f"revision {revision}", revision, len(triples))
    _write_facts(store, root, entry)
    store.flush()
    del store
    entries = [e for e in manifest.entries if e.code != code] + [entry]
    updated = Manifest(manifest.vocabulary, tuple(entries))
    _write_manifest(root, updated)
    return updated
