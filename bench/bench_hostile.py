"""Time and peak memory of the server (its whole process tree) for each hostile upload class, against a normal upload.

    .venv/bin/python bench/bench_hostile.py [--root PATH] [--only CLASS[,CLASS]] [--timeout 90] [--limit 900]
                                            [--json OUT]

    # the same figures for an older checkout (same venv, its own src/ on PYTHONPATH):
    git worktree add /tmp/old 72654aa
    .venv/bin/python bench/bench_hostile.py --root /tmp/old --timeout 60

Starts ``jyuso-kb serve`` of the checkout at --root (default: the repository holding this script) on a free loopback
port, as ``PYTHONPATH=<root>/src <this python> -m jyuso_kb serve`` (or through ``jyuso_kb.cli.main`` when the
checkout has no ``__main__``) with cwd=<root>. The hostile bodies come from ``tests/hostile_inputs.py`` of *this*
repository, so both checkouts get the same bytes. The baseline is the real plan: its Turtle from ``GET /v1/catalog``
(POSTed first and again last, to /v1/validate and /v1/revisions/diff) and its workbook from ``jyuso-kb workbook
export``. The machine is noisy: quote the ratios against the baseline of the same run, not the seconds.

Each class is POSTed with a client timeout (--timeout); meanwhile the Pss (Rss where smaps_rollup is unreadable) of
the server and all its descendants is summed every 50 ms and /health is probed every 0.5 s. The table shows the
memory right before, the peak during and the memory 2 s after the answer, and whether /health answers within 1 s
afterwards. After a class with no answer (or a silent /health) the server is restarted: a runaway job may keep a
core busy. Bounded: the whole run stops after --limit seconds, and the server tree is always stopped at the end
(SIGTERM, then SIGKILL of every descendant).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE / "tests"))
import hostile_inputs as hostile  # noqa: E402

HOST = "127.0.0.1"
SAMPLE = 0.05  # seconds between memory samples
PROBE = 0.5  # seconds between /health probes during an upload
SETTLE = 2.0  # seconds after the answer before the "after" sample
MB = 1024 * 1024
JSON = "application/json"


@dataclass
class Case:
    name: str
    build: Callable[[], tuple[bytes, str]]
    diff: Callable[[], tuple[bytes, str]] | None = (
        None  # the body for /v1/revisions/diff, when the class goes there too
    )


@dataclass
class Row:
    name: str
    endpoint: str
    sent: int
    answer: str = ""
    seconds: float | None = None  # None: no answer within the client timeout
    timeout: float = 0.0
    ratio: str = ""
    before: float = 0.0  # MB
    peak: float = 0.0
    after: float = 0.0
    procs: int = 0
    health_during: str = ""
    health_after: str = ""
    restarted: bool = False
    probes: list[float | None] = field(default_factory=list, repr=False)


def hostile_cases() -> list[Case]:
    return [
        Case("symmetric-blank-nodes", hostile.symmetric_blank_nodes),
        Case("long-collection", hostile.long_collection),
        Case("workbook-bomb", hostile.workbook_bomb),
        Case("scoped-contexts", hostile.scoped_contexts),
        Case("deep-jsonld", hostile.deep_jsonld, hostile.deep_jsonld),
        Case(
            "deep-json",
            lambda: (hostile.deep_json(), hostile.JSONLD),
            lambda: (hostile.deep_json(), JSON),
        ),
        Case("deep-turtle", hostile.deep_turtle, hostile.deep_turtle),
        Case("many-literals", hostile.many_literals),
    ]


# --- the server's process tree ------------------------------------------------------------------------------------


def children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        kids.setdefault(ppid, []).append(int(entry))
    return kids


def tree(root: int) -> list[int]:
    kids = children()
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(kids.get(pid, ()))
    return found


def memory_kb(pid: int) -> int:
    """Pss of one process in kB (Rss when smaps_rollup is unreadable), 0 when it is gone."""
    for path, key in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
        try:
            with open(path) as f:
                for line in f:
                    if line.startswith(key):
                        return int(line.split()[1])
        except OSError:
            continue
    return 0


def tree_memory(root: int) -> tuple[float, int]:
    """(MB, processes) of the tree under ``root``."""
    pids = tree(root)
    return sum(memory_kb(p) for p in pids) / 1024, len([p for p in pids if os.path.exists(f"/proc/{p}")])


class Sampler(threading.Thread):
    """Peak memory of the tree (and the processes then) every SAMPLE seconds until stopped."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.peak, self.procs = tree_memory(root)
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(SAMPLE):
            mem, procs = tree_memory(self.root)
            if mem > self.peak:
                self.peak, self.procs = mem, procs

    def stop(self) -> tuple[float, int]:
        self.done.set()
        self.join()
        mem, procs = tree_memory(self.root)  # the last moment counts too
        if mem > self.peak:
            self.peak, self.procs = mem, procs
        return self.peak, self.procs


