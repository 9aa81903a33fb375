"""Plans loaded when first asked for: every municipality of a national catalog from one process, in bounded memory.

With the national store configured, the service reads no plan at start but the default municipality's: the store's
manifest says which municipalities there are (code, name, prefecture, the content hash of their files). A
municipality's snapshot is loaded the first time a request names it:

1. from the snapshot cache (``serve/snapshot_cache.py``, keyed by the content hash of what it serves: its files, or
   its active stored revision), in the ``plans`` thread: 0.05–0.5 s;
2. on a miss, built once in a bounded child process (reasoning and indexes, 1.5–3.5 s; the time and memory limits
   of uploads), which writes it to the cache, then loaded as in 1.

A request waits for its municipality at most ``wait`` seconds (1 s): past that it is answered 503 ``plan_loading``
with ``Retry-After``, and the load goes on, so the next request finds it. At most ``resident`` snapshots stay in
memory; the least recently asked one is dropped first (never the default municipality's), to be loaded again from
the cache when asked.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from rdflib import Graph

from jyuso_kb.plan.load import read_data
from jyuso_kb.plan.source import PlanSource
from jyuso_kb.serve import snapshot_cache
from jyuso_kb.serve.bounded import Jobs
from jyuso_kb.serve.snapshot import Snapshot, build_snapshot
from jyuso_kb.serve.tenants import Tenant
from jyuso_kb.serve.uploads import UploadError
from jyuso_kb.store.revisions import Store


def content_of(tenant: Tenant) -> tuple[str, str | None]:
    """What the municipality serves now: its cache content key, and its active stored revision id (None: its files)."""
    active = tenant.store.active_id() if tenant.store is not None else None
    if active is not None and tenant.store is not None:
        return f"revision {active} of {tenant.store.root.resolve()}", active
    return f"files {tenant.source_hash}", None


def build_into_cache(
    vocabulary: Graph, source: Path | None, store: Store | None, active: str | None, target: Path
) -> Snapshot:
    """The snapshot of a municipality (its active stored revision, else its files), written to the cache."""
    if active is not None and store is not None:
        plan = PlanSource(vocabulary, store.data(active), f"revision {active}")
    else:
        assert source is not None
        plan = PlanSource(vocabulary, read_data([source])[0], str(source))  # the vocabulary shared, not read again
    snapshot = build_snapshot(plan, active, store if active is not None else None)
    snapshot_cache.save(target, snapshot)
    return snapshot


def _build_job(vocabulary: Graph, tenant: Tenant, active: str | None, target: Path, scratch: Path) -> None:
    """In a bounded child: build and write; the parent reads the file (a snapshot is too big for the pipe)."""
    build_into_cache(vocabulary, tenant.source, tenant.store, active, target)


class Resident:
    """Loads municipalities' snapshots on demand and keeps the ``resident`` most recently asked ones."""

    def __init__(
        self,
        cache_dir: Path,
        vocabulary: Graph,
        builds: Jobs,
        resident: int,
        wait: float = 1.0,
        default: Tenant | None = None,
    ) -> None:
        self.cache_dir = cache_dir
        self.vocabulary = vocabulary
        self.builds = builds
        self.resident = max(1, resident)
        self.wait = wait
        self.default = default
        self.plans = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jyuso-kb-plans")
        self._loading: dict[str, asyncio.Task[Snapshot | None]] = {}
        self._recent: OrderedDict[str, Tenant] = OrderedDict()
        self.failed: set[str] = set()  # municipalities whose last load failed (the next request tries again)

    async def ready(self, tenant: Tenant) -> Snapshot | None:
        """The municipality's snapshot, loading it if needed; None if it is not ready within ``wait`` seconds."""
        if tenant.snapshot is not None:
            self.keep(tenant)
            return tenant.snapshot
        task = self._loading.get(tenant.code)
        if task is None:
            task = asyncio.ensure_future(self._load(tenant))
            self._loading[tenant.code] = task
            task.add_done_callback(lambda _: self._loading.pop(tenant.code, None))
        try:
            return await asyncio.wait_for(asyncio.shield(task), self.wait)
        except TimeoutError:
            return None

    async def _load(self, tenant: Tenant) -> Snapshot | None:
        log = logging.getLogger("jyuso_kb")
        loop = asyncio.get_running_loop()
        content, active = await loop.run_in_executor(self.plans, content_of, tenant)
        target = snapshot_cache.path_of(self.cache_dir, content)
        snapshot = await loop.run_in_executor(self.plans, snapshot_cache.load, target, self.vocabulary)
        if snapshot is None:
            try:
                await self.builds.run(partial(_build_job, self.vocabulary, tenant, active, target))
            except UploadError as err:
                log.error("%s: cannot build its plan's snapshot: %s", tenant.code, err.error.code)
                self.failed.add(tenant.code)
                return None
            snapshot = await loop.run_in_executor(self.plans, snapshot_cache.load, target, self.vocabulary)
            if snapshot is None:
                log.error("%s: its plan's snapshot was built but cannot be read back", tenant.code)
                self.failed.add(tenant.code)
                return None
            log.info("%s %s: built and cached (%s)", tenant.code, tenant.name, content)
        self.failed.discard(tenant.code)
        if tenant.snapshot is None:  # a publish may have swapped one in meanwhile: it is newer
            tenant.snapshot = snapshot
        self.keep(tenant)
        return tenant.snapshot

    def keep(self, tenant: Tenant) -> None:
        """Count the municipality as resident; drop the least recently asked ones past ``resident``."""
        self._recent[tenant.code] = tenant
        self._recent.move_to_end(tenant.code)
        while len(self._recent) > self.resident:
            oldest = next((t for t in self._recent.values() if t is not self.default and t is not tenant), None)
            if oldest is None:
                return
            del self._recent[oldest.code]
            oldest.snapshot = None  # requests in flight keep the snapshot they pinned

    def load_now(self, tenant: Tenant) -> Snapshot:
        """At start, before serving (the default municipality): from the cache, else built here and cached.

        Raises InputError when its plan cannot be read."""
        content, active = content_of(tenant)
        target = snapshot_cache.path_of(self.cache_dir, content)
        snapshot = snapshot_cache.load(target, self.vocabulary)
        if snapshot is None:
            snapshot = build_into_cache(self.vocabulary, tenant.source, tenant.store, active, target)
        tenant.snapshot = snapshot
        self.keep(tenant)
        return snapshot

    def close(self) -> None:
        for task in self._loading.values():
            task.cancel()
        self.plans.shutdown(wait=False, cancel_futures=True)
