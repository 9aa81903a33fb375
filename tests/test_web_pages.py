"""The programme pages, the 計画の改定 page's downloads, publishing and results, and small screens, in a real browser:
Playwright driving Debian's Chromium against a real ``jyuso-kb serve`` on 魚津市 (the default) and the fictional
架空町, with a revision store and a policy token.

Every test records the browser's requests (``web_support.recorded_page``): nothing leaves the server, no URL holds
anything but a municipality code, no script fails, nothing is stored but the chosen municipality's code.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from jyuso_kb.namespaces import JY
from jyuso_kb.plan.source import PlanSource
from jyuso_kb.plan.workbook.importer import read_workbook

from .api_support import RealServer
from .web_support import (
    BOTH_TOWNS,
    KASOU,
    PHONE,
    SCREENSHOTS,
    TIMEOUT_MS,
    UOZU,
    Recorder,
    recorded_page,
    scoped,
    stored,
)

pytestmark = pytest.mark.slow

POLICY = "policy-token-for-the-web-pages-7d2e"
VALIDATE_TIMEOUT_MS = 120_000  # validation or publishing takes seconds; much longer on a loaded machine
OUTREACH = URIRef("https://w3id.org/jyuso-kb/data/uozu/prog-outreach")
NEW_DESCRIPTION = "ひきこもり等で支援が届いていない人を訪ね、つながりを保ちながら支援します。"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealServer]:
    folder = tmp_path_factory.mktemp("web-pages")
    tokens = folder / "tokens.json"
    digest = hashlib.sha256(POLICY.encode()).hexdigest()
    tokens.write_text(json.dumps({"tokens": [{"name": "政策担当", "role": "policy", "sha256": digest}]}), "utf-8")
    env = {
        "JYUSO_KB_SPARQL_WORKERS": "1",
        "JYUSO_KB_UPLOAD_TIMEOUT": "110",  # publishing takes ≈12 s idle; far longer on a loaded machine
        "JYUSO_KB_DATA": BOTH_TOWNS,
        "JYUSO_KB_STORE": str(folder / "store"),
        "JYUSO_KB_TOKENS_FILE": str(tokens),
    }
    with RealServer(folder / "server.log", env) as running:
        yield running


@pytest.fixture()
def page(browser: Browser, server: RealServer) -> Iterator[tuple[Page, Recorder]]:
    with recorded_page(browser, server.base_url, accept_downloads=True) as recorded:
        yield recorded


def open_page(pg: Page, url: str) -> None:
    pg.goto(url)
    expect(pg.locator("main h1")).to_be_visible(timeout=TIMEOUT_MS)
    expect(pg.locator("main")).not_to_have_attribute("aria-busy", "true", timeout=TIMEOUT_MS)


def fact(pg: Page, term: str) -> str:
    """The text of one fact of the page's first fact list (「説明」 → the description)."""
    item = pg.locator("main dl.facts").first.locator("dt", has_text=re.compile(f"^{term}$"))
    expect(item).to_have_count(1)
    return str(item.evaluate("dt => dt.nextElementSibling.textContent"))


def schedule_by_year(pg: Page) -> dict[str, list[str]]:
    dl = pg.locator("#program-schedule")
    expect(dl).to_be_visible()
    pairs: list[tuple[str, list[str]]] = dl.evaluate(
        """dl => [...dl.querySelectorAll('dt')].map((dt) => [dt.textContent,
             [...dt.nextElementSibling.querySelectorAll('li')].map((li) => li.textContent)])"""
    )
    return dict(pairs)


# ---- 事業のページ ------------------------------------------------------------------------------------------------


