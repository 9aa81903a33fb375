"""``jyuso-kb serve``: the web API on uvicorn (the one command that starts ``serve/``).

Limits for slow or many clients are uvicorn's: an idle keep-alive connection is closed after
``--timeout-keep-alive`` seconds, requests still running ``--timeout-graceful-shutdown`` seconds after SIGTERM are
cancelled (an upload's child with them), a request arriving while ``--limit-concurrency`` connections are open is answered
503 at once, and a request line and headers longer than ``--h11-max-incomplete-event-size`` bytes get 400 (as does a
URL with raw non-ASCII bytes; both in the service's JSON error shape, see ``serve/h11_errors.py``). Behind a
reverse proxy, ``--forwarded-allow-ips`` names the proxy whose ``X-Forwarded-For`` / ``X-Forwarded-Proto`` are
believed (``--no-proxy-headers`` believes none).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable

from jyuso_kb.cli.common import EXIT_OK

TIMEOUT_KEEP_ALIVE = 5
LIMIT_CONCURRENCY = 200
H11_MAX_INCOMPLETE_EVENT_SIZE = 16 * 1024  # h11's own default, stated
TIMEOUT_GRACEFUL_SHUTDOWN = 10


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from jyuso_kb.serve.h11_errors import JsonErrorH11Protocol
    from jyuso_kb.serve.logsafety import LOG_CONFIG

    if args.data:
        os.environ["JYUSO_KB_DATA"] = os.pathsep.join(args.data)
    if args.default_municipality:
        os.environ["JYUSO_KB_DEFAULT_MUNICIPALITY"] = args.default_municipality
    uvicorn.run(
        "jyuso_kb.serve.app:app_factory",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        # h11 (the implementation --h11-max-incomplete-event-size applies to; httptools is not a dependency), with
        # the service's JSON error for a request it cannot read (raw UTF-8 in the URL, a request line too long)
        http=JsonErrorH11Protocol,
        timeout_keep_alive=args.timeout_keep_alive,
        timeout_graceful_shutdown=args.timeout_graceful_shutdown,
        limit_concurrency=args.limit_concurrency,
        h11_max_incomplete_event_size=args.h11_max_incomplete_event_size,
        proxy_headers=args.proxy_headers,
        forwarded_allow_ips=args.forwarded_allow_ips,
        access_log=False,
        log_config=LOG_CONFIG,
        server_header=False,
        date_header=True,
    )
    return EXIT_OK


def _at_least(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"整数で指定してください: {text}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{minimum} 以上にしてください: {value}")
        return value

    return parse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="Web API を起動する(省略時は組み込みの計画)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=_at_least(1), default=1, help="プロセス数")
    p.add_argument(
        "--data",
        nargs="+",
        action="extend",
        metavar="DIR",
        help="市町村ごとの計画のフォルダ・ワークブック・ファイル、または市町村ごとのフォルダを持つフォルダ"
        "(繰り返し指定できる。省略時は組み込みの計画)",
    )
    p.add_argument(
        "--default-municipality",
        metavar="CODE",
        help="/v1/municipalities/{code}/ の付かないパスが答える市町村の全国地方公共団体コード(省略時は最初の計画)",
    )
    p.add_argument(
        "--timeout-keep-alive",
        type=_at_least(1),
        default=TIMEOUT_KEEP_ALIVE,
        help=f"使われていない keep-alive 接続を閉じるまでの秒数(既定 {TIMEOUT_KEEP_ALIVE})",
    )
    p.add_argument(
        "--timeout-graceful-shutdown",
        type=_at_least(1),
        default=TIMEOUT_GRACEFUL_SHUTDOWN,
        help="SIGTERM の後、処理中の要求を待つ秒数: 過ぎると打ち切り、検証中の子プロセスも止める"
        f"(既定 {TIMEOUT_GRACEFUL_SHUTDOWN})",
    )
    p.add_argument(
        "--limit-concurrency",
        type=_at_least(2),
        default=LIMIT_CONCURRENCY,
        help="プロセスごとの同時接続の上限: この数の接続が開いている間に届いた要求には 503 を返す"
        f"(既定 {LIMIT_CONCURRENCY})",
    )
    p.add_argument(
        "--h11-max-incomplete-event-size",
        type=_at_least(1024),
        default=H11_MAX_INCOMPLETE_EVENT_SIZE,
        help=f"要求行とヘッダーの上限バイト数: 超えると 400(既定 {H11_MAX_INCOMPLETE_EVENT_SIZE})",
    )
    p.add_argument(
        "--proxy-headers",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="--forwarded-allow-ips のプロキシが送る X-Forwarded-For / X-Forwarded-Proto を信じる(既定: 信じる)",
    )
    p.add_argument(
        "--forwarded-allow-ips",
        default=None,
        help="X-Forwarded-* を信じるプロキシの IP(カンマ区切り、* はすべて)。"
        "既定は環境変数 FORWARDED_ALLOW_IPS、なければ 127.0.0.1,::1",
    )
    p.set_defaults(func=cmd_serve)
