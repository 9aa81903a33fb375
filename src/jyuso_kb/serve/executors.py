"""Bounded thread pools, one per kind of slow in-process work, so that slow work never waits in the queue of fast work.

Uploads and SPARQL queries need no thread at all: they run in child processes and the event loop waits on their
channels. What is left in the server process gets its own pool: store reads and writes (the poll of the active
pointer, publish, activation), the snapshot build before a swap, building a blank workbook, building the active
plan's workbook, building a standard's export and the change feed's diff the first time each is asked for, reading
the national store's index again. asyncio's shared default pool is not used.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Executors:
    store: ThreadPoolExecutor
    swap: ThreadPoolExecutor
    template: ThreadPoolExecutor  # building a blank workbook (GET /v1/workbook/template)
    workbook: ThreadPoolExecutor  # the active plan as a workbook, the first time it is asked for (GET /v1/workbook)
    exports: ThreadPoolExecutor  # building a standard's export the first time it is asked for (GET /v1/export/…)
    changes: ThreadPoolExecutor  # the diff since a stored revision, the first time it is asked for (GET /v1/changes)
    national: ThreadPoolExecutor  # reading the national store's index again after its manifest changed

    @classmethod
    def start(cls) -> Executors:
        return cls(
            store=ThreadPoolExecutor(max_workers=1, thread_name_prefix="jyuso-kb-store"),
            swap=ThreadPoolExecutor(max_workers=1, thread_name_prefix="jyuso-kb-swap"),
            template=ThreadPoolExecutor(max_workers=1, thread_name_prefix="jyuso-kb-template"),
            workbook=ThreadPoolExecutor(max_workers=1, thread_name_prefix="jyuso-kb-workbook"),
            exports=ThreadPoolExecutor(max_workers=1, thread_name_prefix="jyuso-kb-exports"),
            changes=ThreadPoolExecutor(max_workers=1, thread_name_prefix="jyuso-kb-changes"),
            national=ThreadPoolExecutor(max_workers=1, thread_name_prefix="jyuso-kb-national"),
        )

    def close(self) -> None:
        for pool in (self.store, self.swap, self.template, self.workbook, self.exports, self.changes, self.national):
            pool.shutdown(wait=False, cancel_futures=True)


async def run_in(pool: ThreadPoolExecutor, function: Callable[..., T], *args: Any) -> T:
    return await asyncio.get_running_loop().run_in_executor(pool, function, *args)
