"""``jyuso-kb check``: every quality check (SHACL, OWL consistency under HermiT, named checks, counts)."""

from __future__ import annotations

import argparse
import subprocess
import sys
from typing import Any

from rdflib import RDF, RDFS

from jyuso_kb.check import owl as consistency
from jyuso_kb.check import quality
from jyuso_kb.check import shacl as validation
from jyuso_kb.check.located import located_checks, located_report
from jyuso_kb.check.verdict import blocking, conforms
from jyuso_kb.cli.common import EXIT_NOT_CONFORMING, EXIT_OK, add_plan_arguments, dump, located_plan_of, render_check
from jyuso_kb.errors import InputError
from jyuso_kb.namespaces import JY
from jyuso_kb.plan.terms import label
from jyuso_kb.reason.rules import reason

# What the counts summarise, in this order; each is named by its class's Japanese label in the ontology.
COUNTED = (
    JY.ImplementingProgram,
    JY.Department,
    JY.Duty,
    JY.CollaborationCell,
    JY.Meeting,
    JY.ScheduleRow,
    JY.ScheduleEntry,
    JY.RelatedPlan,
    JY.Challenge,
    JY.Goal,
    JY.Need,
)


def cmd_check(args: argparse.Namespace) -> int:
    plan, indexes = located_plan_of(args)
    merged = plan.merged()
    report = located_report(validation.validate(plan), indexes)
    checks = list(located_checks(quality.run(reason(merged).graph), indexes))  # over what the rules derive too
    try:
        owl = consistency.check(merged)
    except (OSError, subprocess.CalledProcessError) as err:
        raise InputError(
            "reasoner_unavailable",
            "OWL 推論器(HermiT)を実行できません。",
            "java",
            "Java ランタイムをインストールしてください(例: apt-get install default-jre-headless)。",
        ) from err
    failed = blocking(checks)
    ok = conforms(report, checks) and owl.consistent
    if args.json:
        dump(
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
    out.write(f"要件の検証: {verdict}(違反 {len(report.violations)}件、指摘 {len(report.findings)}件)\n")
    out.write(f"論理の一貫性: {owl.detail}\n")
    for result in checks:
        mark = "合格" if result.passed else ("不合格" if result.check.severity == "error" else "注意")
        out.write(f"品質チェック {mark}: {result.check.title}({len(result.rows)}件)\n")
    out.write("件数: " + "、".join(f"{k} {v}" for k, v in counts(merged).items()) + "\n")
    if not report.conforms:
        out.write("\n" + validation.render_text(report) + "\n")
    for result in failed + [r for r in checks if not r.passed and r not in failed]:  # errors, then warnings
        out.write(render_check(result))
    out.write(f"\n総合: {'適合' if ok else '不適合'}\n")
    return EXIT_OK if ok else EXIT_NOT_CONFORMING


def counts(graph: Any) -> dict[str, int]:
    """How many things of each kind the plan states (a completeness summary), by the classes' labels."""
    out = {}
    for counted in COUNTED:
        classes = set(graph.transitive_subjects(RDFS.subClassOf, counted))
        out[label(graph, counted) or str(counted)] = len({s for cls in classes for s in graph.subjects(RDF.type, cls)})
    return out


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("check", help="すべての品質チェック(SHACL、OWL 一貫性、完全性)")
    p.add_argument("--json", action="store_true")
    add_plan_arguments(p)
    p.set_defaults(func=cmd_check)