def test_an_existing_programme_reads_its_description_needs_target_group_and_schedule(
    page: tuple[Page, Recorder],
) -> None:
    pg, _ = page
    open_page(pg, "/#/programs/prog-chiiki-houkatsu")
    expect(pg.locator("main h1")).to_have_text("地域包括支援センター運営事業")
    assert fact(pg, "説明") == (
        "従来の相談機能をベースとしつつも、相談者の属性や世代、相談内容に関わらず、包括的に相談を受け止め、"
        "支援関係機関との連携、つなぎを行います。複雑化・複合化した相談は、多機関協働事業につながります。"
    )
    assert fact(pg, "対象者") == "高齢者及びその家族等"
    assert fact(pg, "対応するニーズ") == (
        "親の介護、介護予防、高齢者の福祉、身寄りのない高齢者、介護保険サービスの利用、権利擁護"
    )
    assert fact(pg, "区分") == "既存事業"
    assert schedule_by_year(pg) == {
        "令和6年度(2024年度)": ["①包括的相談支援事業: 移行準備事業", "①包括的相談支援事業(既存事業): 既存事業の継続"],
        "令和7年度(2025年度)": ["①包括的相談支援事業: 本格実施"],
        "令和8年度(2026年度)": ["①包括的相談支援事業: 本格実施"],
    }
    expect(pg.locator("main")).to_contain_text("構成事業「包括的相談支援事業」の予定(計画 6.)。")
    expect(pg.locator("#program-schedule")).not_to_contain_text("—")
    pg.screenshot(path=str(SCREENSHOTS / "program-existing.png"), full_page=True)


def test_a_new_programme_reads_its_component_s_schedule(page: tuple[Page, Recorder]) -> None:
    pg, _ = page
    open_page(pg, "/#/programs/prog-outreach")
    assert fact(pg, "対応するニーズ") == "ひきこもり、セルフネグレクト、支援につながっていない"
    assert fact(pg, "区分") == "新規事業"
    assert schedule_by_year(pg) == {
        "令和6年度(2024年度)": ["③アウトリーチ等を通じた継続的支援事業: 実施体制の検討"],
        "令和7年度(2025年度)": ["③アウトリーチ等を通じた継続的支援事業: 本格実施"],
        "令和8年度(2026年度)": ["③アウトリーチ等を通じた継続的支援事業: 本格実施"],
    }


def test_a_kasou_programme_reads_its_own_plan(page: tuple[Page, Recorder]) -> None:
    pg, _ = page
    open_page(pg, f"/?municipality={KASOU}#/programs/prog-tsunagari-houmon")
    assert fact(pg, "説明") == "—"  # 架空町's plan describes its programmes by their activities only
    assert fact(pg, "対応するニーズ") == "ひきこもり、支援につながっていない"
    assert schedule_by_year(pg) == {
        "令和7年度(2025年度)": ["③アウトリーチ等を通じた継続的支援事業: 実施体制の検討"],
        "令和8年度(2026年度)": ["③アウトリーチ等を通じた継続的支援事業: 本格実施"],
        "令和9年度(2027年度)": ["③アウトリーチ等を通じた継続的支援事業: 本格実施"],
    }
    expect(pg.locator("main")).to_contain_text("構成事業「アウトリーチ等を通じた継続的支援事業」の予定(計画 5.)。")


# ---- 計画の改定: downloads, results, publishing -------------------------------------------------------------------


