"""``jyuso-kb sparql-server``: Oxigraph's own SPARQL server, read-only, on the national store, for tools outside
the service (a SPARQL client, YASGUI at ``/``, a notebook).

It runs ``oxigraph serve-read-only --location <store>/stores/<n> --bind <host>:<port> --union-default-graph
--timeout-s <seconds>`` (the ``oxigraph`` program of the ``oxigraph`` package, found next to this Python) as a child
that ends with this process (``PR_SET_PDEATHSIG``, even when this process is killed) and gets its SIGTERM and SIGINT.
Queries go to ``/query``; the default graph is every municipality's graph and the vocabulary, ``GRAPH`` names one
(``https://w3id.org/jyuso-kb/graph/municipality/<code>``). Updates are refused (403).

Unlike /v1/sparql it has none of the service's refusals: Oxigraph's server runs ``SERVICE`` (it sends the query to
the URL given), so a client can make it fetch any address it can reach. It is for trusted tools on this machine:
it binds 127.0.0.1 unless ``--allow-remote`` is given with another ``--host``. Its only limit is ``--timeout``.
Oxigraph reads the generation of the store that was current when the server started (the service writes a change
to a new generation, never to that one, so reading stays defined): a publish needs a restart to be seen, and a server
left running past two more changes loses its generation (the store keeps three).

Exit codes: 0 when stopped (SIGTERM, Ctrl+C), 2 bad input (no store, no ``oxigraph`` program, a remote host
without ``--allow-remote``, Oxigraph failing to start, e.g. the port is taken).
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
from pathlib import Path
from types import FrameType

from jyuso_kb.cli.common import EXIT_OK
from jyuso_kb.errors import InputError
from jyuso_kb.lifetime import die_with_parent
from jyuso_kb.store import national

DEFAULT_PORT = 7878
DEFAULT_TIMEOUT = 30
STORE_ENV = "JYUSO_KB_NATIONAL_STORE"


def oxigraph_program() -> Path | None:
    """The ``oxigraph`` program of the ``oxigraph`` package: in this Python's scripts folder, next to it, or on
    PATH."""
    for folder in (Path(sysconfig.get_path("scripts")), Path(sys.executable).parent):
        candidate = folder / "oxigraph"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("oxigraph")
    return Path(found) if found else None


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _store(given: str | None) -> tuple[Path, int]:
    text = given or os.environ.get(STORE_ENV, "")
    if not text:
        raise InputError(
            "no_national_store",
            "全国ストアのフォルダが指定されていません。",
            "--store",
            f"--store か環境変数 {STORE_ENV} で、jyuso-kb serve が作った全国ストアのフォルダを指定してください。",
        )
    root = Path(text)
    if not national.oxigraph_dir(root).is_dir() or not (root / "manifest.json").is_file():
        raise InputError(
            "national_store_missing",
            "全国ストアが見つかりません(manifest.json と、それが指すストアのあるフォルダではありません)。",
            str(root),
            f"{STORE_ENV} を付けて jyuso-kb serve を一度起動すると、そのフォルダに全国ストアが作られます。",
        )
    try:
        count = len(national.read_manifest(root).entries)
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise InputError(
            "national_store_unreadable", "全国ストアの manifest.json を読めません。", str(root), type(err).__name__
        ) from err
    return root, count


def cmd_sparql_server(args: argparse.Namespace) -> int:
    root, count = _store(args.store)
    if not is_loopback(args.host) and not args.allow_remote:
        raise InputError(
            "remote_host_refused",
            "このサーバーはこの機械の中のツールのためのものです(SERVICE で外部の URL を取りに行けるため)。",
            "--host",
            "127.0.0.1 のまま使ってください。ほかの機械から使うときは --allow-remote を付け、信頼できる相手だけが"
            "つなげるようにしてください。",
        )
    program = oxigraph_program()
    if program is None:
        raise InputError(
            "oxigraph_missing",
            "oxigraph(Oxigraph のサーバー)が見つかりません。",
            "oxigraph",
            "pip install oxigraph で入れてください(jyuso-kb の依存に含まれています)。",
        )
    bind = f"[{args.host}]:{args.port}" if ":" in args.host else f"{args.host}:{args.port}"
    command = [str(program), "serve-read-only", "--location", str(national.oxigraph_dir(root)), "--bind", bind]
    command += ["--union-default-graph", "--timeout-s", str(args.timeout)]
    parent = os.getpid()
    child = subprocess.Popen(command, stdin=subprocess.DEVNULL, preexec_fn=lambda: die_with_parent(parent))
    stopped: list[int] = []

    def forward(signum: int, frame: FrameType | None) -> None:
        stopped.append(signum)
        child.send_signal(signum)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGTERM, signal.SIGINT)}
    sys.stderr.write(
        f"SPARQL エンドポイント: http://{bind}/query(読み取り専用、{count} 市町村、全国ストア {root})。"
        "止めるには Ctrl+C。\n"
    )
    try:
        code = child.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if stopped or code == 0:
        return EXIT_OK
    raise InputError(
        "sparql_server_failed",
        f"Oxigraph のサーバーが終了しました(終了コード {code})。",
        bind,
        "ポートがほかのプログラムに使われていないか、全国ストアのフォルダを確認してください。",
    )


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"1 から 65535 までのポート番号を指定してください: {text}")
    return int(text)


def _seconds(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"1 以上の秒数(整数)を指定してください: {text}")
    return int(text)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "sparql-server",
        help="全国ストアを読み取り専用の SPARQL サーバー(Oxigraph)で開く(この機械のツール向け)",
    )
    p.add_argument(
        "--store",
        metavar="DIR",
        help=f"全国ストアのフォルダ(省略時は環境変数 {STORE_ENV})",
    )
    p.add_argument("--host", default="127.0.0.1", help="待ち受けるアドレス(既定 127.0.0.1)")
    p.add_argument("--port", type=_port, default=DEFAULT_PORT, help=f"待ち受けるポート(既定 {DEFAULT_PORT})")
    p.add_argument(
        "--timeout",
        type=_seconds,
        default=DEFAULT_TIMEOUT,
        help=f"1つのクエリの時間の上限(秒、既定 {DEFAULT_TIMEOUT})",
    )
    p.add_argument(
        "--allow-remote",
        action="store_true",
        help="127.0.0.1 以外のアドレスで待ち受けることを許す(SERVICE で外部の URL を取りに行けるので注意)",
    )
    p.set_defaults(func=cmd_sparql_server)
