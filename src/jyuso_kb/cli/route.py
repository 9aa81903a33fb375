"""``jyuso-kb route``: a household → programmes, departments, bodies, meetings, and why."""

from __future__ import annotations

import argparse
import re
import sys
from datetime import date
from typing import Any

from jyuso_kb.answer import route as routing
from jyuso_kb.cli.common import EXIT_OK, add_plan_arguments, dump, plan_of
from jyuso_kb.errors import InputError
from jyuso_kb.index import routing as routing_index


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as err:
        raise InputError(
            "bad_date", f"日付 {text!r} を読めません。", "--as-of", "YYYY-MM-DD の形で指定してください。"
        ) from err


def _member(text: str) -> routing.Member:
    age_text, _, needs = text.partition(":")
    who, _, age_text = age_text.rpartition("=")
    if not age_text.strip().isdigit():
        raise InputError(
            "bad_member",
            "世帯員は「年齢:ニーズ,ニーズ」(続柄を付けるなら「続柄=年齢:ニーズ」)の形で指定してください。",
            "--member",
            "例: 82:親の介護、母=82:足腰が弱ってきた",
        )
    return routing.Member(int(age_text), tuple(n for n in needs.split(",") if n.strip()), who.strip())


def cmd_route(args: argparse.Namespace) -> int:
    consent = {"yes": True, "no": False, None: None}[args.consent]
    as_of = _date(args.as_of) if args.as_of else None
    household = routing.Household(
        needs=tuple(args.need or ()),
        members=tuple(_member(m) for m in args.member or ()),
        consent=consent,
        as_of=as_of,
    )
    index = routing_index.build(plan_of(args))
    if as_of is not None and (refused := routing.as_of_error(index, as_of, "--as-of")) is not None:
        raise refused
    answer = routing.route(index, household)
    if args.json:
        dump(answer)
    else:
        sys.stdout.write(render_route(answer))
    return EXIT_OK


def render_route(answer: dict[str, Any]) -> str:
    """The route answer as a readable Japanese text."""
    year = with_era(f"{answer['fiscal_year']}年度")
    lines = [f"基準日: {answer['as_of']}  年度: {year}  本人同意: {answer['consent_label']}"]
    if answer.get("notice"):  # as JSON and the web page give it: a reference date outside the plan period
        lines.append(f"注意: {with_era(answer['notice'])}")
    if answer["needs"]:
        lines.append("ニーズ: " + "、".join(_needs(answer["needs"])))
    if answer["unmatched"]:
        lines.append("認識できなかった入力: " + "、".join(answer["unmatched"]))
    for position, member in enumerate(answer.get("members") or (), 1):
        who = member["label"] or f"世帯員{position}"
        age = f"{member['age']}歳" if member["age"] is not None else "年齢不明"
        named = "、".join([n["label"] for n in member["needs"]] + [f"「{t}」" for t in member["unmatched"]])
        lines.append(f"世帯員: {who}({age})" + (f" {named}" if named else ""))
    sections = (
        ("事業", answer["programs"]),
        ("担当課", answer["departments"]),
        ("相談機関", answer["bodies"]),
        ("会議", answer["meetings"]),
        ("準備中(この年度は未実施)", answer["planned"]),
    )
    for title, items in sections:
        if not items:
            continue
        lines.append("")
        lines.append(f"■ {title}")
        for item in items:
            extra = ""
            if item.get("legal_basis"):
                extra = f"  [{'、'.join(item['legal_basis'])}]"
            if item.get("functions"):
                extra += f"  機能: {'、'.join(item['functions'])}"
            if item.get("status"):
                extra += f"  状況: {item['status']}"
            role = item.get("role") or item.get("kind", "")
            lines.append(f"・{item['label']}" + (f"({role})" if role and role != item["label"] else "") + extra)
            for why in item["why"]:
                cite = "、".join([f"計画{why['section']}", *why["legal_item"]])
                lines.append(f"    なぜ: {why['text']}({cite}、ルール {why['rule']})")
    return "\n".join(lines) + "\n"


def _needs(needs: list[dict[str, Any]]) -> list[str]:
    """Each need once, in the order first named, after what was typed for it where that differs from its label:
    「ひきこもりの息子 → ひきこもり」, 「空き家」."""
    typed: dict[str, list[str]] = {}
    for need in needs:
        said = typed.setdefault(need["label"], [])
        if need["input"] != need["label"] and need["input"] not in said:
            said.append(need["input"])
    return [f"{'、'.join(said)} → {label}" if said else label for label, said in typed.items()]


ERA_START = 2019  # 令和元年 (fiscal years before it are 平成)
_WESTERN_YEARS = re.compile(r"(\d{4})(?:〜(\d{4}))?年度(?!\()")


def era_year(year: int) -> str:
    """「令和8」 for 2026, 「令和元」 for 2019, 「平成30」 for 2018."""
    era, first = ("令和", ERA_START) if year >= ERA_START else ("平成", 1989)
    n = year - first + 1
    return f"{era}{'元' if n == 1 else n}"


def _era_span(found: re.Match[str]) -> str:
    start, end = int(found.group(1)), found.group(2)
    span = era_year(start)
    if end is not None:
        last = era_year(int(end))
        span += f"〜{last[2:]}" if span[:2] == last[:2] else f"〜{last}"
    within = found.string[found.end() : found.end() + 1] == ")"  # already in brackets: (2024〜2026年度、令和6〜8年度)
    return f"{found.group(0)}、{span}年度" if within else f"{found.group(0)}({span}年度)"


def with_era(text: str) -> str:
    """Western fiscal years with their Japanese era beside them: 2026年度(令和8年度), 2024〜2026年度(令和6〜8年度)."""
    return _WESTERN_YEARS.sub(_era_span, text)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("route", help="世帯のニーズから、つなぐ事業・課・会議を答える")
    p.add_argument("--need", action="append", help="ニーズ(日本語またはニーズID)。複数指定できる")
    p.add_argument(
        "--member", action="append", help="世帯員「[続柄=]年齢:ニーズ,ニーズ」(例: 82:親の介護、母=82:足腰が弱ってきた)"
    )
    p.add_argument("--consent", choices=["yes", "no"], help="本人同意(省略時は不明)")
    p.add_argument(
        "--as-of",
        help="基準日 YYYY-MM-DD(省略時は今日)。重層的支援体制整備事業の開始前や計画の期間から遠い日付は受け付けない",
    )
    p.add_argument("--json", action="store_true")
    add_plan_arguments(p)
    p.set_defaults(func=cmd_route)
