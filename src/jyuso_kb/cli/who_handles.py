"""``jyuso-kb who-handles``: departments ranked for a question as residents phrase it."""

from __future__ import annotations

import argparse
import sys

from jyuso_kb.answer.who_handles import who_handles
from jyuso_kb.cli.common import EXIT_OK, add_plan_arguments, dump, plan_of
from jyuso_kb.index import routing as routing_index


def cmd_who_handles(args: argparse.Namespace) -> int:
    index = routing_index.build(plan_of(args))
    answer = who_handles(index, args.text)
    if args.json:
        dump(answer)
        return EXIT_OK
    if not answer["results"]:
        sys.stdout.write(f"「{args.text}」に当てはまる担当課が見つかりませんでした。言い換えてお試しください。\n")
    for rank, result in enumerate(answer["results"], 1):
        matched = "、".join(f"「{m['text']}」→{m['need_label']}({m['role']})" for m in result["matched"])
        sys.stdout.write(f"{rank}. {result['department']['label']}  スコア {result['score']}  {matched}\n")
    return EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("who-handles", help="住民の言葉の質問から担当課を順位付けて答える")
    p.add_argument("text", help="質問(例: 隣の空き家が心配)")
    p.add_argument("--json", action="store_true")
    add_plan_arguments(p)
    p.set_defaults(func=cmd_who_handles)
