"""Command line: ``jyuso-kb <command>``, one module per command (each has ``register``), listed in COMMANDS.

Exit codes: 0 ok, 1 the plan does not conform, 2 bad input (unreadable file, syntax error, bad arguments).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from jyuso_kb import __version__
from jyuso_kb.cli import (
    check,
    diff,
    export,
    programs,
    render,
    route,
    serve,
    sparql_server,
    token,
    validate,
    who_handles,
    workbook,
)
from jyuso_kb.cli.common import EXIT_BAD_INPUT, EXIT_OK, place
from jyuso_kb.cli.parser import VERSION_HELP, JapaneseArgumentParser
from jyuso_kb.errors import InputError

COMMANDS = (validate, export, programs, route, who_handles, diff, serve, sparql_server, workbook, render, check, token)


def build_parser() -> argparse.ArgumentParser:
    parser = JapaneseArgumentParser(
        prog="jyuso-kb", description="重層的支援体制整備事業 実施計画の知識ベース (jyuso-kb)"
    )
    parser.add_argument("--version", action="version", version=f"jyuso-kb {__version__}", help=VERSION_HELP)
    sub = parser.add_subparsers(dest="command", required=True, title="コマンド", metavar="コマンド")
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except InputError as err:
        for problem in getattr(err, "problems", ()) or (err,):
            sys.stderr.write(f"エラー: {problem.message}\n")
            if problem.where:
                sys.stderr.write(f"  場所: {place(problem.where)}\n")
            if problem.hint:
                sys.stderr.write(f"  ヒント: {problem.hint}\n")
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # the reader stopped early (`jyuso-kb check | head`): what it wanted was written; no traceback, and no second
        # error when Python flushes standard output at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
