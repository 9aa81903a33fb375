"""Switching the running service to another plan revision: swap, and following the store's active pointer."""

from __future__ import annotations

import asyncio
import logging
from functools import partial

from fastapi import FastAPI

from jyuso_kb.errors import InputError
from jyuso_kb.plan.source import PlanSource
from jyuso_kb.serve.bounded import Jobs
from jyuso_kb.serve.executors import Executors, run_in
from jyuso_kb.serve.snapshot import build_snapshot
from jyuso_kb.serve.sparql_pool import SparqlPool
from jyuso_kb.serve.upload_jobs import trial_load_job
from jyuso_kb.serve.uploads import UploadError
from jyuso_kb.store.revisions import Store


async def follow_store(app: FastAPI, store: Store, interval: float) -> None:
    """Switch to the store's active revision when another process changed it.

    With ``--workers N`` (or several servers on one store) a publish or rollback reaches only the process that
    answered it; every process looks at the store's active pointer every ``interval`` seconds and loads what is
    active, so all of them answer from the same revision within about ``interval`` plus the load time. The revision
    is first loaded once in a bounded child (``trial_load_job``): a revision too costly to load is never swapped in.
    """
    log = logging.getLogger("jyuso_kb")
    executors: Executors = app.state.executors
    jobs: Jobs = app.state.jobs
    while True:
        await asyncio.sleep(interval)
        active = await run_in(executors.store, store.active_id)
        if active is None or active == app.state.snapshot.revision:
            continue
        try:
            await jobs.run(partial(trial_load_job, store, active, app.state.snapshot))
        except UploadError as err:
            log.error("cannot load the active revision %s: %s", active, err.error.code)
            continue
        async with app.state.publish_lock:  # this process' own publish or activate finishes first
            if active != app.state.snapshot.revision and store.active_id() == active:
                try:
                    data = await run_in(executors.store, store.data, active)
                except (OSError, InputError) as err:
                    log.error("cannot load the active revision %s: %s", active, type(err).__name__)
                    continue
                await swap(app, PlanSource(app.state.snapshot.plan.vocabulary, data, f"revision {active}"), active)
                log.info("switched to revision %s, made active by another process", active)


async def swap(app: FastAPI, plan: PlanSource, revision: str | None = None) -> None:
    """Build the new snapshot off the event loop (its own executor), fork the new SPARQL workers from the loop's
    thread, then switch one reference each. Queries in flight on the old pool finish there."""
    executors: Executors = app.state.executors
    snapshot = await run_in(executors.swap, build_snapshot, plan, revision)
    old_pool: SparqlPool = app.state.sparql
    pool = old_pool.successor(snapshot.merged)
    pool.start()
    app.state.snapshot = snapshot
    app.state.sparql = pool
    old_pool.close()
