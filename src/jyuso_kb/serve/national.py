"""The national store in the service: brought up to date at start, answering SPARQL across municipalities.

With ``JYUSO_KB_NATIONAL_STORE`` set, the service keeps an Oxigraph store of every plan it serves
(``store/national.py``): ``GET|POST /v1/sparql`` then asks every municipality at once, and
``/v1/municipalities/{code}/sparql`` asks that municipality's graph (with the vocabulary), in worker processes with
the same refusals, time limit and caps as before. A publish or activation puts the new revision in the store.

Plans read from files (``--data``) are then served as a catalog (:func:`open_catalog`): the manifest lists the
municipalities, and each one's snapshot is loaded when first asked for (``serve/resident.py``), from the snapshot
cache in ``<national store>/snapshots/``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from jyuso_kb import resources
from jyuso_kb.plan.source import vocabulary_graph
from jyuso_kb.serve.bounded import Jobs
from jyuso_kb.serve.resident import Resident
from jyuso_kb.serve.settings import Settings
from jyuso_kb.serve.sparql_oxigraph import OxigraphTarget
from jyuso_kb.serve.sparql_pool import SparqlPool
from jyuso_kb.serve.tenants import Tenants, catalog_tenants, default_code
from jyuso_kb.store import national


def snapshots_dir(root: Path) -> Path:
    """The snapshot cache of a national store (``serve/snapshot_cache.py``)."""
    return Path(root) / "snapshots"


def open_catalog(config: Settings) -> tuple[Tenants, Resident, SparqlPool]:
    """Every municipality of the plan files (``--data``) from the national store, none loaded but the default one
    (from the cache, else built now); a municipality serving a stored revision has that revision in the store."""
    root = config.national_store
    assert root is not None
    manifest = national.build(list(config.data) or [resources.municipality_dir()], root)
    codes = [e.code for e in manifest.entries]
    tenants = catalog_tenants(manifest.entries, config.store, default_code(codes, config.default_municipality))
    builds = Jobs(config.build_limits())
    vocabulary = vocabulary_graph()  # read once, shared by every snapshot and by validation (read-only)
    resident = Resident(
        snapshots_dir(root), vocabulary, builds, config.resident_plans, config.plan_wait, tenants.default
    )
    resident.load_now(tenants.default)
    entries = manifest.by_code()
    for tenant in tenants:
        active = tenant.store.active_id() if tenant.store is not None else None
        if tenant.store is not None and active is not None and entries[tenant.code].hash != active:
            national.replace(root, tenant.code, tenant.store.data(active), active)
    logging.getLogger("jyuso_kb").info("national store %s: %d municipalities, loaded when asked", root, len(codes))
    return tenants, resident, SparqlPool(OxigraphTarget(root), config.sparql_limits())


def national_pool(config: Settings, tenants: Tenants) -> SparqlPool | None:
    """The national store's SPARQL workers (not started) for plans handed to the app already loaded: each one's
    graph is brought up to date with what the municipality serves."""
    root = config.national_store
    if root is None:
        return None
    manifest = national.read_manifest(root)
    for tenant in tenants:
        snap = tenant.snapshot
        assert snap is not None  # handed over loaded
        entry = manifest.by_code().get(tenant.code)
        if entry is None or entry.hash != snap.revision:
            manifest = national.replace(root, tenant.code, snap.plan.data, snap.revision)
    logging.getLogger("jyuso_kb").info("national store %s: %d municipalities", root, len(manifest.entries))
    return SparqlPool(OxigraphTarget(root), config.sparql_limits())
