"""The national store in the service: brought up to date at start, answering SPARQL across municipalities.

With ``JYUSO_KB_NATIONAL_STORE`` set, the service keeps an Oxigraph store of every plan it serves
(``store/national.py``): ``GET|POST /v1/sparql`` then asks every municipality at once, and
``/v1/municipalities/{code}/sparql`` asks that municipality's graph (with the vocabulary), in worker processes with
the same refusals, time limit and caps as before. A publish or activation puts the new revision in the store.
"""

from __future__ import annotations

import logging

from jyuso_kb import resources
from jyuso_kb.serve.settings import Settings
from jyuso_kb.serve.sparql_oxigraph import OxigraphTarget
from jyuso_kb.serve.sparql_pool import SparqlPool
from jyuso_kb.serve.tenants import Tenants
from jyuso_kb.store import national


def national_pool(config: Settings, tenants: Tenants, from_files: bool) -> SparqlPool | None:
    """The national store's SPARQL workers (not started), after bringing the store up to date: with the plan files
    (``--data``, else the embedded plan) when the plans were read from them, and with what each municipality serves
    (its active stored revision, or a plan handed to the app already loaded)."""
    root = config.national_store
    if root is None:
        return None
    sources = list(config.data) or [resources.municipality_dir()]
    manifest = national.build(sources, root) if from_files else national.read_manifest(root)
    for tenant in tenants:
        snap = tenant.snapshot
        entry = manifest.by_code().get(tenant.code)
        stale = entry is None or entry.hash != snap.revision
        if stale and (not from_files or snap.plan.origin.startswith("revision ")):
            manifest = national.replace(root, tenant.code, snap.plan.data, snap.revision)
    logging.getLogger("jyuso_kb").info("national store %s: %d municipalities", root, len(manifest.entries))
    return SparqlPool(OxigraphTarget(root), config.sparql_limits())
