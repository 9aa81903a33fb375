"""The read-only SPARQL endpoint's engine: user queries run in worker processes, never in the server process.

Why processes: rdflib's SPARQL parser is not thread-safe, and a cross join or a property-path star can run for
minutes with no way to stop a thread. Each worker is forked (``serve/child.py``: it ends with the server, holds none
of its sockets, exits on SIGTERM and has a memory limit) with the plan graph already in memory, answers one query at
a time, and is killed (and replaced) when a query passes the time limit or its memory limit. Results are capped in
rows and in bytes. Inside a worker an audit hook
refuses network connections and file opens outside the Python installation, and the query is refused before
evaluation if it asks for SERVICE, FROM / FROM NAMED or any update (LOAD, INSERT …).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from rdflib import Graph

from jyuso_kb.serve.child import died_of_memory, fork, readable
from jyuso_kb.serve.sparql_oxigraph import OxigraphTarget, Runner
from jyuso_kb.serve.sparql_query import SparqlOutcome, execute


class PoolBusy(Exception):
    """No worker became free in time."""


def _guard(allowed_roots: tuple[str, ...]) -> None:
    """In the worker: refuse every network connection and file open outside the Python installation."""

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event in ("socket.connect", "socket.getaddrinfo", "urllib.Request", "socket.bind", "subprocess.Popen"):
            raise PermissionError(f"{event} refused in the SPARQL worker")
        if event == "open" and args and isinstance(args[0], str | bytes):
            path = os.path.realpath(os.fsdecode(args[0]))
            if not path.startswith(allowed_roots):
                raise PermissionError("file access refused in the SPARQL worker")

    sys.addaudithook(hook)


@dataclass(frozen=True)
class RdflibTarget:
    """What a SPARQL worker answers from: one plan's graph, in the worker's memory (forked with it)."""

    graph: Graph

    def open(self) -> Runner:
        return lambda text, accept, scope, row_cap, byte_cap: execute(self.graph, text, accept, row_cap, byte_cap)

    def reads(self) -> tuple[str, ...]:
        """Files the worker itself opens (beside the Python installation): none, the graph is in memory."""
        return ()

    def headroom(self, memory: int) -> int:
        """The address space a worker may add to the server's: the configured limit."""
        return memory


Target = RdflibTarget | OxigraphTarget


def _worker(conn: Connection, target: Target, allowed_roots: tuple[str, ...], limits: SparqlLimits) -> None:
    import rdflib.plugins.sparql as sparql_settings
    from pyparsing import ParseBaseException

    sparql_settings.SPARQL_LOAD_GRAPHS = False
    _guard(allowed_roots)
    run = target.open()
    while True:
        try:
            text, accept, scope = conn.recv()
        except EOFError:
            return
        try:
            outcome = run(text, accept, scope, limits.row_cap, limits.byte_cap)
        except MemoryError:
            conn.send(_MEMORY)
            return  # a fresh worker replaces this one: its heap may be fragmented past use
        except (
            ParseBaseException,
            PermissionError,
            ValueError,
            TypeError,
            KeyError,
            AttributeError,
            RecursionError,
            ZeroDivisionError,
            OverflowError,
            OSError,
        ) as err:
            refused = isinstance(err, PermissionError)
            outcome = SparqlOutcome(
                400,
                "application/json",
                b"",
                error=(
                    (
                        "access_refused",
                        "外部へのアクセスやファイルの読み込みはできません。",
                        "この計画のデータだけを問い合わせてください。",
                    )
                    if refused
                    else ("sparql_error", "このクエリは実行できません。", "構文と関数の使い方を確認してください。")
                ),
            )
        conn.send(outcome)


_MEMORY = SparqlOutcome(
    422,
    "application/json",
    b"",
    error=(
        "query_memory",
        "クエリが使うメモリが上限を超えたため中止しました。",
        "文字列を繰り返し連結する式や大きな結合を避け、LIMIT を付けてください。",
    ),
)
_DIED = SparqlOutcome(
    400,
    "application/json",
    b"",
    error=("sparql_error", "このクエリは実行できません。", "構文と関数の使い方を確認してください。"),
)


@dataclass(frozen=True)
class SparqlLimits:
    workers: int = 2
    timeout: float = 5.0  # seconds to wait for a free worker, and again for the answer
    row_cap: int = 10_000
    byte_cap: int = 16 * 1024 * 1024
    memory: int = 512 * 1024 * 1024  # address space each worker may add to the server's


class PoolClosed(Exception):
    """The pool was replaced (a swap) while the query waited for a worker: ask the current pool."""


