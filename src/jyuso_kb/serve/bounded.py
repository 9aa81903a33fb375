"""Work over uploaded input, bounded: each job in its own child process with a wall-time and a memory limit.

Everything that parses or computes over a graph someone sent (prechecks, parsing, the canonical relabelling of
blank nodes, SHACL, the diff, a trial build of the snapshot before a swap, loading a stored revision) runs as a
*job*: a function forked into a child (``serve/child.py``) that returns a picklable value. The parent only waits on
the child's channel (no thread), and kills the child when

- the wall time passes (422 ``too_slow``: the same input would take as long again),
- the child runs out of its memory allowance (413 ``too_much_memory``), or
- the client goes away (nobody is left to answer).

At most ``workers`` jobs run at once; up to ``queue`` more wait at most ``wait`` seconds for a turn; the excess gets
503 ``busy`` with ``Retry-After``. The child's memory is freed at once when it ends, whatever the job did.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from starlette.types import Receive

from jyuso_kb.errors import InputError
from jyuso_kb.serve.child import Child, died_of_memory, fork, watching
from jyuso_kb.serve.uploads import UploadError

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    workers: int = 2  # jobs running at once
    queue: int = 4  # jobs waiting for a turn; more are refused at once
    wait: float = 5.0  # seconds a job may wait for a turn
    seconds: float = 30.0  # wall time of one job
    memory: int = 640 * MIB  # address space a job's child may add to the server's


def _refusal(status: int, code: str, message: str, hint: str, retry: bool = False) -> UploadError:
    return UploadError(status, InputError(code, message, "body", hint), {"retry-after": "5"} if retry else None)


Job = Callable[[Path], Any]  # runs in the child; gets a scratch folder the parent removes afterwards


def _answer(job: Job, scratch: Path, conn: Connection) -> None:
    """In the child: run the job and send what came of it."""
    try:
        outcome: tuple[Any, ...] = ("ok", job(scratch))
    except UploadError as err:
        outcome = ("refused", err.status, err.error.as_dict())
    except InputError as err:
        outcome = ("refused", 400, err.as_dict())
    except RecursionError:
        outcome = ("deep",)
    except MemoryError:
        outcome = ("memory",)
    conn.send(outcome)


def _death(status: int | None) -> tuple[Any, ...]:
    """What a child's end without an answer means: its memory limit, or a failure of the job itself."""
    if status is None or died_of_memory(status) or not os.WIFEXITED(status):
        return ("memory",)
    return ("failed", f"exit status {os.WEXITSTATUS(status)}")


class Jobs:
    """Runs jobs in bounded children; one per app, created inside its event loop."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._turns = asyncio.Semaphore(limits.workers)
        self._waiting = 0
        self._children: set[Child] = set()

    def _busy(self) -> UploadError:
        return _refusal(
            503,
            "busy",
            "ほかの計画の検証が混み合っています。",
            "しばらくしてから再度お試しください。",
            retry=True,
        )

    async def run(self, job: Job, gone: Callable[[], Awaitable[None]] | None = None) -> Any:
        """The job's value; raises UploadError for a refusal (from the job or from a limit)."""
        if not self._turns.locked():
            await self._turns.acquire()  # a free turn: taken at once (a burst of up to ``workers`` never waits)
        else:
            if self._waiting >= self.limits.queue:
                raise self._busy()
            self._waiting += 1
            try:
                await asyncio.wait_for(self._turns.acquire(), self.limits.wait)
            except TimeoutError:
                raise self._busy() from None
            finally:
                self._waiting -= 1
        try:
            return await self._in_child(job, gone)
        finally:
            self._turns.release()

    async def _in_child(self, job: Job, gone: Callable[[], Awaitable[None]] | None) -> Any:
        scratch = Path(tempfile.mkdtemp(prefix=f"jyuso-kb-job-{os.getpid()}-"))
        child = fork(lambda conn: _answer(job, scratch, conn), self.limits.memory)
        self._children.add(child)
        watcher = asyncio.ensure_future(gone()) if gone is not None else None
        try:
            with watching(child.conn) as ready:
                pending = {ready} | ({watcher} if watcher is not None else set())
                done, _ = await asyncio.wait(pending, timeout=self.limits.seconds, return_when=asyncio.FIRST_COMPLETED)
            if ready not in done and watcher in done:
                raise _refusal(499, "client_closed", "接続が切れたため中止しました。", "")
            if ready not in done:
                raise _refusal(
                    422,
                    "too_slow",
                    f"処理が時間の上限({self.limits.seconds:g} 秒)を超えたため中止しました。",
                    "空白ノードの入れ子や大きなリスト ( … ) を IRI で書いた文に分けてください。",
                )
            try:
                outcome = child.conn.recv()
            except (EOFError, OSError):
                outcome = _death(child.ended())
            return self._result(outcome)
        finally:
            if watcher is not None:
                watcher.cancel()
            child.kill()
            self._children.discard(child)
            shutil.rmtree(scratch, ignore_errors=True)

    def _result(self, outcome: tuple[Any, ...]) -> Any:
        kind = outcome[0]
        if kind == "ok":
            return outcome[1]
        if kind == "refused":
            status, error = outcome[1], outcome[2]
            raise UploadError(status, InputError(error["code"], error["message"], error["where"], error["hint"]))
        if kind == "deep":
            raise _refusal(422, "too_deep", "入れ子が深すぎて読めません。", "入れ子を浅くしてください。")
        if kind == "failed":
            logging.getLogger("jyuso_kb").error("an upload job failed: %s", outcome[1])
            raise UploadError(
                500, InputError("internal", "内部エラーが発生しました。", "", "時間をおいて再度お試しください。")
            )
        logging.getLogger("jyuso_kb").warning("an upload job passed its memory limit")
        raise _refusal(
            413,
            "too_much_memory",
            f"処理に必要なメモリが上限({self.limits.memory // MIB} MiB)を超えたため中止しました。",
            "計画のデータだけを送ってください。大きな表やリストは分けてください。",
        )

    def close(self) -> None:
        """Kill every running job (at shutdown)."""
        for child in list(self._children):
            child.kill()
        self._children.clear()


async def client_gone(receive: Receive) -> None:
    """Returns when the client disconnects (for ``Jobs.run``'s ``gone``; the body has been read already)."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
