"""GET /v1/workbook: the active plan of each municipality as a workbook (.xlsx) that imports as that plan again, built
off the event loop once per snapshot."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rdflib.compare import isomorphic

from jyuso_kb.plan.source import PlanSource
from jyuso_kb.plan.workbook.importer import read_workbook
from jyuso_kb.serve.app import create_app
from jyuso_kb.serve.settings import Settings

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UOZU, KASOU = "162043", "999008"


@pytest.fixture(scope="module")
def two(uozu: PlanSource, kasou: PlanSource) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(sparql_workers=1), plans=[uozu, kasou])) as client:
        yield client


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/v1/workbook", UOZU),
        (f"/v1/municipalities/{UOZU}/workbook", UOZU),
        (f"/v1/municipalities/{KASOU}/workbook", KASOU),
    ],
)
def test_the_workbook_is_the_active_plan_and_imports_as_it(
    two: TestClient, uozu: PlanSource, kasou: PlanSource, path: str, code: str, tmp_path: Path
) -> None:
    response = two.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX
    revision = response.headers["x-plan-revision"]
    assert response.headers["x-municipality-code"] == code
    assert response.headers["content-disposition"] == f'attachment; filename="plan-{code}-{revision}.xlsx"'
    out = tmp_path / "plan.xlsx"
    out.write_bytes(response.content)
    graph, _ = read_workbook(out)
    assert isomorphic(graph, {UOZU: uozu, KASOU: kasou}[code].data)


def test_the_workbook_is_built_once_per_snapshot(two: TestClient) -> None:
    first = two.get(f"/v1/municipalities/{KASOU}/workbook").content
    started = time.perf_counter()
    again = two.get(f"/v1/municipalities/{KASOU}/workbook")
    elapsed = time.perf_counter() - started
    assert again.content == first  # the same bytes: kept with the snapshot, not built again
    assert elapsed < 0.5, f"the second answer took {elapsed:.2f} s"  # building takes about 2 s
    assert two.get(f"/v1/municipalities/{UOZU}/workbook").content != first


def test_an_unknown_municipality_has_no_workbook(two: TestClient) -> None:
    response = two.get("/v1/municipalities/123456/workbook")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
