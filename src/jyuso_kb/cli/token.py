"""``jyuso-kb token new``: a new random bearer token and the line that lets the service accept it.

The service keeps only the token's SHA-256 (the file ``JYUSO_KB_TOKENS_FILE``, see :mod:`jyuso_kb.store.tokens`);
the token itself is printed once, here, and stored nowhere.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import secrets
import sys
import unicodedata
from typing import Any

from jyuso_kb.cli.common import EXIT_OK, dump
from jyuso_kb.errors import InputError
from jyuso_kb.plan.workbook.template import check_code

TOKEN_BYTES = 32  # 256 random bits, 43 characters of URL-safe Base64
ROLE_NAMES = {"policy": "政策担当", "staff": "窓口"}  # the default name of a token of each role
MAX_NAME = 80
_NOT_IN_A_NAME = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def entry(token: str, role: str, name: str, municipalities: list[str]) -> dict[str, Any]:
    """The tokens file's entry for this token: its name, role, SHA-256 and (when limited) municipalities."""
    line: dict[str, Any] = {"name": name, "role": role, "sha256": hashlib.sha256(token.encode()).hexdigest()}
    if municipalities:
        line["municipalities"] = municipalities
    return line


def _name(text: str | None, role: str) -> str:
    name = (text or ROLE_NAMES[role]).strip()
    if not name or len(name) > MAX_NAME or any(unicodedata.category(ch) in _NOT_IN_A_NAME for ch in name):
        raise InputError(
            "bad_name",
            f"名前は改行や制御文字を含まない {MAX_NAME} 文字以内で書いてください。",
            "--name",
            "誰のトークンかが分かる名前(例: 春日井市 政策担当)を 1 行で書いてください。",
        )
    return name


def cmd_token_new(args: argparse.Namespace) -> int:
    codes = [check_code(code, "--municipality") for code in dict.fromkeys(args.municipality or ())]
    token = secrets.token_urlsafe(TOKEN_BYTES)
    line = entry(token, args.role, _name(args.name, args.role), codes)
    if args.json:
        dump({"token": token, "entry": line})
        return EXIT_OK
    sys.stdout.write(
        "新しいトークン(使う人にだけ渡してください。ここで一度表示するだけで、どこにも保存されません):\n"
        f"{token}\n"
        'トークンのファイル(JYUSO_KB_TOKENS_FILE)の "tokens" の一覧に加える行:\n'
        f"{json.dumps(line, ensure_ascii=False)}\n"
    )
    return EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("token", help="公開・閲覧に使うトークンを作る")
    actions = p.add_subparsers(dest="token_command", required=True, title="操作", metavar="操作")
    new = actions.add_parser("new", help="新しいトークンと、トークンのファイルに加える行を表示する")
    new.add_argument(
        "--role", required=True, choices=sorted(ROLE_NAMES), help="policy(政策担当: 公開と切り替え)、staff(窓口: 閲覧)"
    )
    new.add_argument("--name", help="誰のトークンか(省略時は役割の名前: 政策担当 / 窓口)。版の履歴と監査ログに出る")
    new.add_argument(
        "--municipality",
        action="append",
        metavar="CODE",
        help="このトークンが公開できる市町村の全国地方公共団体コード(繰り返し指定できる。省略時はすべての市町村)",
    )
    new.add_argument("--json", action="store_true", help='{"token", "entry"} を JSON で出力する')
    new.set_defaults(func=cmd_token_new)
