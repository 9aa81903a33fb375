"""Helpers for the browser tests: a real ``jyuso-kb serve`` process, Debian's Chromium, WCAG contrast arithmetic.

Everything talks to 127.0.0.1 only; the browser is launched with background networking off.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "src" / "jyuso_kb" / "serve" / "web"
SCREENSHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--lang=ja-JP",
]
READY_SECONDS = 90.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    """``jyuso-kb serve --port N`` in its own process group; output captured to a file; ended in ``stop``."""

    def __init__(self, log_path: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Server:
        script = Path(sys.executable).parent / "jyuso-kb"
        assert script.exists(), f"console script not found: {script}"
        env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
        env["NO_PROXY"] = "127.0.0.1,localhost"
        env.setdefault("JYUSO_KB_SPARQL_WORKERS", "1")
        for attempt in range(3):
            with self.log_path.open("wb") as log:
                self.process = subprocess.Popen(
                    [str(script), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=env,
                    cwd=str(ROOT),
                    start_new_session=True,
                )
            try:
                self._wait_ready()
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

    def _wait_ready(self) -> None:
        assert self.process is not None
        started = time.monotonic()
        with httpx.Client(base_url=self.base_url, timeout=2.0, trust_env=False) as client:
            while time.monotonic() - started < READY_SECONDS:
                if self.process.poll() is not None:
                    raise AssertionError(f"server exited with {self.process.returncode}: {self.log()[-3000:]}")
                with contextlib.suppress(httpx.TransportError):
                    if client.get("/health").status_code == 200:
                        return
                time.sleep(0.2)
        raise AssertionError(f"server not ready within {READY_SECONDS:g} s: {self.log()[-3000:]}")

    def stop(self) -> None:
        """SIGTERM to the server's own process group (the server and the SPARQL workers it forked), then SIGKILL."""
        if self.process is None:
            return
        pgid = self.process.pid  # start_new_session: the group id is the server's pid
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, signal.SIGKILL)
            self.process.wait(timeout=5)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)  # any worker left behind
        self.process = None

    def log(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, trust_env=False, timeout=30.0)


# ---- WCAG 2.x contrast ------------------------------------------------------------------------------------------


def parse_colour(text: str) -> tuple[float, float, float]:
    """#rgb, #rrggbb (alpha forms are refused: contrast needs an opaque colour) or rgb()/rgba() with alpha 1."""
    text = text.strip().lower()
    if text.startswith("#"):
        digits = text[1:]
        if len(digits) == 3:
            digits = "".join(c * 2 for c in digits)
        if len(digits) != 6:
            raise ValueError(f"not an opaque hex colour: {text}")
        return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))
    match = re.fullmatch(r"rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:[,/\s]+([\d.]+))?\s*\)", text)
    if not match or (match.group(4) is not None and float(match.group(4)) != 1.0):
        raise ValueError(f"not an opaque colour: {text}")
    return (float(match.group(1)), float(match.group(2)), float(match.group(3)))


def luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(parse_colour(a)), luminance(parse_colour(b))), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def css_variables(css: str) -> dict[str, str]:
    """The custom properties of the stylesheet's ``:root`` block."""
    block = re.search(r":root\s*\{(.*?)\}", css, re.S)
    assert block, "style.css has no :root block"
    return dict(re.findall(r"--([\w-]+)\s*:\s*([^;]+);", block.group(1)))