@pytest.mark.parametrize("code", [UOZU, KASOU])
def test_the_revision_page_downloads_the_current_plan_and_the_template_as_workbooks_that_import(
    page: tuple[Page, Recorder], code: str, uozu: PlanSource, kasou: PlanSource, tmp_path: Path
) -> None:
    pg, recorder = page
    name = {UOZU: "魚津市", KASOU: "架空町"}[code]
    open_page(pg, f"/?municipality={code}#/revision")
    current = pg.get_by_role("link", name=f"{name}の現在の計画をワークブック(.xlsx)でダウンロード")
    with pg.expect_download() as downloaded:
        current.click()
    plan = downloaded.value
    assert re.fullmatch(rf"plan-{code}-[0-9a-f]{{16}}\.xlsx", plan.suggested_filename), plan.suggested_filename
    plan.save_as(tmp_path / "plan.xlsx")
    graph, _ = read_workbook(tmp_path / "plan.xlsx")
    assert isomorphic(graph, {UOZU: uozu, KASOU: kasou}[code].data)
    assert plan.url == recorder.origin + scoped(code, "/v1/workbook")

    with pg.expect_download() as downloaded:
        pg.get_by_role("link", name=f"{name}の空のワークブック(ひな形 .xlsx)をダウンロード").click()
    assert downloaded.value.suggested_filename == "workbook-template.xlsx"
    downloaded.value.save_as(tmp_path / "template.xlsx")
    blank, _ = read_workbook(tmp_path / "template.xlsx")
    assert {str(c) for c in blank.objects(None, JY.localGovernmentCode)} == {code}


def test_a_new_upload_clears_the_previous_result_and_a_syntax_error_names_file_and_line(
    page: tuple[Page, Recorder], tmp_path: Path
) -> None:
    pg, recorder = page
    broken = tmp_path / "改定案.ttl"
    broken.write_text('@prefix x: <http://example.org/> .\nx:a x:b "unterminated\n', encoding="utf-8")
    old_excel = tmp_path / "古い計画.xls"
    old_excel.write_bytes(b"\xd0\xcf\x11\xe0")
    results = pg.locator("#revision-results")
    open_page(pg, "/#/revision")
    pg.get_by_label("改定案のファイル").set_input_files(str(broken))
    pg.get_by_role("button", name="検証する").click()
    expect(pg.locator("#revision-failure")).to_contain_text("Turtle の構文エラー", timeout=VALIDATE_TIMEOUT_MS)
    expect(pg.locator("#revision-failure-place")).to_have_text("場所: 改定案.ttl の 2 行目")
    expect(results).not_to_contain_text("body:")

    # choosing another file clears the result; so does sending one the page refuses
    pg.get_by_label("改定案のファイル").set_input_files(str(old_excel))
    expect(results).to_have_text("")
    pg.get_by_label("改定案のファイル").set_input_files(str(broken))
    pg.get_by_role("button", name="検証する").click()
    expect(pg.locator("#revision-failure")).to_be_visible(timeout=VALIDATE_TIMEOUT_MS)
    pg.locator("#revision-file").evaluate(
        """(input, name) => { const data = new DataTransfer();
             data.items.add(new File([new Uint8Array([0xd0, 0xcf])], name)); input.files = data.files; }""",
        "古い計画.xls",
    )  # a file set without a change event: the refused upload itself must clear the result
    expect(pg.locator("#revision-failure")).to_be_visible()
    pg.get_by_role("button", name="検証する").click()
    expect(pg.locator("#revision-error")).to_contain_text("古い計画.xls: この形式は受け付けません。")
    expect(results).to_have_text("")
    assert len(recorder.posts("/v1/validate")) == 2, "the .xls file is never sent"


