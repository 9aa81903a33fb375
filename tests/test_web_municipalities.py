"""The web page with several municipalities served by one process (魚津市, the default, and the fictional 架空町):
the 市町村 chooser, the municipality in the page URL and in the browser's storage, every API call and every link
for the chosen municipality, and nothing of one municipality's household result shown under another's name.

Playwright drives Debian's Chromium against a real ``jyuso-kb serve`` on both plans; every test fails on any
request leaving the server, on any URL query other than ``?municipality=CODE``, on any script error and on
anything stored but the chosen municipality's code (``web_support.recorded_page``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from .api_support import RealServer
from .web_support import (
    AUDIT,
    BOTH_TOWNS,
    CONTRAST,
    KASOU,
    SCREENSHOTS,
    STORAGE_KEY,
    UOZU,
    Recorder,
    scoped,
    settled,
    stored,
)

pytestmark = pytest.mark.slow

ONLY_KASOU = "ふくしまるごと相談窓口事業"  # a programme of 架空町's plan alone
ONLY_UOZU = "地域包括支援センター運営事業"  # a programme of 魚津市's plan alone


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealServer]:
    env = {
        "JYUSO_KB_SPARQL_WORKERS": "1",
        "JYUSO_KB_DATA": BOTH_TOWNS,
    }
    with RealServer(tmp_path_factory.mktemp("web-two") / "server.log", env) as running:
        yield running


def open_page(pg: Page, url: str) -> None:
    pg.goto(url)
    settled(pg)


def choose(pg: Page, code: str) -> None:
    pg.get_by_label("市町村", exact=True).select_option(code)
    settled(pg)


def municipality_in_url(pg: Page) -> list[str]:
    return parse_qs(urlsplit(pg.url).query).get("municipality", [])


def programmes(pg: Page) -> list[str]:
    expect(pg.locator("#programs-table tbody tr").first).to_be_visible()
    return pg.locator("#programs-table tbody th a").all_text_contents()


def test_served_municipalities(server: RealServer) -> None:
    with server.client() as client:
        listing = client.get("/v1/municipalities").json()
    assert [(m["code"], m["name"]) for m in listing["municipalities"]] == [(UOZU, "魚津市"), (KASOU, "架空町")]
    assert listing["default"] == UOZU


def test_choosing_a_municipality_shows_its_plan_and_is_remembered(page: tuple[Page, Recorder]) -> None:
    pg, recorder = page
    open_page(pg, "/#/programs")
    chooser = pg.get_by_label("市町村", exact=True)
    expect(chooser).to_be_visible()
    expect(chooser.locator("option")).to_have_text(["魚津市(富山県)", "架空町(架空県)"])
    expect(chooser).to_have_value(UOZU)
    assert municipality_in_url(pg) == [UOZU], "the URL names the municipality shown"
    expect(pg.locator("#municipality-name")).to_have_text("魚津市")
    assert ONLY_UOZU in programmes(pg) and ONLY_KASOU not in programmes(pg)
    assert stored(pg) == {}, "nothing is remembered before a choice"

    chooser.focus()
    choose(pg, KASOU)
    expect(pg.locator("#programs-table")).to_contain_text(ONLY_KASOU)
    names = programmes(pg)
    assert ONLY_UOZU not in names and "多機関協働事業" not in names, "none of 魚津市's programmes"
    expect(pg).to_have_url(re.compile(rf"/\?municipality={KASOU}#/programs$"))
    expect(pg.locator("#municipality-name")).to_have_text("架空町")
    expect(pg.locator("#plan-label")).to_contain_text("架空町重層的支援体制整備事業実施計画")
    expect(pg.locator("#footer-revision")).to_contain_text("架空町の計画の版")
    expect(pg).to_have_title(re.compile(r"^事業一覧 — 架空町 — "))
    expect(chooser).to_be_focused()  # switching does not move the keyboard focus away from the chooser
    assert stored(pg) == {STORAGE_KEY: KASOU}, "the choice (the code only) is remembered"

    # A reload keeps the choice; so does opening the page without the code (it is remembered).
    pg.reload()
    settled(pg)
    expect(chooser).to_have_value(KASOU)
    expect(pg.locator("#programs-table")).to_contain_text(ONLY_KASOU)
    open_page(pg, "/#/programs")
    expect(pg).to_have_url(re.compile(rf"/\?municipality={KASOU}#/programs$"))
    expect(pg.locator("#programs-table")).not_to_contain_text(ONLY_UOZU)

    # Links stay within the municipality: programme, department and breadcrumb links keep ?municipality=.
    pg.get_by_role("link", name=ONLY_KASOU, exact=True).click()
    expect(pg).to_have_url(re.compile(rf"/\?municipality={KASOU}#/programs/prog-marugoto-soudan$"))
    expect(pg.locator("main h1")).to_have_text(ONLY_KASOU)
    expect(pg).to_have_title(re.compile(rf"^{ONLY_KASOU} — 架空町 — "))
    hrefs = pg.locator("main a[href^='#/']").evaluate_all("links => links.map((a) => a.href)")
    assert hrefs and all(f"/?municipality={KASOU}#/" in href for href in hrefs), hrefs
    pg.get_by_role("link", name="福祉課", exact=True).first.click()
    expect(pg).to_have_url(re.compile(rf"/\?municipality={KASOU}#/departments/dept-fukushi$"))
    pg.locator(".crumbs").get_by_role("link", name="課の一覧").click()
    expect(pg).to_have_url(re.compile(rf"/\?municipality={KASOU}#/departments$"))
    expect(pg.locator("#departments-table")).to_contain_text("子育て支援課")
    expect(pg.locator("#departments-table")).not_to_contain_text("社会福祉課")

    # Every API call after the choice is 架空町's.
    chosen_at = next(i for i, p in enumerate(recorder.api_paths()) if p.startswith(scoped(KASOU, "/v1/")))
    later = [p for p in recorder.api_paths()[chosen_at:] if p != "/v1/municipalities"]
    assert later and all(p.startswith(scoped(KASOU, "/v1/")) for p in later), later

    # Choosing back on an item page goes up to the list of the other plan (the item is 架空町's).
    pg.get_by_role("link", name="福祉課", exact=True).first.click()
    expect(pg).to_have_url(re.compile(r"#/departments/dept-fukushi$"))
    choose(pg, UOZU)
    expect(pg).to_have_url(re.compile(rf"/\?municipality={UOZU}#/departments$"))
    expect(pg.locator("#departments-table")).to_contain_text("社会福祉課")
    assert stored(pg) == {STORAGE_KEY: UOZU}
    # Back returns to 架空町's page, and the page follows the URL's municipality.
    pg.go_back()
    settled(pg)
    expect(pg.locator("#municipality-name")).to_have_text("架空町")
    expect(pg.locator("main h1")).to_have_text("福祉課")


def test_route_answers_from_the_chosen_plan_and_switching_forgets_it(page: tuple[Page, Recorder]) -> None:
    pg, recorder = page
    open_page(pg, f"/?municipality={KASOU}#/route")
    expect(pg.get_by_label("市町村", exact=True)).to_have_value(KASOU)
    pg.get_by_role("checkbox", name="親の介護", exact=True).check()
    pg.get_by_role("checkbox", name="ひきこもり", exact=True).check()
    pg.get_by_role("radio", name="同意あり").check()
    pg.get_by_label("基準日").fill("2025-10-01")
    pg.get_by_role("button", name="振り分ける").click()
    expect(pg.locator("#route-results-title")).to_be_focused()
    assert len(recorder.posts("/v1/route", KASOU)) == 1 and not recorder.posts("/v1/route", UOZU)
    departments = pg.locator("#result-departments .card h4")
    expect(departments).to_have_text(["福祉課"])
    expect(pg.locator("#result-meetings")).to_contain_text("チーム支援会議")
    expect(pg.locator("#route-results")).not_to_contain_text("社会福祉課")
    expect(pg.locator("#route-results")).to_contain_text("架空町重層的支援体制整備事業実施計画")

    pg.get_by_role("link", name="つなぎシートを作る(印刷用)").click()
    expect(pg).to_have_url(re.compile(rf"/\?municipality={KASOU}#/sheet$"))
    sheet = pg.locator("#sheet")
    expect(pg.locator("#sheet-municipality")).to_have_text("架空町(架空県)")
    expect(sheet).to_contain_text("福祉課")
    expect(sheet.locator(".notice")).to_contain_text("架空町重層的支援体制整備事業実施計画に基づく")
    assert stored(pg) == {}, "opening a link does not change what is remembered"

    # Another municipality: the result (and the needs typed) are forgotten, never shown under 魚津市's name.
    choose(pg, UOZU)
    expect(pg).to_have_url(re.compile(rf"/\?municipality={UOZU}#/route$"))
    expect(pg.locator("#municipality-name")).to_have_text("魚津市")
    expect(pg.get_by_role("checkbox", name="親の介護", exact=True)).not_to_be_checked()
    expect(pg.locator("#route-results")).to_be_empty()
    pg.evaluate("() => { location.hash = '#/sheet'; }")
    settled(pg)
    expect(pg.locator("main")).to_contain_text("まだ振り分けの結果がありません")
    expect(pg.locator("#sheet")).to_have_count(0)
    # Back to 架空町 (the browser's Back): its result is gone too.
    pg.go_back()
    pg.go_back()
    settled(pg)
    expect(pg.locator("#municipality-name")).to_have_text("架空町")
    expect(pg.locator("main")).to_contain_text("まだ振り分けの結果がありません")
    assert len(recorder.posts("/v1/route", KASOU)) == 1 and not recorder.posts("/v1/route", UOZU)


def test_url_wins_and_an_unknown_code_falls_back_to_the_default(page: tuple[Page, Recorder]) -> None:
    pg, _ = page
    open_page(pg, "/#/programs")
    choose(pg, KASOU)
    assert stored(pg) == {STORAGE_KEY: KASOU}

    open_page(pg, f"/?municipality={UOZU}#/programs")  # a link to 魚津市 opens 魚津市 (the URL wins)
    expect(pg.get_by_label("市町村", exact=True)).to_have_value(UOZU)
    expect(pg.locator("#programs-table")).to_contain_text(ONLY_UOZU)
    assert stored(pg) == {STORAGE_KEY: KASOU}

    open_page(pg, "/?municipality=123456#/programs")  # not served: the default, with no error
    expect(pg).to_have_url(re.compile(rf"/\?municipality={UOZU}#/programs$"))
    expect(pg.locator("#municipality-name")).to_have_text("魚津市")
    expect(pg.locator("#programs-table")).to_contain_text(ONLY_UOZU)
    expect(pg.locator("main .box.bad")).to_have_count(0)

    # A remembered code no longer served: the default, and the stale code is forgotten.
    pg.evaluate("(key) => localStorage.setItem(key, '000000')", STORAGE_KEY)
    open_page(pg, "/#/programs")
    expect(pg).to_have_url(re.compile(rf"/\?municipality={UOZU}#/programs$"))
    expect(pg.locator("#programs-table")).to_contain_text(ONLY_UOZU)
    expect(pg.locator("main .box.bad")).to_have_count(0)
    assert stored(pg) == {}


def test_revision_page_and_template_are_the_chosen_municipality(
    page: tuple[Page, Recorder], server: RealServer
) -> None:
    pg, _ = page
    open_page(pg, f"/?municipality={KASOU}#/revision")
    expect(pg.locator("#revision-target")).to_have_text("架空町の計画を検証")
    template = pg.get_by_role("link", name="架空町の空のワークブック(ひな形 .xlsx)をダウンロード")
    href = template.get_attribute("href") or ""
    parts = urlsplit(href)
    assert parts.path == "/v1/workbook/template"
    assert parse_qs(parts.query) == {"code": [KASOU], "name": ["架空町"]}
    with server.client() as client:
        response = client.get(href)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    choose(pg, UOZU)
    expect(pg.locator("#revision-target")).to_have_text("魚津市の計画を検証")
    expect(pg.get_by_role("link", name="魚津市の空のワークブック(ひな形 .xlsx)をダウンロード")).to_be_visible()


def test_accessibility_with_the_chooser(page: tuple[Page, Recorder]) -> None:
    pg, _ = page
    problems: dict[str, list[str]] = {}
    for view in ("route", "programs", "departments/dept-fukushi", "revision", "sheet"):
        open_page(pg, f"/?municipality={KASOU}#/{view}")
        expect(pg.get_by_label("市町村", exact=True)).to_be_visible()
        found = pg.evaluate(AUDIT) + pg.evaluate(CONTRAST)
        if found:
            problems[view] = found
    assert not problems, problems
    # The chooser is reached by keyboard right after the site title, before the navigation.
    open_page(pg, f"/?municipality={KASOU}#/route")
    pg.reload()  # the page as it opens (the goto above only changed the hash)
    settled(pg)
    pg.keyboard.press("Tab")  # the skip link
    pg.keyboard.press("Tab")  # the site title
    pg.keyboard.press("Tab")
    expect(pg.get_by_label("市町村", exact=True)).to_be_focused()
    pg.screenshot(path=str(SCREENSHOTS / "municipality-chooser.png"))
