"""``jyuso-kb sparql-server``: Oxigraph's read-only server on the national store, a child that ends with the command.

The command runs in its own process (as a user starts it) on a free port of 127.0.0.1, over a national store of
魚津市 and 架空町; every request goes to 127.0.0.1 only.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from jyuso_kb import resources
from jyuso_kb.store import national

from .conftest import KASOU_DIR

SRC = Path(__file__).resolve().parents[1] / "src"
RUN = "import sys; from jyuso_kb.cli import main; sys.exit(main(sys.argv[1:]))"
GRAPHS = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"

pytestmark = pytest.mark.slow


def _command(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    environment = {k: v for k, v in os.environ.items() if k != "JYUSO_KB_NATIONAL_STORE"}
    environment |= {"PYTHONPATH": str(SRC), **(env or {})}
    return subprocess.Popen(
        [sys.executable, "-c", RUN, "sparql-server", *args],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _running(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def _gone(pid: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while _running(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _ask(base: str, path: str, data: bytes | None = None, kind: str | None = None) -> tuple[int, bytes]:
    headers = {"accept": "application/sparql-results+json", **({"content-type": kind} if kind else {})}
    request = urllib.request.Request(base + path, data=data, headers=headers, method="POST" if data else "GET")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def _select(base: str, query: str) -> list[dict[str, str]]:
    status, body = _ask(base, "/query?query=" + urllib.parse.quote(query))
    assert status == 200, body
    return [{k: v["value"] for k, v in row.items()} for row in json.loads(body)["results"]["bindings"]]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("national")
    national.build([resources.municipality_dir(), KASOU_DIR], root)
    return root


@pytest.fixture
def server(store: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    port = _free_port()
    command = _command("--store", str(store), "--port", str(port))
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            assert command.poll() is None, command.communicate()
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
    try:
        yield command, base
    finally:
        if command.poll() is None:
            command.kill()
        command.communicate(timeout=30)


def test_answers_read_only_and_ends_its_child_on_sigterm(server: tuple[subprocess.Popen[str], str]) -> None:
    command, base = server
    assert _select(base, GRAPHS) == [{"n": "3"}]  # 魚津市, 架空町 and the vocabulary
    codes = (
        "PREFIX jy: <https://w3id.org/jyuso-kb/ontology#> SELECT ?c WHERE { ?m jy:localGovernmentCode ?c } ORDER BY ?c"
    )
    assert _select(base, codes) == [{"c": "162043"}, {"c": "999008"}]  # the default graph: every municipality
    status, _ = _ask(base, "/update", b"DELETE WHERE { ?s ?p ?o }", "application/sparql-update")
    assert status == 403
    status, _ = _ask(base, "/store?default", b"<urn:a> <urn:b> <urn:c> .", "application/n-triples")
    assert status == 403
    assert _select(base, GRAPHS) == [{"n": "3"}]
    (child,) = _children(command.pid)
    command.send_signal(signal.SIGTERM)
    _, err = command.communicate(timeout=30)
    assert command.returncode == 0
    assert "http://127.0.0.1:" in err and "Traceback" not in err
    assert _gone(child)


def test_the_child_ends_when_the_command_is_killed(server: tuple[subprocess.Popen[str], str]) -> None:
    command, base = server
    (child,) = _children(command.pid)
    command.kill()  # SIGKILL: no handler runs, the kernel ends the child (PR_SET_PDEATHSIG)
    command.communicate(timeout=30)
    assert _gone(child)


def test_oxigraph_runs_service_which_is_why_it_stays_on_loopback(server: tuple[subprocess.Popen[str], str]) -> None:
    """Oxigraph's server sends a SERVICE query to the URL it names (here a listener of the test on 127.0.0.1): the
    command binds 127.0.0.1 unless told otherwise. (SERVICE to port 1 fails before any connection: Oxigraph refuses
    ports reserved for other protocols.)"""
    _, base = server
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(10)
        port = listener.getsockname()[1]
        heard: list[bytes] = []

        def accept() -> None:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                heard.append(connection.recv(4096))

        thread = threading.Thread(target=accept)
        thread.start()
        _ask(
            base,
            "/query?query="
            + urllib.parse.quote(f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"),
        )
        thread.join(15)
    assert heard and heard[0].startswith(b"POST /sparql ")
    status, body = _ask(
        base, "/query?query=" + urllib.parse.quote("SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }")
    )
    assert status == 200 and b"not allowed" in body  # the error is written into the streamed answer


@pytest.mark.parametrize(
    ("args", "env", "code"),
    [
        (["--store", "/nonexistent/national"], None, "全国ストアが見つかりません"),
        ([], None, "全国ストアのフォルダが指定されていません"),
        ([], {"JYUSO_KB_NATIONAL_STORE": "/nonexistent/national"}, "全国ストアが見つかりません"),
        (["--host", "0.0.0.0"], None, "この機械の中のツールのためのもの"),
        (["--port", "70000"], None, "ポート番号"),
    ],
)
def test_bad_input_exits_2_in_japanese(store: Path, args: list[str], env: dict[str, str] | None, code: str) -> None:
    if "--host" in args:
        args = [*args, "--store", str(store)]
    command = _command(*args, env=env)
    _, err = command.communicate(timeout=60)
    assert command.returncode == 2
    assert code in err and "Traceback" not in err


def test_a_taken_port_exits_2(store: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        command = _command("--store", str(store), "--port", str(taken.getsockname()[1]))
        _, err = command.communicate(timeout=60)
    assert command.returncode == 2
    assert "Oxigraph のサーバーが終了しました" in err
