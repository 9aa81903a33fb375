"""A programme run as several component programmes at once (一体で実施する事業).

Small municipalities often commission ②多機関協働事業 and ③アウトリーチ等を通じた継続的支援事業 together, as one
programme. 架空町's チーム支援調整事業 (②) is made to run ③ as well: the plan still conforms, the catalog names both
components and shows both components' schedule rows, a route names both as the programme's role (in character order), HSDS files the
service under the first component (HSDS gives a service one program), and the workbook keeps both in one cell.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rdflib.compare import isomorphic

from jyuso_kb.check.validation import validate
from jyuso_kb.formats import workbook as formats_workbook
from jyuso_kb.plan.load import load_plan
from jyuso_kb.plan.source import PlanSource
from jyuso_kb.plan.workbook import importer as workbook
from jyuso_kb.serve.app import create_app
from jyuso_kb.serve.settings import Settings

from .conftest import KASOU_DIR

JOINT = """
kasou:prog-team-shien jy:component jy:component-outreach ; jy:implementsProvision law:a106-4-p2-i4 .
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("joint") / "kasou"
    shutil.copytree(KASOU_DIR, out)
    with (out / "programs.ttl").open("a", encoding="utf-8") as f:
        f.write(JOINT)
    return out


@pytest.fixture(scope="module")
def plan(folder: Path) -> PlanSource:
    return load_plan([folder])


@pytest.fixture(scope="module")
def api(folder: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(data=(folder,)))) as client:
        yield client


def test_a_programme_in_two_components_conforms(plan: PlanSource) -> None:
    result = validate(plan)
    assert result.conforms, [f.message for f in result.report.violations]
    assert result.report.findings == () and result.failed_checks == ()


def test_the_catalog_names_both_components_and_both_schedule_rows(api: TestClient) -> None:
    program = api.get("/v1/programs/prog-team-shien").json()
    assert program["component"] == "多機関協働事業・アウトリーチ等を通じた継続的支援事業"
    assert program["pillar"] == "相談支援"
    assert [(row["id"], row["own"]) for row in program["schedule"]] == [("sched-2", False), ("sched-3", False)]
    assert program["legal_basis"] == [f"社会福祉法第106条の4第2項第{n}号" for n in (4, 5, 6)]


def test_a_route_gives_both_components_as_the_role(api: TestClient) -> None:
    answer = api.post("/v1/route", json={"needs": ["複雑化・複合化した課題"], "consent": True}).json()
    roles = {p["id"]: p["role"] for p in answer["programs"]}
    assert roles["prog-team-shien"] == "アウトリーチ等を通じた継続的支援事業・多機関協働事業"


def test_hsds_files_the_service_under_its_first_component(api: TestClient) -> None:
    document = api.get("/v1/export/hsds").json()
    programs = {p["id"]: p["name"] for p in document["programs"]}
    services = [s for s in document["services"] if s["name"] == "チーム支援調整事業"]
    assert len(services) == 1 and programs[services[0]["program_id"]] == "多機関協働事業"


@pytest.mark.parametrize("fmt", formats_workbook.FORMATS)
def test_the_workbook_keeps_both_components_in_one_cell(plan: PlanSource, fmt: str, tmp_path: Path) -> None:
    tables = formats_workbook.export_tables(plan.data, plan.merged())
    row = next(r for r in tables.table("programs").rows if "チーム支援調整事業" in r)
    assert "jy:component-multi-agency\njy:component-outreach" in row  # one cell, a line per value
    out = tmp_path / ("plan-csv" if fmt == "csv" else "plan.xlsx")
    (formats_workbook.write_csv if fmt == "csv" else formats_workbook.write_xlsx)(tables, out)
    graph, _ = workbook.read_workbook(out)
    assert isomorphic(graph, plan.data)
