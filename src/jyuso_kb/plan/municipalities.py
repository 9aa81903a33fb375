"""Several municipalities' plans at once: which folder is whose plan, and who a plan's municipality is.

Each path given is one municipality's plan (a folder, a workbook or a file); a folder with no plan file of its own
holds plans, one per sub-folder or workbook in it. A municipality is known by its 全国地方公共団体コード
(``jy:localGovernmentCode``), which is in its data: two plans with one code, or a plan naming no municipality or two,
are refused before anything is served.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import DCTERMS, RDF, Graph, Literal
from rdflib.term import Node

from jyuso_kb.errors import InputError
from jyuso_kb.namespaces import JY
from jyuso_kb.plan.load import load_embedded, load_with_locations
from jyuso_kb.plan.read import JSONLD_SUFFIXES, TURTLE_SUFFIXES
from jyuso_kb.plan.source import PlanSource
from jyuso_kb.plan.terms import label
from jyuso_kb.plan.workbook.sheets import WorkbookIndex, is_workbook

PLAN_SUFFIXES = TURTLE_SUFFIXES | JSONLD_SUFFIXES | {".xlsx"}


@dataclass(frozen=True)
class Municipality:
    """Who a plan belongs to, as its data says."""

    code: str
    name: str
    name_en: str
    prefecture: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "name": self.name, "name_en": self.name_en, "prefecture": self.prefecture}


@dataclass(frozen=True)
class MunicipalPlan:
    municipality: Municipality
    plan: PlanSource
    locations: tuple[WorkbookIndex, ...] = ()  # where each fact stood, for a plan read from a workbook


def municipality_of(data: Graph, where: str = "") -> Municipality:
    """The one municipality of a plan's data; InputError when it names none, two, or none with a code."""
    found = sorted(set(data.subjects(RDF.type, JY.Municipality)), key=str)
    if len(found) != 1:
        many = len(found) > 1
        raise InputError(
            "several_municipalities" if many else "no_municipality",
            "1つの計画に市町村(jy:Municipality)が2つ以上あります。"
            if many
            else "計画に市町村(jy:Municipality)がありません。",
            where,
            "市町村ごとに別のフォルダ(またはワークブック)に分けてください。"
            if many
            else "市町村(全国地方公共団体コードと名称)を計画のデータに書いてください。",
        )
    node = found[0]
    code = str(data.value(node, JY.localGovernmentCode) or "")
    if not code:
        raise InputError(
            "no_municipality_code",
            "市町村に全国地方公共団体コード(jy:localGovernmentCode)がありません。",
            where,
            "総務省の全国地方公共団体コード一覧にある6桁のコードを書いてください。",
        )
    return Municipality(code, label(data, node), label(data, node, "en"), label(data, node, prop=JY.prefecture))


def duplicate_code(code: str, first: str, second: str) -> InputError:
    """The error for two plans of one municipality (``first`` and ``second`` are where they came from)."""
    return InputError(
        "duplicate_municipality",
        f"全国地方公共団体コード {code} の計画が2つあります。",
        f"{first}, {second}",
        "市町村ごとに計画を1つだけ指定してください。",
    )


def plan_units(paths: Sequence[Path | str]) -> list[Path]:
    """The plans among these paths: each path, or for a folder with no plan file of its own, what it holds."""
    units: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir() and not is_workbook(path) and not _holds_plan_files(path):
            inner = sorted(p for p in path.iterdir() if p.is_dir() or p.suffix.lower() in PLAN_SUFFIXES)
            units.extend(p for p in inner if p.is_file() or is_workbook(p) or _holds_plan_files(p) or _nested(p))
        else:
            units.append(path)
    return units


def _holds_plan_files(folder: Path) -> bool:
    return any(p.is_file() and p.suffix.lower() in PLAN_SUFFIXES for p in folder.iterdir())


def _nested(folder: Path) -> bool:
    """A sub-folder whose plan files are in its own sub-folders (read as one plan, as ``--data`` reads folders)."""
    return any(p.suffix.lower() in PLAN_SUFFIXES for p in folder.rglob("*"))


def load_plans(paths: Sequence[Path | str] | None = None) -> list[MunicipalPlan]:
    """Every municipality's plan in these paths, in the order given (the embedded plan when none is given).

    Raises InputError for unreadable input, a plan without exactly one municipality, or two plans of one code."""
    if not paths:
        embedded = load_embedded()
        return [MunicipalPlan(municipality_of(embedded.data, embedded.origin), embedded)]
    plans: list[MunicipalPlan] = []
    seen: dict[str, str] = {}
    vocabulary = None  # one ontology and thesaurus, shared by every plan (they are read-only)
    for unit in plan_units(paths):
        plan, locations = load_with_locations([unit])
        if vocabulary is None:
            vocabulary = plan.vocabulary
        plan = PlanSource(vocabulary, plan.data, plan.origin)
        municipality = municipality_of(plan.data, str(unit))
        if municipality.code in seen:
            raise duplicate_code(municipality.code, seen[municipality.code], str(unit))
        seen[municipality.code] = str(unit)
        plans.append(MunicipalPlan(municipality, plan, tuple(locations)))
    if not plans:
        raise InputError(
            "no_plan",
            "指定したフォルダに計画がありません。",
            ", ".join(str(p) for p in paths),
            "計画のファイル(.ttl, .jsonld, .xlsx)か、計画ごとのフォルダを指定してください。",
        )
    return plans


def choose(plans: Sequence[MunicipalPlan], code: str) -> MunicipalPlan:
    """The plan of the municipality with this code; InputError naming the codes there are."""
    for plan in plans:
        if plan.municipality.code == code:
            return plan
    known = "、".join(f"{p.municipality.code} {p.municipality.name}" for p in plans)
    raise InputError(
        "unknown_municipality",
        f"全国地方公共団体コード {code} の計画がありません。",
        "--municipality",
        f"読み込んだ計画の市町村: {known}",
    )


def plan_summary(merged: Graph) -> dict[str, object]:
    """The plan's title, adoption month and period as its data states them (for ``GET /v1/municipalities``)."""
    plan = next(iter(sorted(merged.subjects(RDF.type, JY.Plan), key=str)), None)
    if plan is None:
        return {"plan": "", "adopted": "", "period": {"start_fiscal_year": None, "end_fiscal_year": None, "label": ""}}
    title = label(merged, plan, prop=DCTERMS.title) or label(merged, plan)

    def year(prop: Node) -> int | None:
        value = merged.value(plan, prop)
        return int(value.toPython()) if isinstance(value, Literal) and isinstance(value.toPython(), int) else None

    return {
        "plan": title,
        "adopted": str(merged.value(plan, JY.adopted) or ""),
        "period": {
            "start_fiscal_year": year(JY.startFiscalYear),
            "end_fiscal_year": year(JY.endFiscalYear),
            "label": label(merged, plan, prop=JY.periodLabel),
        },
    }
