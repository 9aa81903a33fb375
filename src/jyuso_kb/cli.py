"""Command line: ``jyuso-kb validate | export | programs | check``.

Exit codes: 0 ok, 1 the plan does not conform, 2 bad input (unreadable file, syntax error, bad arguments).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from rdflib import RDF, RDFS, Graph

from . import __version__, catalog, consistency, export, quality, render, routing, routing_index, validation, workbook
from .errors import InputError
from .kb import PlanSource, load_embedded, load_vocabulary
from .namespaces import JY
from .rdf_input import read_files

EXIT_OK, EXIT_NOT_CONFORMING, EXIT_BAD_INPUT = 0, 1, 2


def _plan(paths: Sequence[str] | None) -> PlanSource:
    """The plan in these Turtle / JSON-LD files, folders or workbooks (.xlsx, CSV folder); default 魚津市."""
    return workbook.load_source([Path(p) for p in paths]) if paths else load_embedded()


def _plan_with_locations(paths: Sequence[str]) -> tuple[PlanSource, list[workbook.WorkbookIndex]]:
    """Like _plan, plus where each fact stood in the workbooks (sheet, row, column) for the report."""
    data = Graph()
    indexes = []
    for path in map(Path, paths):
        if workbook.is_workbook(path):
            graph, index = workbook.read_workbook(path)
            data += graph
            indexes.append(index)
        else:
            data += read_files([path])
    return PlanSource(load_vocabulary(), data, ", ".join(paths)), indexes


def _dump(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def cmd_validate(args: argparse.Namespace) -> int:
    plan, indexes = _plan_with_locations(args.paths) if args.paths else (load_embedded(), [])
    report = validation.validate(plan)
    if indexes:
        located = []
        for finding in report.findings:
            where = next(
                (w for w in (workbook.locate(i, finding.focus, finding.path or None) for i in indexes) if w), ""
            )
            located.append(replace(finding, location=where))
        report = replace(report, findings=tuple(located))
    failed = [r for r in quality.run(plan.merged()) if r.check.severity == "error" and not r.passed]
    conforms = report.conforms and not failed
    if args.json:
        _dump({**report.as_dict(), "conforms": conforms, "checks": [r.as_dict() for r in failed]})
    else:
        sys.stdout.write(validation.render_text(report) + "\n")
        for result in failed:
            sys.stdout.write(_render_check(result))
    return EXIT_OK if conforms else EXIT_NOT_CONFORMING


def _render_check(result: quality.CheckResult) -> str:
    kind = "違反" if result.check.severity == "error" else "警告"
    lines = ["", f"[{kind}] 品質チェック {result.check.name}: {result.check.title}"]
    lines += [f"  対象: {' '.join(row)}" for row in result.rows[:20]]
    if len(result.rows) > 20:
        lines.append(f"  …ほか {len(result.rows) - 20} 件")
    if result.check.hint:
        lines.append(f"  直し方: {result.check.hint}")
    return "\n".join(lines) + "\n"


def cmd_export(args: argparse.Namespace) -> int:
    plan = _plan(args.data)
    graph = plan.merged() if args.with_vocabulary else plan.data
    if args.format == "csv":
        graph = plan.merged()
    sys.stdout.write(export.export(graph, args.format))
    return EXIT_OK


def cmd_programs(args: argparse.Namespace) -> int:
    rows = catalog.programs(_plan(args.data).merged())
    if args.json:
        _dump({"programs": rows})
        return EXIT_OK
    for row in rows:
        new = "【新規】" if row["new"] else ""
        sys.stdout.write(f"{row['source']:<6} {row['label']}{new}\n")
        sys.stdout.write(f"       根拠: {'、'.join(row['legal_basis'])}\n")
        sys.stdout.write(
            f"       所管課: {'、'.join(d['label'] for d in row['departments'])}  実施方式: {row['implementation']}\n"
        )
        if row["operators"]:
            sys.stdout.write(f"       委託先・実施場所: {'、'.join(o['label'] for o in row['operators'])}\n")
        sys.stdout.write(f"       支援対象者: {row['target_group']}\n")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    plan = _plan(args.data)
    merged = plan.merged()
    report = validation.validate(plan)
    checks = quality.run(merged)
    try:
        owl = consistency.check(merged)
    except (OSError, subprocess.CalledProcessError) as err:
        raise InputError(
            "reasoner_unavailable",
            "OWL 推論器(HermiT)を実行できません。",
            "java",
            "Java ランタイムをインストールしてください(例: apt-get install default-jre-headless)。",
        ) from err
    failed = [r for r in checks if r.check.severity == "error" and not r.passed]
    ok = report.conforms and owl.consistent and not failed
    if args.json:
        _dump(
            {
                "conforms": ok,
                "shacl": report.as_dict(),
                "owl": {"consistent": owl.consistent, "detail": owl.detail},
                "checks": [r.as_dict() for r in checks],
                "counts": counts(merged),
            }
        )
        return EXIT_OK if ok else EXIT_NOT_CONFORMING
    out = sys.stdout
    verdict = "適合" if report.conforms else "不適合"
    out.write(f"SHACL: {verdict}(違反 {len(report.violations)}件、指摘 {len(report.findings)}件)\n")
    out.write(f"OWL: {owl.detail}\n")
    for result in checks:
        mark = "OK " if result.passed else ("NG " if result.check.severity == "error" else "注意")
        out.write(f"品質チェック {mark} {result.check.name}: {result.check.title}({len(result.rows)}件)\n")
    out.write("件数: " + "、".join(f"{k} {v}" for k, v in counts(merged).items()) + "\n")
    if not report.conforms:
        out.write("\n" + validation.render_text(report) + "\n")
    for result in failed:
        out.write(_render_check(result))
    out.write(f"\n総合: {'適合' if ok else '不適合'}\n")
    return EXIT_OK if ok else EXIT_NOT_CONFORMING


def counts(graph: Any) -> dict[str, int]:
    """How many things of each kind the plan states (a completeness summary)."""
    kinds = {
        "実施事業": "ImplementingProgram",
        "担当課": "Department",
        "業務・相談": "Duty",
        "連携マトリクスのセル": "CollaborationCell",
        "会議体": "Meeting",
        "スケジュールの行": "ScheduleRow",
        "年度ごとの予定": "ScheduleEntry",
        "関連計画": "RelatedPlan",
        "現状・課題": "Challenge",
        "目指す姿": "Goal",
        "ニーズ": "Need",
    }
    out = {}
    for ja, name in kinds.items():
        classes = set(graph.transitive_subjects(RDFS.subClassOf, JY[name]))
        out[ja] = len({s for cls in classes for s in graph.subjects(RDF.type, cls)})
    return out


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as err:
        raise InputError(
            "bad_date", f"日付 {text!r} を読めません。", "--as-of", "YYYY-MM-DD の形で指定してください。"
        ) from err


def _member(text: str) -> routing.Member:
    age_text, _, needs = text.partition(":")
    if not age_text.strip().isdigit():
        raise InputError(
            "bad_member", "世帯員は「年齢:ニーズ,ニーズ」の形で指定してください。", "--member", "例: 82:親の介護"
        )
    return routing.Member(int(age_text), tuple(n for n in needs.split(",") if n.strip()))


def cmd_route(args: argparse.Namespace) -> int:
    consent = {"yes": True, "no": False, None: None}[args.consent]
    household = routing.Household(
        needs=tuple(args.need or ()),
        members=tuple(_member(m) for m in args.member or ()),
        consent=consent,
        as_of=_date(args.as_of) if args.as_of else None,
    )
    index = routing_index.build(_plan(args.data))
    answer = routing.route(index, household)
    if args.json:
        _dump(answer)
    else:
        sys.stdout.write(render_route(answer))
    return EXIT_OK


def render_route(answer: dict[str, Any]) -> str:
    """The route answer as a readable Japanese text."""
    consent = {"yes": "同意あり", "no": "同意なし", "unknown": "同意不明"}[answer["consent"]]
    lines = [f"基準日: {answer['as_of']}({answer['fiscal_year']}年度)  本人同意: {consent}"]
    lines.append("ニーズ: " + "、".join(f"{n['input']} → {n['label']}" for n in answer["needs"]))
    if answer["unmatched"]:
        lines.append("認識できなかった入力: " + "、".join(answer["unmatched"]))
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
            lines.append(f"・{item['label']}({item.get('role') or item.get('kind', '')}){extra}")
            for why in item["why"]:
                cite = "、".join([f"計画{why['section']}", *why["legal_item"]])
                lines.append(f"    なぜ: {why['text']}({cite}、ルール {why['rule']})")
    return "\n".join(lines) + "\n"


def cmd_who_handles(args: argparse.Namespace) -> int:
    index = routing_index.build(_plan(args.data))
    answer = routing.who_handles(index, args.text)
    if args.json:
        _dump(answer)
        return EXIT_OK
    if not answer["results"]:
        sys.stdout.write(f"「{args.text}」に当てはまる担当課が見つかりませんでした。言い換えてお試しください。\n")
    for rank, result in enumerate(answer["results"], 1):
        matched = "、".join(f"「{m['text']}」→{m['need_label']}({m['role']})" for m in result["matched"])
        sys.stdout.write(f"{rank}. {result['department']['label']}  スコア {result['score']}  {matched}\n")
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    from .diff import render_text, semantic_diff

    old = _plan([args.old])
    new = _plan([args.new])
    result = semantic_diff(old.data, new.data, old.vocabulary)
    if args.json:
        _dump(result)
    else:
        sys.stdout.write(render_text(result))
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .logsafety import LOG_CONFIG

    if args.data:
        os.environ["JYUSO_KB_DATA"] = os.pathsep.join(args.data)
    uvicorn.run(
        "jyuso_kb.api:app_factory",
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jyuso-kb", description="重層的支援体制整備事業 実施計画の知識ベース (jyuso-kb)"
    )
    parser.add_argument("--version", action="version", version=f"jyuso-kb {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="計画(Turtle / JSON-LD)を SHACL で検証する")
    p.add_argument("paths", nargs="*", help="ファイルまたはフォルダ(省略時は組み込みの魚津市の計画)")
    p.add_argument("--json", action="store_true", help="JSON で出力する")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("export", help="計画を書き出す")
    p.add_argument("--format", choices=export.FORMATS, default="ttl")
    p.add_argument("--data", nargs="+", help="計画のファイルまたはフォルダ(省略時は魚津市)")
    p.add_argument("--with-vocabulary", action="store_true", help="オントロジーとシソーラスも含める")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("programs", help="事業の一覧")
    p.add_argument("--json", action="store_true")
    p.add_argument("--data", nargs="+")
    p.set_defaults(func=cmd_programs)

    p = sub.add_parser("route", help="世帯のニーズから、つなぐ事業・課・会議を答える")
    p.add_argument("--need", action="append", help="ニーズ(日本語またはニーズID)。複数指定できる")
    p.add_argument("--member", action="append", help="世帯員「年齢:ニーズ,ニーズ」(例: 82:親の介護)")
    p.add_argument("--consent", choices=["yes", "no"], help="本人同意(省略時は不明)")
    p.add_argument("--as-of", help="基準日 YYYY-MM-DD(省略時は今日)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--data", nargs="+")
    p.set_defaults(func=cmd_route)

    p = sub.add_parser("who-handles", help="住民の言葉の質問から担当課を順位付けて答える")
    p.add_argument("text", help="質問(例: 隣の空き家が心配)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--data", nargs="+")
    p.set_defaults(func=cmd_who_handles)

    p = sub.add_parser("diff", help="2つの計画の違い(事業・課・マトリクス・会議・スケジュール)")
    p.add_argument("old", help="旧い計画(ファイルまたはフォルダ)")
    p.add_argument("new", help="新しい計画(ファイルまたはフォルダ)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser("serve", help="Web API を起動する(組み込みの魚津市の計画)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1, help="プロセス数")
    p.add_argument("--data", nargs="+", help="計画のファイルまたはフォルダ(省略時は魚津市)")
    p.set_defaults(func=cmd_serve)

    workbook.add_commands(sub)
    render.add_commands(sub)

    p = sub.add_parser("check", help="すべての品質チェック(SHACL、OWL 一貫性、完全性)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--data", nargs="+")
    p.set_defaults(func=cmd_check)
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
                sys.stderr.write(f"  場所: {problem.where}\n")
            if problem.hint:
                sys.stderr.write(f"  ヒント: {problem.hint}\n")
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
