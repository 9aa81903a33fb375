"""One revision store, several processes (``--workers N``, several servers): writers serialized by the store's lock,
unique temporary names, readers that never see a partial pointer, and no process deleting another's work."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from jyuso_kb.store.revisions import Store, canonical, content_id

OPS = 150  # per writer
GRAPHS = 4  # distinct small plans, published again and again


def _graph(i: int) -> Graph:
    return Graph().parse(data=f'<urn:a> <urn:b> "x{i}" .', format="nt")


# A child process: prints "ready" once imported, starts at the "go" line on its stdin (so that all start at once),
# and prints its findings as one JSON line. A writer does OPS operations, each on a store opened again (as a process
# starting on a busy store does): publish one of the graphs, or (40 %) activate a stored revision. The reader reads
# the active id, the raw pointer and the history as fast as it can until the file "stop" appears.
CHILD = """
import json, random, sys, time, traceback
from pathlib import Path
from rdflib import Graph
from jyuso_kb.store.revisions import Store, canonical, content_id

role, root, seed, ops, count = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
graphs = [Graph().parse(data=f'<urn:a> <urn:b> "x{i}" .', format="nt") for i in range(count)]
known = {content_id(canonical(g))[0] for g in graphs}
result = {"errors": [], "publish": 0, "activate": 0, "reads": 0, "bad": [], "seen": []}
print("ready", flush=True)
sys.stdin.readline()
if role == "writer":
    rng = random.Random(seed)
    for i in range(ops):
        try:
            store = Store(root)
            ids = [r.id for r in store.history()]
            if ids and rng.random() < 0.4:
                store.activate(rng.choice(ids), f"writer-{seed}")
                result["activate"] += 1
            else:
                store.publish(rng.choice(graphs), f"writer-{seed}", f"op {i}", True)
                result["publish"] += 1
        except Exception:
            result["errors"].append(traceback.format_exc())
else:
    store = Store(root)
    stop, deadline = root.parent / "stop", time.monotonic() + 60
    seen, stored = set(), 0
    def bad(what):
        if len(result["bad"]) < 20:
            result["bad"].append(what)
    while not stop.exists() and time.monotonic() < deadline:
        try:
            active = store.active_id()
            if active is None:
                if seen:
                    bad("active_id() is None after a revision was active")
            elif active not in known or store.get(active) is None:
                bad(f"active_id() {active!r}: no such revision")
            else:
                seen.add(active)
            try:
                raw = (root / "active").read_bytes()
            except FileNotFoundError:
                if seen:
                    bad("the pointer vanished")
            else:
                ident = raw.decode().removesuffix("\\n")
                if ident not in known or not (root / "versions" / ident / "manifest.json").exists():
                    bad(f"the pointer holds {raw!r}")
            history = [r.id for r in store.history()]
            if len(set(history)) != len(history) or not set(history) <= known or len(history) < stored:
                bad(f"history() {history} after {stored} revisions")
            stored = max(stored, len(history))
            result["reads"] += 1
        except Exception:
            result["errors"].append(traceback.format_exc())
    result["seen"] = sorted(seen)
