"""Switching a served municipality to another plan revision: swap, and following each store's active pointer."""

from __future__ import annotations

import asyncio
import logging
from functools import partial
from pathlib import Path

from fastapi import FastAPI

from jyuso_kb.errors import InputError
from jyuso_kb.plan.source import PlanSource
from jyuso_kb.serve.bounded import Jobs
from jyuso_kb.serve.executors import Executors, run_in
from jyuso_kb.serve.snapshot import build_snapshot
from jyuso_kb.serve.tenants import Tenant
from jyuso_kb.serve.upload_jobs import trial_load_job
from jyuso_kb.serve.uploads import UploadError
from jyuso_kb.store import national


async def follow_stores(app: FastAPI, interval: float) -> None:
    """Switch a municipality to its store's active revision when another process changed it.

    With ``--workers N`` (or several servers on one store) a publish or rollback reaches only the process that
    answered it; every process looks at each municipality's active pointer every ``interval`` seconds and loads what
    is active, so all of them answer from the same revision within about ``interval`` plus the load time. The
    revision is first loaded once in a bounded child (``trial_load_job``): a revision too costly to load is never
    swapped in. A municipality's store holds only its own plans, so no other municipality changes.
    """
    while True:
        await asyncio.sleep(interval)
        for tenant in app.state.tenants:
            if tenant.store is not None and tenant.snapshot is not None:  # one not loaded loads what is active
                await _follow(app, tenant)


async def _follow(app: FastAPI, tenant: Tenant) -> None:
    log = logging.getLogger("jyuso_kb")
    executors: Executors = app.state.executors
    jobs: Jobs = app.state.jobs
    store, current = tenant.store, tenant.snapshot
    if store is None or current is None:
        return
    active = await run_in(executors.store, store.active_id)
    if active is None or active == current.revision:
        return
    try:
        await jobs.run(partial(trial_load_job, store, active, current))
    except UploadError as err:
        log.error("%s: cannot load the active revision %s: %s", tenant.code, active, err.error.code)
        return
    async with tenant.publish_lock:  # this process' own publish or activate finishes first
        now = tenant.snapshot
        if now is not None and active != now.revision and store.active_id() == active:
            try:
                data = await run_in(executors.store, store.data, active)
            except (OSError, InputError) as err:
                log.error("%s: cannot load the active revision %s: %s", tenant.code, active, type(err).__name__)
                return
            plan = PlanSource(current.plan.vocabulary, data, f"revision {active}")
            await swap(executors, tenant, plan, active)
            log.info("%s: switched to revision %s, made active by another process", tenant.code, active)


async def swap(
    executors: Executors,
    tenant: Tenant,
    plan: PlanSource,
    revision: str | None = None,
    national_store: Path | None = None,
) -> None:
    """Build the new snapshot off the event loop (its own executor), fork the new SPARQL workers from the loop's
    thread, then switch the municipality's references. Queries in flight on the old pool finish there. With the
    national store (the process that published), the revision replaces the municipality's graph there first."""
    snapshot = await run_in(executors.swap, build_snapshot, plan, revision, tenant.store)
    if national_store is not None:
        await run_in(executors.swap, national.replace, national_store, tenant.code, plan.data, snapshot.revision)
    old_pool = tenant.sparql
    if old_pool is None:  # the national store answers its SPARQL
        tenant.snapshot = snapshot
        return
    pool = old_pool.successor(snapshot.merged)
    pool.start()
    tenant.snapshot = snapshot
    tenant.sparql = pool
    old_pool.close()
