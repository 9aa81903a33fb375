"""Child processes that end with their parent: forked, detached from the server's sockets, memory-limited.

Both kinds of worker use this: the SPARQL workers (long-lived, one query at a time) and the upload jobs (one job,
then exit). A child

- is killed by the kernel when the process that forked it dies (``PR_SET_PDEATHSIG``), even by SIGKILL;
- has every inherited file descriptor but stdio and its own channel pointed at ``/dev/null``, so it never holds the
  server's listening socket or client connections (the numbers stay taken, so nothing closes a reused number);
- takes the default action on SIGTERM, SIGINT and SIGHUP (the server's handlers, inherited by ``fork``, would ignore
  them);
- may grow its address space by at most ``headroom`` bytes past the parent's at fork time (``RLIMIT_AS``): past
  that, allocations fail with MemoryError instead of taking the machine's memory.

Fork from the event loop's thread (the process' main thread under uvicorn): the kernel sends the death signal when
the forking *thread* ends, and that thread lives as long as the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import signal
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

from jyuso_kb.lifetime import die_with_parent

EXIT_MEMORY = 3  # a child that failed within reach of its memory limit (an allocation failed, whatever it raised)


@dataclass(eq=False)
class Child:
    """A forked child and the parent's end of its channel."""

    pid: int
    conn: Connection
    reaped: bool = field(default=False)
    status: int | None = field(default=None)  # the wait status, once reaped

    def _reap(self, flags: int) -> bool:
        if self.reaped:
            return True
        try:
            pid, status = os.waitpid(self.pid, flags)
        except ChildProcessError:
            self.reaped = True
            return True
        if pid == 0:
            return False
        self.reaped, self.status = True, status
        return True

    def alive(self) -> bool:
        return not self._reap(os.WNOHANG)

    def kill(self) -> None:
        """SIGKILL, close the channel and reap (idempotent)."""
        with contextlib.suppress(OSError):
            self.conn.close()
        if self.reaped:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        self._reap(0)

    def ended(self, grace: float = 0.5) -> int | None:
        """After its channel closed: the wait status once the child has ended (it is ending: up to ``grace`` seconds
        are given), or None when it was still alive and had to be killed."""
        deadline = time.monotonic() + grace
        while not self._reap(os.WNOHANG):
            if time.monotonic() > deadline:
                self.kill()
                return None
            time.sleep(0.005)
        return self.status


def died_of_memory(status: int | None) -> bool:
    """Whether a child's wait status means it hit its memory limit: ``EXIT_MEMORY``, or killed by a signal (a failed
    allocation in C code ends in SIGSEGV, SIGABRT or SIGBUS)."""
    if status is None:
        return False
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status) == EXIT_MEMORY
    return os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS)


def _status(field: str) -> int:
    """A size from /proc/self/status in bytes (``VmSize``, ``VmPeak`` …)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def _address_space() -> int:
    return _status("VmSize")


def near_memory_limit(margin: int = 32 * 1024 * 1024) -> bool:
    """In a child: whether its address space came within ``margin`` of its limit. Under ``RLIMIT_AS`` a failed
    allocation surfaces as many kinds of error (MemoryError, OSError ENOMEM, an import that cannot map a library …):
    this tells them from a failure of the job itself."""
    limit = resource.getrlimit(resource.RLIMIT_AS)[0]
    return limit != resource.RLIM_INFINITY and _status("VmPeak") + margin >= limit


def _detach(parent: int, keep: int, headroom: int) -> None:
    die_with_parent(parent)
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)
    with contextlib.suppress(ValueError):
        signal.set_wakeup_fd(-1)
    devnull = os.open(os.devnull, os.O_RDWR)
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd not in (keep, devnull):
            with contextlib.suppress(OSError):
                os.dup2(devnull, fd)
    if headroom > 0:
        limit = _address_space() + headroom
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def fork(target: Callable[[Connection], None], headroom: int) -> Child:
    """Run ``target(channel)`` in a forked child; the child exits when it returns (never back into the caller): 0,
    or ``EXIT_MEMORY`` when it failed near its memory limit, or 1."""
    mine, theirs = socket.socketpair()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child; its behaviour is tested from the parent
        code = 1
        try:
            mine.close()
            _detach(parent, theirs.fileno(), headroom)
            target(Connection(theirs.detach()))
            code = 0
        finally:
            if code and headroom > 0 and near_memory_limit():
                code = EXIT_MEMORY
            os._exit(code)
    theirs.close()
    return Child(pid, Connection(mine.detach()))


@contextlib.contextmanager
def watching(conn: Connection) -> Iterator[asyncio.Future[None]]:
    """A future done once the child writes to (or closes) its channel; the event loop watches the channel's fd only
    inside the block, and stops before the caller closes it (so a reused fd number is never confused)."""
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()
    fd = conn.fileno()

    def wake() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_reader(fd, wake)
    try:
        yield ready
    finally:
        loop.remove_reader(fd)
        ready.cancel()


async def readable(conn: Connection, timeout: float | None) -> bool:
    """Whether the child wrote to (or closed) its channel within ``timeout`` seconds; no thread waits for it."""
    with watching(conn) as ready:
        done, _ = await asyncio.wait({ready}, timeout=timeout)
        return ready in done