class Prober(threading.Thread):
    """GET /health every PROBE seconds (1 s timeout) until stopped: the latencies, None for no answer."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.latencies: list[float | None] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(PROBE):
            self.latencies.append(health(self.port, 1.0))

    def stop(self) -> list[float | None]:
        self.done.set()
        self.join()
        return self.latencies


def health(port: int, timeout: float) -> float | None:
    """Seconds /health took to answer 200, None when it did not within ``timeout``."""
    start = time.perf_counter()
    try:
        conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
        conn.request("GET", "/health")
        response = conn.getresponse()
        response.read()
        conn.close()
    except (OSError, http.client.HTTPException):
        return None
    elapsed = time.perf_counter() - start
    return elapsed if response.status == 200 and elapsed <= timeout else None


# --- the server ---------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def cli(root: Path, *args: str) -> list[str]:
    if (root / "src" / "jyuso_kb" / "__main__.py").exists():
        return [sys.executable, "-m", "jyuso_kb", *args]
    return [sys.executable, "-c", "from jyuso_kb.cli import main; import sys; sys.exit(main())", *args]


def env_for(root: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(root / "src"), "PYTHONUNBUFFERED": "1"}


class Server:
    def __init__(self, root: Path, log: Path) -> None:
        self.root = root
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.known: set[int] = set()  # every pid seen in the tree, so that orphans are killed too

    def start(self, limit: float = 90.0) -> float:
        self.port = free_port()
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                cli(self.root, "serve", "--port", str(self.port)),
                cwd=self.root,
                env=env_for(self.root),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.known = {self.proc.pid}
        start = time.perf_counter()
        while time.perf_counter() - start < limit:
            if self.proc.poll() is not None:
                break
            if health(self.port, 1.0) is not None:
                return time.perf_counter() - start
            time.sleep(0.1)
        tail = self.log.read_text(errors="replace").splitlines()[-15:]
        self.stop()
        raise RuntimeError("server did not become ready:\n    " + "\n    ".join(tail))

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def remember(self) -> None:
        if self.proc is not None:
            self.known.update(tree(self.proc.pid))

    def stop(self) -> None:
        if self.proc is None:
            return
        self.remember()
        try:
            self.proc.send_signal(signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        # orphans of the tree are reparented: follow the known pids and whatever they still have under them
        kids = children()
        todo = list(self.known)
        while todo:
            pid = todo.pop()
            for kid in kids.get(pid, ()):
                if kid not in self.known:
                    self.known.add(kid)
                    todo.append(kid)
        for pid in self.known:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if self.proc.poll() is None:
            self.proc.wait(timeout=10)
        self.proc = None
        self.known = set()


# --- one upload ---------------------------------------------------------------------------------------------------


def post(port: int, path: str, body: bytes, ctype: str, timeout: float) -> tuple[str, float | None]:
    """(status and error code, seconds) of one POST; seconds is None when nothing came within ``timeout``."""
    start = time.perf_counter()
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("POST", path, body=body, headers={"content-type": ctype, "accept": JSON})
        response = conn.getresponse()
        data = response.read()
    except TimeoutError:
        return f"no answer in {timeout:g} s", None
    except (OSError, http.client.HTTPException) as err:
        return f"connection: {type(err).__name__}", time.perf_counter() - start
    finally:
        conn.close()
    elapsed = time.perf_counter() - start
    answer = str(response.status)
    try:
        payload = json.loads(data)
    except ValueError:
        return answer, elapsed
    if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
        answer += f" {payload['error'].get('code', '')}"
    elif isinstance(payload, dict) and "conforms" in payload:
        answer += f" conforms={payload['conforms']}"
    return answer, elapsed


def measure(server: Server, name: str, endpoint: str, body: bytes, ctype: str, timeout: float) -> Row:
    row = Row(name, endpoint, len(body), timeout=timeout)
    server.remember()
    sampler, prober = Sampler(server.pid), Prober(server.port)
    row.before = sampler.peak
    sampler.start()
    prober.start()
    row.answer, row.seconds = post(server.port, f"/v1/{endpoint}", body, ctype, timeout)
    server.remember()
    row.peak, row.procs = sampler.stop()
    row.probes = prober.stop()
    time.sleep(SETTLE)
    row.after = tree_memory(server.pid)[0]
    answered = [p for p in row.probes if p is not None]
    missed = len(row.probes) - len(answered)
    worst = f"max {max(answered) * 1000:.0f} ms" if answered else "-"
    row.health_during = f"{worst}, {missed}/{len(row.probes)} >1 s" if missed else worst
    after = health(server.port, 1.0)
    row.health_after = f"{after * 1000:.0f} ms" if after is not None else "NO (1 s)"
    return row


# --- the run ------------------------------------------------------------------------------------------------------


def plan_bodies(server: Server, root: Path, scratch: Path) -> tuple[bytes, bytes]:
    """The real plan: its Turtle (GET /v1/catalog) and its workbook (``jyuso-kb workbook export``)."""
    conn = http.client.HTTPConnection(HOST, server.port, timeout=30)
    conn.request("GET", "/v1/catalog", headers={"accept": "text/turtle"})
    response = conn.getresponse()
    turtle = response.read()
    conn.close()
    if response.status != 200 or not turtle:
        raise RuntimeError(f"GET /v1/catalog (text/turtle) answered {response.status}")
    out = scratch / "plan.xlsx"
    subprocess.run(
        cli(root, "workbook", "export", "--format", "xlsx", "--out", str(out)),
        cwd=root,
        env=env_for(root),
        check=True,
        timeout=120,
        capture_output=True,
    )
    return turtle, out.read_bytes()


def fill_ratios(rows: list[Row]) -> None:
    """Seconds ÷ the mean seconds of the baseline (the real plan as Turtle) to the same endpoint."""
    for endpoint in {r.endpoint for r in rows}:
        base = [r.seconds for r in rows if r.name == "baseline" and r.endpoint == endpoint and r.seconds is not None]
        if not base:
            continue
        mean = statistics.fmean(base)
        for r in rows:
            if r.endpoint != endpoint:
                continue
            if r.seconds is None:
                r.ratio = f">{r.timeout / mean:.0f}"
            else:
                r.ratio = f"{r.seconds / mean:.2f}" if r.seconds < 0.1 * mean else f"{r.seconds / mean:.1f}"


def table(rows: list[Row]) -> str:
    head = (
        "class",
        "endpoint",
        "bytes",
        "answer",
        "s",
        "÷base",
        "MB before",
        "MB peak",
        "MB after",
        "growth",
        "procs",
        "/health during",
        "/health after",
    )
    body = [
        (
            r.name,
            r.endpoint,
            f"{r.sent:,}",
            r.answer,
            f"{r.seconds:.2f}" if r.seconds is not None else f">{r.timeout:g}",
            r.ratio,
            f"{r.before:.0f}",
            f"{r.peak:.0f}",
            f"{r.after:.0f}",
            f"{r.peak - r.before:+.0f}",
            str(r.procs),
            r.health_during,
            r.health_after + (" (restarted)" if r.restarted else ""),
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in (head, *body)) for i in range(len(head))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in (head, *body)]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def run(
    server: Server, sequence: list[Case], deadline: float, timeout: float, rows: list[Row], skipped: list[str]
) -> None:
    """Each case to its endpoints in turn, restarting the server after an upload it did not answer."""
    for case in sequence:
        targets = [("validate", case.build)] + ([("revisions/diff", case.diff)] if case.diff else [])
        for endpoint, build in targets:
            left = deadline - time.monotonic()
            if left < 15:
                skipped.append(f"{case.name} → {endpoint}")
                continue
            body, ctype = build()
            row = measure(server, case.name, endpoint, body, ctype, min(timeout, left - 10))
            del body
            rows.append(row)
            row.restarted = row.seconds is None or row.health_after.startswith("NO")
            print(
                f"  {row.name} → /v1/{row.endpoint}: {row.answer}, "
                + (f"{row.seconds:.2f} s" if row.seconds is not None else f">{row.timeout:g} s")
                + f", peak {row.peak:.0f} MB ({row.peak - row.before:+.0f}), after {row.after:.0f} MB, "
                f"/health {row.health_after}{' — restarting the server' if row.restarted else ''}",
                flush=True,
            )
            if row.restarted:
                server.stop()
                try:
                    server.start()
                except RuntimeError as err:
                    print(f"  restart failed, run stopped: {err}", flush=True)
                    return


def git_head(root: Path) -> str:
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "src"], capture_output=True)
        return out.stdout.strip() + (" + uncommitted src changes" if dirty.stdout.strip() else "")
    except OSError:
        return "?"


def interrupted(signum: int, frame: Any) -> None:
    raise SystemExit(f"stopped by signal {signum}")


def main() -> None:
    names = [c.name for c in hostile_cases()]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=HERE, help="the checkout whose server to measure")
    parser.add_argument("--only", help=f"comma-separated classes (the baseline always runs): {', '.join(names)}")
    parser.add_argument("--timeout", type=float, default=90.0, help="client timeout per upload, seconds")
    parser.add_argument("--limit", type=float, default=900.0, help="the whole run, seconds")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    root = args.root.resolve()
    if not (root / "src" / "jyuso_kb").is_dir():
        raise SystemExit(f"{root} holds no src/jyuso_kb")
    cases = hostile_cases()
    if args.only:
        wanted = [w.strip() for w in args.only.split(",") if w.strip()]
        unknown = sorted(set(wanted) - set(names))
        if unknown:
            raise SystemExit(f"unknown class {', '.join(unknown)}; choose from {', '.join(names)}")
        cases = [c for c in cases if c.name in wanted]
    deadline = time.monotonic() + args.limit
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGALRM, interrupted)
    signal.alarm(int(args.limit) + 120)  # a backstop: the checks below should end the run first

    rows: list[Row] = []
    skipped: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench_hostile_") as tmp:
        scratch = Path(tmp)
        server = Server(root, scratch / "server.log")
        try:
            ready = server.start()
            turtle, workbook = plan_bodies(server, root, scratch)
            print(
                f"root {root} ({git_head(root)}); server ready in {ready:.1f} s; client timeout {args.timeout:g} s; "
                f"limit {args.limit:g} s",
                flush=True,
            )
            plan = (turtle, "text/turtle")
            plan_case = Case("baseline", lambda: plan, lambda: plan)
            sequence = [
                plan_case,
                Case("plan-workbook", lambda: (workbook, hostile.XLSX)),
                *cases,
                plan_case,
            ]
            run(server, sequence, deadline, args.timeout, rows, skipped)
        finally:
            server.stop()
            signal.alarm(0)
    fill_ratios(rows)
    print()
    print(table(rows))
    print(
        "\nMB (MiB): Pss summed over the server and its descendants; before = just before the POST, peak = during it "
        f"(every {SAMPLE * 1000:.0f} ms), after = {SETTLE:g} s after the answer. ÷base: seconds over the mean of "
        "the baseline rows to the same endpoint."
    )
    if skipped:
        print(f"skipped (--limit): {', '.join(skipped)}")
    if args.json:
        meta = {"root": str(root), "commit": git_head(root), "timeout": args.timeout, "limit": args.limit}
        results = [asdict(r) for r in rows]
        args.json.write_text(json.dumps({"meta": meta, "rows": results, "skipped": skipped}, indent=2) + "\n")


if __name__ == "__main__":
    main()
