"""``jyuso-kb serve``: the web API on uvicorn (the one command that starts ``serve/``)."""

from __future__ import annotations

import argparse
import os

from jyuso_kb.cli.common import EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from jyuso_kb.serve.logsafety import LOG_CONFIG

    if args.data:
        os.environ["JYUSO_KB_DATA"] = os.pathsep.join(args.data)
    uvicorn.run(
        "jyuso_kb.serve.app:app_factory",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        access_log=False,
        log_config=LOG_CONFIG,
        server_header=False,
        date_header=True,
    )
    return EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="Web API を起動する(省略時は組み込みの計画)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1, help="プロセス数")
    p.add_argument("--data", nargs="+", help="計画のファイルまたはフォルダ(省略時は組み込みの計画)")
    p.set_defaults(func=cmd_serve)
