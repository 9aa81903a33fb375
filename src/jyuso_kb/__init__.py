"""jyuso-kb: a declarative knowledge base of 重層的支援体制整備事業 実施計画 (multi-layered support system plans).

The public Python API follows the engine's flow — load → reason and index → answer / validate → export::

    import jyuso_kb

    plan = jyuso_kb.load_plan()                # the embedded plan, or load_plan(["plan-folder", "plan.xlsx"])
    index = jyuso_kb.build_index(plan)         # rules to a fixpoint and the routing index, once
    answer = jyuso_kb.route(index, ["親の介護", "ひきこもりの息子"], consent=False)
    departments = jyuso_kb.who_handles(index, "隣の空き家が心配")["results"]
    conforms = jyuso_kb.validate(plan).conforms
    turtle = jyuso_kb.export(plan, "ttl")

Everything else is internal and may change.
"""

from __future__ import annotations

__version__ = "0.1.0"

from collections.abc import Sequence  # noqa: E402
from datetime import date  # noqa: E402
from typing import Any  # noqa: E402

from jyuso_kb.answer.route import Household, Member  # noqa: E402
from jyuso_kb.answer.route import route as _route  # noqa: E402
from jyuso_kb.answer.who_handles import who_handles  # noqa: E402
from jyuso_kb.check.validation import Validation, validate  # noqa: E402
from jyuso_kb.errors import InputError  # noqa: E402
from jyuso_kb.formats.export import FORMATS as EXPORT_FORMATS  # noqa: E402
from jyuso_kb.formats.export import export as _export  # noqa: E402
from jyuso_kb.index.routing import RoutingIndex  # noqa: E402
from jyuso_kb.index.routing import build as build_index  # noqa: E402
from jyuso_kb.plan.load import load_plan  # noqa: E402
from jyuso_kb.plan.source import PlanSource  # noqa: E402

__all__ = [
    "EXPORT_FORMATS",
    "Household",
    "InputError",
    "Member",
    "PlanSource",
    "RoutingIndex",
    "Validation",
    "__version__",
    "build_index",
    "export",
    "load_plan",
    "route",
    "validate",
    "who_handles",
]


def route(
    index: RoutingIndex,
    needs: Sequence[str] = (),
    *,
    members: Sequence[tuple[int | None, Sequence[str]]] = (),
    consent: bool | None = None,
    as_of: date | None = None,
) -> dict[str, Any]:
    """Route a household: its needs (Japanese or need ids), members as ``(age, needs)``, consent (None: unknown)
    and the reference date (None: today) → the same JSON-ready answer as ``jyuso-kb route --json``."""
    household = Household(
        needs=tuple(needs),
        members=tuple(Member(age, tuple(member_needs)) for age, member_needs in members),
        consent=consent,
        as_of=as_of,
    )
    return _route(index, household)


def export(plan: PlanSource, fmt: str = "ttl") -> str:
    """The plan as Turtle (``ttl``), JSON-LD (``jsonld``) or the programme catalog as CSV (``csv``)."""
    graph = plan.merged() if fmt == "csv" else plan.data
    return _export(graph, fmt)