def test_publishing_with_a_policy_token_that_the_page_never_keeps(
    page: tuple[Page, Recorder], server: RealServer, tmp_path: Path
) -> None:
    pg, recorder = page
    with server.client() as client:
        turtle = client.get("/v1/catalog", params={"format": "ttl"}).text
        before = client.get("/v1/revisions").json()["active"]
    graph = Graph()
    graph.parse(data=turtle, format="turtle")
    graph.remove((OUTREACH, JY.description, None))
    graph.add((OUTREACH, JY.description, Literal(NEW_DESCRIPTION, lang="ja")))
    revised = tmp_path / "改定案.ttl"
    revised.write_text(graph.serialize(format="turtle"), encoding="utf-8")
    open_page(pg, "/#/programs/prog-outreach")  # read once, so the page holds the old plan in memory
    open_page(pg, "/#/revision")
    token = pg.get_by_label("政策担当者のトークン")
    expect(token).to_have_attribute("type", "password")
    expect(token).to_have_attribute("autocomplete", "off")
    pg.get_by_label("改定案のファイル").set_input_files(str(revised))

    token.fill("not-the-token")
    pg.get_by_role("button", name="公開する").click()
    expect(pg.locator("#revision-failure")).to_contain_text("トークン", timeout=VALIDATE_TIMEOUT_MS)
    expect(token).to_have_value("")

    token.fill(POLICY)
    pg.get_by_role("button", name="公開する").click()
    expect(pg.locator("#revision-results-title")).to_have_text("公開しました: 改定案.ttl", timeout=VALIDATE_TIMEOUT_MS)
    expect(token).to_have_value("")
    with server.client() as client:
        active = client.get("/v1/revisions").json()["active"]
    assert active != before
    expect(pg.locator("#revision-verdict")).to_have_text(f"版 {active} を公開し、魚津市の現在の計画にしました。")
    expect(pg.locator("#diff-summary")).to_contain_text("変更 1件")

    sent = recorder.posts("/v1/revisions")
    assert [r.headers.get("authorization") for r in sent] == ["Bearer not-the-token", f"Bearer {POLICY}"]
    assert all(r.headers["content-type"] == "text/turtle" for r in sent)
    assert not [r.url for r in recorder.requests if POLICY in r.url]
    local, session, cookie = pg.evaluate(
        "() => [JSON.stringify(Object.entries(localStorage)), sessionStorage.length, document.cookie]"
    )
    assert POLICY not in local and (session, cookie) == (0, "")
    assert stored(pg) == {}

    # the other pages read the published revision without a reload
    open_page(pg, "/#/programs/prog-outreach")
    assert fact(pg, "説明") == NEW_DESCRIPTION


# ---- small screens -----------------------------------------------------------------------------------------------

PHONE_VIEWS = [
    "route",
    "who",
    "programs",
    "programs/prog-chiiki-houkatsu",
    "departments",
    "departments/dept-shakaifukushi",
    "matrix",
    "meetings",
    "meetings/mtg-jusoteki-shien",
    "schedule",
    "revision",
]
WIDTH = """() => document.documentElement.scrollWidth"""


def test_no_view_scrolls_sideways_on_a_390_pixel_screen(browser: Browser, server: RealServer) -> None:
    width = PHONE[0]
    with recorded_page(browser, server.base_url, PHONE) as (pg, _):
        wide: dict[str, int] = {}
        for municipality in (UOZU, KASOU):
            for view in PHONE_VIEWS:
                open_page(pg, f"/?municipality={municipality}#/{view}")
                if pg.evaluate(WIDTH) > width:
                    wide[f"{municipality} {view}"] = pg.evaluate(WIDTH)
        # with a result: the routing result and the つなぎシート made from it
        open_page(pg, f"/?municipality={UOZU}#/route")
        pg.get_by_role("checkbox", name="ひきこもり", exact=True).check()
        pg.get_by_role("checkbox", name="税金の滞納", exact=True).check()
        pg.get_by_role("button", name="振り分ける").click()
        expect(pg.locator("#route-results-title")).to_be_focused()
        if pg.evaluate(WIDTH) > width:
            wide["route with a result"] = pg.evaluate(WIDTH)
        pg.get_by_role("link", name="つなぎシートを作る(印刷用)").click()
        expect(pg.locator("#sheet")).to_be_visible()
        if pg.evaluate(WIDTH) > width:
            wide["sheet"] = pg.evaluate(WIDTH)
        for view in ("matrix", "meetings", "programs/prog-chiiki-houkatsu", "revision"):
            open_page(pg, f"/?municipality={UOZU}#/{view}")
            pg.screenshot(path=str(SCREENSHOTS / f"phone-{view.replace('/', '-')}.png"), full_page=True)
        assert wide == {}, f"views wider than {width} px: {wide}"
