"""The municipalities one process serves, each with its own snapshot, SPARQL workers, store and publish lock.

``/v1/municipalities/{code}/…`` answers from that municipality's plan alone: the Guard resolves the code, pins the
municipality and its snapshot on the request, and passes the request on as ``/v1/…``, so every endpoint is written
once. Unscoped paths answer for the default municipality.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from jyuso_kb.errors import InputError
from jyuso_kb.plan.municipalities import MunicipalPlan, municipality_of
from jyuso_kb.plan.source import PlanSource
from jyuso_kb.serve.snapshot import Snapshot, build_snapshot
from jyuso_kb.serve.sparql_pool import SparqlLimits, SparqlPool
from jyuso_kb.store.national import Entry
from jyuso_kb.store.revisions import Store

SCOPE = "/v1/municipalities/"


@dataclass
class Tenant:
    """One served municipality. ``snapshot`` and ``sparql`` are replaced together by a swap; the rest stays.

    Served from the national store (``serve/resident.py``), ``snapshot`` is None until a request asks for the
    municipality (and again once it is dropped from memory), and ``sparql`` is None: the national store answers."""

    code: str
    snapshot: Snapshot | None
    sparql: SparqlPool | None
    store: Store | None
    publish_lock: asyncio.Lock
    name: str = ""
    source: Path | None = None  # its plan's folder or file (loaded on demand)
    source_hash: str = ""  # the content hash of its files (the national store's manifest)
    data_name: str = ""  # the <name> of its IRIs https://w3id.org/jyuso-kb/data/<name>/… ("": unknown)
    about: dict[str, object] | None = None  # its GET /v1/municipalities entry while it is not loaded


class Tenants:
    """The served municipalities in the order given; the default one answers the unscoped paths."""

    def __init__(self, tenants: Sequence[Tenant], default: str) -> None:
        self.by_code = {t.code: t for t in tenants}
        self.default = self.by_code[default]

    def get(self, code: str) -> Tenant | None:
        return self.by_code.get(code)

    def __iter__(self) -> Iterator[Tenant]:
        return iter(self.by_code.values())

    def owners(self, name: str) -> list[Tenant]:
        """Who may hold ``https://w3id.org/jyuso-kb/data/<name>/…``: the municipalities whose IRIs use that name,
        then those whose name is unknown (loaded ones first)."""
        known = [t for t in self if t.data_name == name]
        unknown = [t for t in self if not t.data_name]
        return known + sorted(unknown, key=lambda t: t.snapshot is None)


def scoped(path: str) -> tuple[str, str] | None:
    """``(code, "/v1/programs")`` for ``/v1/municipalities/<code>/programs``; None for any other path (the
    list ``/v1/municipalities`` and one municipality's entry ``/v1/municipalities/<code>`` included)."""
    if not path.startswith(SCOPE):
        return None
    code, slash, rest = path[len(SCOPE) :].partition("/")
    if not slash or not rest:
        return None
    return code, "/v1/" + rest


def default_code(codes: Sequence[str], wanted: str | None) -> str:
    """The municipality the unscoped paths answer for: ``wanted`` (JYUSO_KB_DEFAULT_MUNICIPALITY), else the first."""
    if not wanted:
        return codes[0]
    if wanted not in codes:
        raise InputError(
            "unknown_municipality",
            f"既定の市町村 {wanted} の計画が読み込まれていません。",
            "JYUSO_KB_DEFAULT_MUNICIPALITY",
            f"読み込んだ計画の全国地方公共団体コード: {'、'.join(codes)}",
        )
    return wanted


def store_of(root: Path | None, code: str, is_default: bool) -> Store | None:
    """The municipality's store: ``<root>/<code>/``. A store written before several municipalities were served (its
    revisions directly in ``<root>``) stays the default municipality's, so that nothing published is lost."""
    if root is None:
        return None
    if is_default and not (root / code).exists() and ((root / "active").exists() or (root / "versions").is_dir()):
        return Store(root)
    return Store(root / code)


def opening(plan: MunicipalPlan, store: Store | None) -> tuple[PlanSource, str | None, str]:
    """What a municipality serves at start, its stored revision id if any, and why (for the log)."""
    given = plan.plan
    if store is None:
        return given, None, f"serves {given.origin} (no store)"
    active = store.active_id()
    if active is None:
        return given, None, f"serves {given.origin} (nothing active in the store {store.root})"
    try:
        data = store.data(active)
        stored = municipality_of(data, f"revision {active}")
    except (OSError, InputError) as err:
        reason = err.code if isinstance(err, InputError) else type(err).__name__
        return given, None, f"serves {given.origin}: the active stored revision {active} cannot be read ({reason})"
    if stored.code != plan.municipality.code:
        return given, None, f"serves {given.origin}: the active stored revision {active} is of {stored.code}"
    why = f"serves the stored revision {active}, active in {store.root} (it takes precedence over {given.origin})"
    return PlanSource(given.vocabulary, data, f"revision {active}"), active, why


def open_tenants(
    plans: Sequence[MunicipalPlan], store_root: Path | None, default: str, limits: SparqlLimits
) -> Tenants:
    """Each municipality's snapshot (from its active stored revision when there is one) and SPARQL pool, not
    started yet: the caller forks the workers once the rest of the process is loaded, so that they share it."""
    log = logging.getLogger("jyuso_kb")
    tenants = []
    for plan in plans:
        code = plan.municipality.code
        store = store_of(store_root, code, code == default)
        source, active, why = opening(plan, store)
        snapshot = build_snapshot(source, active, store)
        log.info("%s %s: %s", code, plan.municipality.name, why)
        pool = SparqlPool(snapshot.merged, limits)  # started by the caller, once everything is loaded
        tenants.append(Tenant(code, snapshot, pool, store, asyncio.Lock(), plan.municipality.name))
    return Tenants(tenants, default)


def catalog_tenants(entries: Sequence[Entry], store_root: Path | None, default: str) -> Tenants:
    """The municipalities of the national store's manifest, none loaded yet (``serve/resident.py`` loads them)."""
    tenants = []
    for entry in entries:
        store = store_of(store_root, entry.code, entry.code == default)
        source = None if entry.source.startswith("revision ") else Path(entry.source)
        about: dict[str, object] = {
            "code": entry.code,
            "name": entry.name,
            "name_en": entry.name_en,
            "prefecture": entry.prefecture,
            "loaded": False,
        }
        tenants.append(
            Tenant(
                entry.code, None, None, store, asyncio.Lock(), entry.name, source, entry.hash, entry.data_name, about
            )
        )
    return Tenants(tenants, default)
