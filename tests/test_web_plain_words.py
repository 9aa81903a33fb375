"""No jargon on the staff page (issue 16, point 6): every view the 窓口 and policy staff open — each list, each
programme, department and meeting, a routing result with its reasons open, the つなぎシート — names no RDF term and
no English word, for 魚津市 and for 架空町 alike (the patterns of tests/test_plain_words.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .api_support import RealServer
from .test_plain_words import jargon
from .web_support import BOTH_TOWNS, KASOU, UOZU, Recorder, settled

pytestmark = pytest.mark.slow

LISTS = ("route", "who", "programs", "departments", "matrix", "meetings", "schedule", "revision")
MAIN_TEXT = "() => document.querySelector('main').innerText"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealServer]:
    env = {"JYUSO_KB_SPARQL_WORKERS": "1", "JYUSO_KB_DATA": BOTH_TOWNS}
    with RealServer(tmp_path_factory.mktemp("web-plain-words") / "server.log", env) as running:
        yield running


def views(server: RealServer, code: str) -> list[str]:
    """Every view of one municipality: the lists, then each programme, department and meeting."""
    found = list(LISTS)
    with server.client() as client:
        for kind in ("programs", "departments", "meetings"):
            items = client.get(f"/v1/municipalities/{code}/{kind}").json()[kind]
            found += [f"{kind}/{item['id']}" for item in items]
    return found


def shown(pg: Page, url: str) -> str:
    pg.goto(url)
    settled(pg)
    return str(pg.evaluate(MAIN_TEXT))


@pytest.mark.parametrize("code", [UOZU, KASOU])
def test_no_view_names_an_rdf_term_or_an_english_word(
    page: tuple[Page, Recorder], server: RealServer, code: str, tmp_path: Path
) -> None:
    pg, _ = page
    every = views(server, code)
    assert len(every) > len(LISTS) + 20  # the items were listed
    found = {view: jargon(shown(pg, f"/?municipality={code}#/{view}")) for view in every}
    assert {view: words for view, words in found.items() if words} == {}


@pytest.mark.parametrize("code", [UOZU, KASOU])
def test_a_result_with_its_reasons_open_and_its_sheet_are_plain_japanese(
    page: tuple[Page, Recorder], code: str
) -> None:
    pg, _ = page
    pg.goto(f"/?municipality={code}#/route")
    settled(pg)
    for need in ("ひきこもり", "税金の滞納", "親の介護"):
        pg.get_by_role("checkbox", name=need, exact=True).check()
    pg.get_by_role("button", name="世帯員を加える").click()
    pg.get_by_label("世帯員1の年齢").fill("82")
    pg.get_by_role("radio", name="同意あり").check()
    pg.get_by_role("button", name="振り分ける").click()
    expect(pg.locator("#route-results-title")).to_be_focused()
    reasons = pg.locator("#route-results details")
    assert reasons.count() > 3
    for n in range(reasons.count()):
        reasons.nth(n).locator("summary").click()
    result = str(pg.evaluate(MAIN_TEXT))
    assert "なぜここにつなぐのか" in result
    assert jargon(result) == []
    pg.get_by_role("link", name="つなぎシートを作る(印刷用)").click()
    expect(pg.locator("#sheet")).to_be_visible()
    assert jargon(str(pg.evaluate(MAIN_TEXT))) == []
