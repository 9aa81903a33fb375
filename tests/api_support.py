"""Helpers for the API safety and protocol tests: a loopback canary, a real server, an audit hook, error checks.

Everything here talks to 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
JAPANESE = re.compile(r"[\u3040-\u309f\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
SERVER_READY_SECONDS = 90.0  # a limit against a hang, not a measure: a loaded machine (pytest-xdist) starts slowly


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Canary:
    """A thread accepting TCP connections on 127.0.0.1:<random port> and counting them."""

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self._sock.settimeout(0.2)
        self.port: int = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="canary", daemon=True)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            with contextlib.suppress(OSError):
                conn.close()

    def __enter__(self) -> Canary:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._sock.close()

    def probe_self(self) -> None:
        """Connect once ourselves, to prove the counter works (used before the hostile inputs)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=1):
            pass
        deadline = time.monotonic() + 2
        while self.connections == 0 and time.monotonic() < deadline:
            time.sleep(0.01)


OWN_STATUS = re.compile(r"/proc/\d+/status")  # a forked child reads its own size (VmSize) to set its memory limit


class FileAudit:
    """An audit hook (installed once per process) that, while recording, notes file opens outside allowed roots
    and every outbound socket connection / urllib request made by this process or a child forked from it (uploads
    are parsed in forked children: the hook and the recording flag are inherited, and events go to a spool file)."""

    _installed: FileAudit | None = None

    def __init__(self) -> None:
        paths = sysconfig.get_paths()
        roots = {
            str(ROOT),
            sys.prefix,
            sys.base_prefix,
            sys.exec_prefix,
            sys.base_exec_prefix,
            paths["stdlib"],
            paths["purelib"],
            paths["platlib"],
            tempfile.gettempdir(),
            "/dev/null",
            "/dev/urandom",
        }
        self.allowed = tuple(os.path.realpath(r) for r in roots if r)
        self.recording = False
        handle, spool = tempfile.mkstemp(prefix="jyuso-kb-audit-")
        os.close(handle)
        self.spool = spool
        self._writing = False

    @classmethod
    def get(cls) -> FileAudit:
        if cls._installed is None:
            audit = cls()
            sys.addaudithook(audit._hook)
            cls._installed = audit
        return cls._installed

    def _hook(self, event: str, args: tuple[Any, ...]) -> None:
        if not self.recording or self._writing:
            return
        if event == "open" and args and isinstance(args[0], str | bytes):
            path = os.path.realpath(os.fsdecode(args[0]))
            if not any(path == root or path.startswith(root + os.sep) for root in self.allowed) and not (
                OWN_STATUS.fullmatch(path)
            ):
                self._note("open", path)
        elif event in ("socket.connect", "urllib.Request", "socket.getaddrinfo"):
            self._note("network", f"{event} {args[1:2] if event == 'socket.connect' else args[:1]}")

    def _note(self, kind: str, text: str) -> None:
        self._writing = True
        try:
            handle = os.open(self.spool, os.O_WRONLY | os.O_APPEND)
            try:
                os.write(handle, f"{kind}\t{text}\n".encode())
            finally:
                os.close(handle)
        except OSError:
            pass  # a SPARQL worker's own guard refuses the spool too; what it refuses is refused anyway
        finally:
            self._writing = False

    def _events(self, kind: str) -> list[str]:
        with open(self.spool, encoding="utf-8") as spool:
            return [line.split("\t", 1)[1] for line in spool.read().splitlines() if line.startswith(kind + "\t")]

    @property
    def opens(self) -> list[str]:
        return self._events("open")

    @property
    def network(self) -> list[str]:
        return self._events("network")

    def clear(self) -> None:
        with open(self.spool, "w", encoding="utf-8"):
            pass

    @contextlib.contextmanager
    def record(self) -> Iterator[None]:
        self.recording = True
        try:
            yield
        finally:
            self.recording = False


def _children(pid: int) -> list[int]:
    """Descendant process ids of ``pid`` (Linux /proc), so that teardown can end exactly what the server forked."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()
        parents[int(entry.name)] = int(fields[1])
    found: list[int] = []
    frontier = [pid]
    while frontier:
        current = frontier.pop()
        for child, parent in parents.items():
            if parent == current and child not in found:
                found.append(child)
                frontier.append(child)
    return found


class RealServer:
    """``jyuso-kb serve --port N`` in a subprocess, its stdout+stderr captured to a file; ended in __exit__."""

    def __init__(self, log_path: Path, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.env = {**os.environ, **(env or {})}
        for key in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
            self.env.pop(key, None)
        self.env["NO_PROXY"] = "127.0.0.1,localhost"
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        script = Path(sys.executable).parent / "jyuso-kb"
        assert script.exists(), f"console script not found: {script}"
        return [str(script), "serve", "--host", "127.0.0.1", "--port", str(self.port)]

    def __enter__(self) -> RealServer:
        for attempt in range(3):
            log = self.log_path.open("wb")
            started = time.monotonic()
            self.process = subprocess.Popen(
                self.command(), stdout=log, stderr=subprocess.STDOUT, env=self.env, cwd=str(ROOT)
            )
            log.close()
            try:
                self._wait_ready(started)
                return self
            except AssertionError:
                self.stop()
                # another process (a parallel test worker) took the free port before the server bound it
                if "address already in use" not in self.log() or attempt == 2:
                    raise
                self.port = free_port()
                self.base_url = f"http://127.0.0.1:{self.port}"
            except BaseException:
                self.stop()
                raise
        raise AssertionError("unreachable")

    def _wait_ready(self, started: float) -> None:
        assert self.process is not None
        with httpx.Client(base_url=self.base_url, timeout=1.0, trust_env=False) as client:
            while time.monotonic() - started < SERVER_READY_SECONDS:
                if self.process.poll() is not None:
                    raise AssertionError(f"server exited with {self.process.returncode}: {self.log()[-2000:]}")
                try:
                    if client.get("/health").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
        raise AssertionError(f"server not ready within {SERVER_READY_SECONDS:g} s: {self.log()[-2000:]}")

    def stop(self) -> None:
        if self.process is None:
            return
        children = _children(self.process.pid)
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        for pid in children:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        self.process = None

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def log(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def mark(self) -> int:
        """A position in the log; ``log_since(mark)`` is what the server wrote after it."""
        return len(self.log())

    def log_since(self, mark: int) -> str:
        return self.log()[mark:]

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, trust_env=False, **{"timeout": 15.0, **kwargs})


def assert_error(response: httpx.Response, status: int | None = None) -> dict[str, str]:
    """The one error shape: {"error": {"code", "message", "where", "hint"}}, a Japanese message, no traceback."""
    if status is None:
        assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    else:
        assert response.status_code == status, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("application/json"), response.headers["content-type"]
    body = response.json()
    assert list(body) == ["error"], body
    error = body["error"]
    assert sorted(error) == ["code", "hint", "message", "where"], error
    assert all(isinstance(v, str) for v in error.values()), error
    assert error["code"], error
    assert JAPANESE.search(error["message"]), error["message"]
    assert "Traceback" not in response.text
    return dict(error)