print(json.dumps(result), flush=True)
"""


def _child(role: str, root: Path, seed: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, role, str(root), str(seed), str(OPS), str(GRAPHS)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(process: subprocess.Popen[str]) -> dict[str, Any]:
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    result: dict[str, Any] = json.loads(out.splitlines()[-1])
    return result


@pytest.mark.slow
def test_two_writers_and_a_reader_on_one_store(tmp_path: Path) -> None:
    root = tmp_path / "store"
    graphs = {content_id(canonical(g))[0]: g for g in map(_graph, range(GRAPHS))}
    writers = [_child("writer", root, seed) for seed in (1, 2)]
    reader = _child("reader", root, 0)
    children = [*writers, reader]
    try:
        for child in children:
            assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        started = time.monotonic()
        results = [_finish(writer) for writer in writers]
        elapsed = time.monotonic() - started
        (tmp_path / "stop").touch()
        seen = _finish(reader)
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.communicate()

    for result in results:
        assert result["errors"] == [], result["errors"][0]
        assert result["publish"] + result["activate"] == OPS
    assert seen["errors"] == [], seen["errors"][0]
    assert seen["bad"] == []
    assert seen["reads"] > 0 and len(seen["seen"]) >= 2, f"the reader must overlap the writers ({elapsed:.1f} s)"

    assert not list(root.rglob("*.tmp")), "no temporary file may be left (the store is not reopened here)"
    versions = sorted(p.name for p in (root / "versions").iterdir())
    assert versions == sorted(graphs)
    store = Store(root)
    for ident in versions:
        payload = (root / "versions" / ident / "data.nt").read_bytes()
        assert payload == canonical(graphs[ident])
        revision = store.get(ident)
        assert revision is not None and revision.id == ident
        assert revision.sha256 == hashlib.sha256(payload).hexdigest() and ident == revision.sha256[:16]
        assert isomorphic(store.data(ident), graphs[ident])

    lines = (root / "audit.log").read_text("utf-8").splitlines()
    entries = [json.loads(line) for line in lines]  # whole lines only: appends never interleave
    assert len(lines) == 2 * OPS + len(versions)  # every operation activates; each version is written once
    events = Counter(entry["event"] for entry in entries)
    assert events == {"activate": 2 * OPS, "publish": len(versions)}
    assert sorted(e["revision"] for e in entries if e["event"] == "publish") == versions
    assert all(e["sha256"] == store.get(e["revision"]).sha256 for e in entries)  # type: ignore[union-attr]
    # the audit line is written under the lock that covers the switch: the last one names the active revision
    assert store.active_id() == entries[-1]["revision"]


# Holds the store's lock (fcntl.flock on <store>/lock, as every writer does) with a temporary version directory
# and pointer in progress, prints "holding", and on any line on its stdin dies without cleaning up.
HOLDER = """
import fcntl, os, sys
from pathlib import Path
root, ident = Path(sys.argv[1]), sys.argv[2]
fd = os.open(root / "lock", os.O_RDWR | os.O_CREAT, 0o644)
fcntl.flock(fd, fcntl.LOCK_EX)
tag = f"{os.getpid()}.0123456789ab.tmp"
folder = root / "versions" / f"{ident}.{tag}"
folder.mkdir()
(folder / "data.nt").write_bytes(b'<urn:a> <urn:b> "in progress" .\\n')
(root / f"active.{tag}").write_bytes(ident.encode())
print("holding", flush=True)
sys.stdin.readline()
os._exit(0)
"""


def _in_progress(root: Path) -> dict[Path, bytes]:
    """Every file in a temporary name or directory, with its content."""
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and ".tmp" in p.relative_to(root).as_posix()}


class _Background(threading.Thread):
    """A call in a thread, its result or exception kept for the test."""

    def __init__(self, call: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self.call = call
        self.result: Any = None
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            self.result = self.call()
        except BaseException as err:  # noqa: BLE001 - handed to the test
            self.error = err


def test_opening_a_store_leaves_a_live_writers_temporary_files(tmp_path: Path) -> None:
    root = tmp_path / "store"
    first = Store(root).publish(_graph(0), "setup", "", True)
    new = content_id(canonical(_graph(1)))[0]
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(root), new], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        live = _in_progress(root)
        assert len(live) == 2

        opening = _Background(lambda: Store(root))
        opening.join(10)
        assert not opening.is_alive(), "opening a store must not wait for the lock"
        assert opening.error is None
        assert _in_progress(root) == live
        store = opening.result
        assert store.active_id() == first.id  # readers take no lock, and skip the temporary directory
        assert [r.id for r in store.history()] == [first.id]
        assert store.get(next(p.name for p in (root / "versions").iterdir() if p.name.endswith(".tmp"))) is None

        publishing = _Background(lambda: Store(root).publish(_graph(1), "second", "", True))
        publishing.join(0.5)
        assert publishing.is_alive(), "a writer must wait for the lock"
        assert _in_progress(root) == live

        assert holder.stdin is not None
        holder.stdin.write("die\n")
        holder.stdin.flush()
        assert holder.wait(timeout=10) == 0  # dead, its temporary files left behind; the kernel freed the lock
        publishing.join(10)
        assert not publishing.is_alive() and publishing.error is None
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.communicate()

    assert publishing.result.id == new
    assert not list(root.rglob("*.tmp")), "the next writer, holding the lock, removes a dead writer's leftovers"
    assert store.active_id() == new
    assert isomorphic(store.data(new), _graph(1))
    assert [e["event"] for e in store.audit()] == ["publish", "activate", "publish", "activate"]
