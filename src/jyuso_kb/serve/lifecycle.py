"""Switching the running service to another plan revision: swap, and following the store's active pointer."""

from __future__ import annotations

import asyncio
import logging

from fastapi import FastAPI

from jyuso_kb.errors import InputError
from jyuso_kb.plan.source import PlanSource
from jyuso_kb.serve.snapshot import build_snapshot
from jyuso_kb.serve.sparql_pool import SparqlPool
from jyuso_kb.store.revisions import Store


async def follow_store(app: FastAPI, store: Store, interval: float) -> None:
    """Switch to the store's active revision when another process changed it.

    With ``--workers N`` (or several servers on one store) a publish or rollback reaches only the process that
    answered it; every process looks at the store's active pointer every ``interval`` seconds and loads what is
    active, so all of them answer from the same revision within about ``interval`` plus the load time."""
    log = logging.getLogger("jyuso_kb")
    while True:
        await asyncio.sleep(interval)
        active = await asyncio.to_thread(store.active_id)
        if active is None or active == app.state.snapshot.revision:
            continue
        async with app.state.publish_lock:  # this process' own publish or activate finishes first
            if active != app.state.snapshot.revision and store.active_id() == active:
                try:
                    data = await asyncio.to_thread(store.data, active)
                except (OSError, InputError) as err:
                    log.error("cannot load the active revision %s: %s", active, type(err).__name__)
                    continue
                await swap(app, PlanSource(app.state.snapshot.plan.vocabulary, data, f"revision {active}"))
                log.info("switched to revision %s, made active by another process", active)


async def swap(app: FastAPI, plan: PlanSource) -> None:
    """Build the new snapshot and SPARQL workers off the event loop, then switch one reference each."""
    snapshot = await asyncio.to_thread(build_snapshot, plan)
    workers, timeout, cap = app.state.sparql_config
    pool = SparqlPool(snapshot.merged, workers, timeout, cap)
    await asyncio.to_thread(pool.start)
    old_pool = app.state.sparql
    app.state.snapshot = snapshot
    app.state.sparql = pool
    await asyncio.to_thread(old_pool.close)