class _Worker:
    def __init__(self, target: Target, allowed: tuple[str, ...], limits: SparqlLimits) -> None:
        self.child = fork(lambda conn: _worker(conn, target, allowed, limits), target.headroom(limits.memory))

    @property
    def conn(self) -> Connection:
        return self.child.conn

    def stop(self) -> None:
        self.child.kill()


_CLOSED = object()  # put in the idle queue when the pool closes, to wake queries waiting for a worker


class SparqlPool:
    """A few forked workers holding the plan graph (or a read-only view of the national store); queries wait for a
    free worker, up to ``limits.timeout``.

    Workers are forked from the event loop's thread (``start``, and a replacement after a timeout or a worker's
    death). ``close`` stops the idle workers at once; a busy one answers its query and is stopped then, and no
    replacement is ever forked into a closed pool, so the number of workers stays at ``limits.workers`` however
    often the plan is swapped.
    """

    def __init__(self, source: Graph | OxigraphTarget, limits: SparqlLimits | None = None) -> None:
        self.target: Target = RdflibTarget(source) if isinstance(source, Graph) else source
        self.limits = limits or SparqlLimits()
        self.timeout = self.limits.timeout
        reads = (sys.prefix, sys.base_prefix, sys.exec_prefix, *sys.path, *self.target.reads())
        self._allowed = tuple({os.path.realpath(p) for p in reads if p})
        self._idle: asyncio.Queue[Any] = asyncio.Queue()
        self._workers: list[_Worker] = []
        self.closed = False

    def successor(self, graph: Graph) -> SparqlPool:
        """A new pool with the same limits over another graph (not started)."""
        return SparqlPool(graph, self.limits)

    def start(self) -> None:
        for _ in range(self.limits.workers):
            self._add()

    def pids(self) -> list[int]:
        return [w.child.pid for w in self._workers]

    def _add(self) -> None:
        worker = _Worker(self.target, self._allowed, self.limits)
        self._workers.append(worker)
        self._idle.put_nowait(worker)

    def _retire(self, worker: _Worker) -> None:
        worker.stop()
        self._workers = [w for w in self._workers if w is not worker]

    def close(self) -> None:
        self.closed = True
        while not self._idle.empty():
            item = self._idle.get_nowait()
            if isinstance(item, _Worker):
                self._retire(item)
        self._idle.put_nowait(_CLOSED)

    async def run(self, text: str, accept: str, scope: str | None = None) -> SparqlOutcome | None:
        """The outcome, or None when the query passed the time limit (its worker was killed and replaced).
        ``scope`` is a municipality's code for the national store (None: every municipality); a plan graph has one.
        A worker that dies on a query (an error rdflib raises as a bare Exception) answers a refusal; one found dead
        before the query was sent (killed while idle) is replaced and the query goes to another worker."""
        if self.closed:
            raise PoolClosed
        while True:
            try:
                worker = await asyncio.wait_for(self._idle.get(), timeout=self.timeout)
            except TimeoutError as err:
                raise PoolBusy from err
            if not isinstance(worker, _Worker):
                self._idle.put_nowait(worker)  # wake the next waiter too
                raise PoolClosed
            if worker.child.alive():
                break
            self._replace(worker)  # it died while idle (a signal from outside): the query is not the cause
        try:
            worker.conn.send((text, accept, scope))
            if await readable(worker.conn, self.timeout):
                outcome: SparqlOutcome = worker.conn.recv()
                if outcome.error != _MEMORY.error:
                    self._release(worker)
                    return outcome
                self._replace(worker)
                return outcome
        except (EOFError, OSError):
            memory = died_of_memory(worker.child.ended())
            self._replace(worker)
            return _MEMORY if memory else _DIED
        except asyncio.CancelledError:  # the request was cancelled (shutdown): its answer must not reach the next
            self._replace(worker)
            raise
        self._replace(worker)
        return None

    def _release(self, worker: _Worker) -> None:
        if self.closed:
            self._retire(worker)
        else:
            self._idle.put_nowait(worker)

    def _replace(self, worker: _Worker) -> None:
        self._retire(worker)
        if not self.closed:
            self._add()


async def run_current(
    current: Callable[[], SparqlPool], text: str, accept: str, scope: str | None = None
) -> SparqlOutcome | None:
    """``run`` on the current pool; when a swap closed it while the query waited, on the one that replaced it."""
    for _ in range(3):
        try:
            return await current().run(text, accept, scope)
        except PoolClosed:
            continue
    raise PoolBusy
