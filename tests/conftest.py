"""Shared fixtures. What tests only read is built once per test process (with pytest-xdist, once per worker): the
embedded plan, the in-process app on it and one real ``jyuso-kb serve`` on it. A test that changes a service's
state (publishes a revision, kills a worker) starts its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from jyuso_kb.plan.load import load_embedded, load_plan
from jyuso_kb.plan.source import PlanSource

if TYPE_CHECKING:
    from fastapi.testclient import TestClient
    from playwright.sync_api import Browser, Page

    from .api_support import RealServer
    from .web_support import Recorder

TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures"
EXPECTED = TESTS / "expected"
KASOU_DIR = FIXTURES / "plans" / "kasou"  # the fictional second municipality (架空町)


@pytest.hookimpl(trylast=True)  # after pytest's own reordering by fixture scope
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked slow run first (and pytest-xdist hands out their modules first): long modules start while the
    short ones fill the other workers, instead of finishing the run alone."""
    _one_id_per_api_operation(items)
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def _one_id_per_api_operation(items: list[pytest.Item]) -> None:
    """schemathesis (4.32) names the test of each API operation ``test_…[GET /health]``, but pytest 9.2 builds an
    item's id from the function's name alone: every operation got the same id, and pytest-xdist, which tells items
    apart by id, ran the first operation only. Each item gets the id its name says."""
    for item in items:
        label = getattr(item, "operation_label", None)
        if isinstance(item, pytest.Function) and label and item.id.params is None:
            item._id = item.parent.id.child(item.originalname).with_params(label)  # type: ignore[union-attr]


@pytest.fixture(scope="session")
def uozu() -> PlanSource:
    return load_embedded()


@pytest.fixture(scope="session")
def api(uozu: PlanSource) -> Iterator[TestClient]:
    """The app on the embedded plan with the default settings, in process. It has no store, so no request can
    change its plan; any exception escaping the app fails the test (TestClient's default)."""
    from fastapi.testclient import TestClient

    from jyuso_kb.serve.app import create_app
    from jyuso_kb.serve.settings import Settings

    with TestClient(create_app(Settings(), plan=uozu)) as client:  # the plan as read once, not read again
        yield client


@pytest.fixture(scope="session")
def kasou() -> PlanSource:
    """The fictional municipality's plan, as read once: what passes for 魚津市 must pass for it too."""
    return load_plan([KASOU_DIR])


@pytest.fixture(scope="session")
def kasou_api(kasou: PlanSource) -> Iterator[TestClient]:
    """The in-process app on the fictional municipality's plan."""
    from fastapi.testclient import TestClient

    from jyuso_kb.serve.app import create_app
    from jyuso_kb.serve.settings import Settings

    with TestClient(create_app(Settings(sparql_workers=1), plan=kasou)) as client:
        yield client


@pytest.fixture(scope="session")
def real_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealServer]:
    """One real ``jyuso-kb serve`` on 127.0.0.1 with the default settings. Tests that read its log read only what
    they caused (``mark`` / ``log_since``)."""
    from .api_support import RealServer

    with RealServer(tmp_path_factory.mktemp("real-server") / "server.log") as server:
        yield server


def csv_workbook_without_outreach_department(folder: Path) -> Path:
    """The 魚津市 plan exported as a CSV workbook, with the 所管課 cell of アウトリーチ等を通じた継続的支援事業 blanked
    (the mistake a policy-staff member makes in a spreadsheet)."""
    import csv

    from jyuso_kb import cli

    assert cli.main(["workbook", "export", "--format", "csv", "--out", str(folder)]) == 0
    sheet = folder / "programs.csv"
    with sheet.open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    column = rows[0].index("所管課")
    for row in rows[1:]:
        if row[0].endswith("prog-outreach"):
            row[column] = ""
    with sheet.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return folder


# ---- the web tests: one Chromium per module and a recorded page per test, on the module's own ``server`` ----------


@pytest.fixture(scope="module")
def browser(server: RealServer) -> Iterator[Browser]:
    from .web_support import chromium

    with chromium() as launched:
        yield launched


@pytest.fixture()
def page(browser: Browser, server: RealServer) -> Iterator[tuple[Page, Recorder]]:
    from .web_support import recorded_page

    with recorded_page(browser, server.base_url) as recorded:
        yield recorded
