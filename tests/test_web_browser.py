"""The Japanese web page, tested in a real browser: Playwright driving Debian's Chromium (headless) against a real
``jyuso-kb serve`` process.

Every test records the browser's requests and fails on any that leaves the test server's origin, on any URL with
a query string (household data must never be in a URL) and on any script error. A screenshot of each main page is
saved under test-output/screenshots/.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from rdflib import Graph, URIRef

from .api_support import RealServer
from .web_support import (
    AUDIT,
    CONTRAST,
    SCREENSHOTS,
    UOZU,
    WEB,
    Recorder,
    chromium,
    contrast,
    css_variables,
    parse_colour,
    recorded_page,
    scoped,
    stored,
)

# One server and one Chromium for the whole module (pytest-xdist runs a module on one worker); slow: it starts first.
pytestmark = pytest.mark.slow

VALIDATE_TIMEOUT_MS = 120_000  # SHACL + quality checks + diff take a few seconds; much longer on a loaded machine
OUTREACH_DEPARTMENT = (
    URIRef("https://w3id.org/jyuso-kb/data/uozu/prog-outreach"),
    URIRef("https://w3id.org/jyuso-kb/ontology#responsibleDepartment"),
    URIRef("https://w3id.org/jyuso-kb/data/uozu/dept-shakaifukushi"),
)
NO_DEPARTMENT = "事業に所管課がないか、所管課が既知の課ではありません。"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealServer]:
    with RealServer(tmp_path_factory.mktemp("web") / "server.log", {"JYUSO_KB_SPARQL_WORKERS": "1"}) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture()
def page(browser: Browser, server: RealServer) -> Iterator[tuple[Page, Recorder]]:
    with recorded_page(browser, server.base_url) as (opened, recorder):
        yield opened, recorder
        assert stored(opened) == {}, "with one municipality there is nothing to remember"


def shot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def open_view(page: Page, view: str) -> None:
    page.goto(f"/#/{view}")
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator("main")).not_to_have_attribute("aria-busy", "true")


def card(page: Page, section: str, title: str) -> Any:
    return page.locator(f"#result-{section} .card").filter(has=page.get_by_role("heading", name=title, exact=True))


# ---- served, offline, no build step -----------------------------------------------------------------------------


def test_page_is_served_same_origin_only(server: RealServer) -> None:
    with server.client() as client:
        index = client.get("/")
        assert index.status_code == 200
        assert index.headers["content-type"].startswith("text/html")
        assert '<html lang="ja">' in index.text
        csp = index.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "connect-src 'self'" in csp and "script-src 'self'" in csp
        assets = (
            "app.js",
            "dom.js",
            "api.js",
            "consult.js",
            "catalog.js",
            "who.js",
            "revision.js",
            "why.js",
            "municipality.js",
        )
        for asset in assets:
            response = client.get(f"/web/{asset}")
            assert response.status_code == 200, asset
            assert "javascript" in response.headers["content-type"], asset
        assert client.get("/web/style.css").headers["content-type"].startswith("text/css")
        rules = client.get("/v1/rules").json()["rules"]
        assert {"entry-by-field", "meeting-with-consent"} <= {r["id"] for r in rules}
        assert all(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", r["name"]) for r in rules), "rule names in Japanese"
    sources = {p.name: p.read_text(encoding="utf-8") for p in WEB.iterdir() if p.suffix in (".js", ".css", ".html")}
    for name, text in sources.items():
        assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.I), f"{name} refers to another origin"
        assert "@import" not in text and "@font-face" not in text, name
    scripts = {
        name: re.sub(r"^\s*//[^\n]*$|/\*.*?\*/", "", text, flags=re.M | re.S)  # the code, without its comments
        for name, text in sources.items()
        if name.endswith(".js")
    }
    for name, script in scripts.items():
        for banned in ("sessionStorage", "document.cookie", "indexedDB", "innerHTML", "eval("):
            assert banned not in script, f"{name} uses {banned}"
        if name != "municipality.js":
            assert "localStorage" not in script, f"{name} uses localStorage (only municipality.js keeps the code)"
    # municipality.js keeps one thing: the chosen municipality's code, under one key.
    uses = re.findall(r"localStorage\.(\w+)\(([^,)]*)", scripts["municipality.js"])
    assert {method for method, _ in uses} == {"getItem", "setItem", "removeItem"}, uses
    assert {key.strip() for _, key in uses} == {"KEY"}, uses
    assert 'const KEY = "jyuso-kb.municipality";' in scripts["municipality.js"]
    assert not (WEB / "package.json").exists(), "no JavaScript build step"


def test_api_docs_work_offline(page: tuple[Page, Recorder]) -> None:
    """/docs (Swagger UI) comes from the service itself: it lists the operations with nothing fetched elsewhere (the
    page fixture fails on any request outside the test server)."""
    opened, _ = page
    opened.goto("/docs")
    expect(opened.locator("#operations-routing-route_v1_route_post")).to_be_visible()
    expect(opened.locator("#operations-catalog-programs_v1_programs_get")).to_be_visible()
    expect(opened.locator(".info .title")).to_contain_text("jyuso-kb")
    shot(opened, "api-docs")


# ---- 相談の振り分け -----------------------------------------------------------------------------------------------


def test_route_household_shows_destinations_with_why(page: tuple[Page, Recorder]) -> None:
    pg, recorder = page
    open_view(pg, "route")
    expect(pg.locator("#need-checklist details.need-group > summary")).to_have_count(6)
    expect(pg.locator("#as-of")).to_have_value(re.compile(r"^\d{4}-\d{2}-\d{2}$"))  # today by default
    pg.get_by_role("checkbox", name="親の介護", exact=True).check()
    pg.get_by_role("checkbox", name="ひきこもり", exact=True).check()
    pg.get_by_label("住民の言葉で追加(任意)").fill("ぴよぴよの件")
    pg.get_by_role("button", name="追加", exact=True).click()
    pg.get_by_role("radio", name="同意あり").check()
    pg.get_by_label("基準日").fill("2025-10-01")
    pg.get_by_role("button", name="振り分ける").click()
    expect(pg.locator("#route-results-title")).to_be_focused()

    sent = recorder.posts("/v1/route")
    assert len(sent) == 1
    body = json.loads(sent[0].post_data or "{}")
    assert body == {
        "needs": ["care-of-parent", "hikikomori", "ぴよぴよの件"],
        "members": [],
        "consent": True,
        "as_of": "2025-10-01",
    }

    steps = pg.locator("#route-summary ol > li")
    expect(steps.nth(0)).to_have_text("まずつなぐ先: 地域包括支援センター運営事業(所管課: 社会福祉課)")
    expect(steps.nth(2)).to_have_text("開く会議: 重層的支援会議(本人の同意が得られた場合)")
    department = card(pg, "departments", "社会福祉課")
    expect(department).to_have_count(1)
    expect(department.locator(".why li").first).to_contain_text("高齢者福祉相談")
    expect(department).to_contain_text("計画の節: 7.")
    program = card(pg, "programs", "多機関協働事業")
    expect(program).to_have_count(1)
    expect(program).to_contain_text("社会福祉法第106条の4第2項第5号")
    expect(program.locator(".why")).to_contain_text("2つ以上の分野にまたがる")
    expect(program.locator(".why")).to_contain_text("ルール: 複数の分野にまたがる相談")
    meeting = card(pg, "meetings", "重層的支援会議")
    expect(meeting).to_have_count(1)
    expect(meeting.locator(".why")).to_contain_text("本人の同意が得られた場合")
    expect(card(pg, "meetings", "支援会議")).to_have_count(0)
    for section in ("programs", "departments", "meetings"):
        cards = pg.locator(f"#result-{section} .card")
        for i in range(cards.count()):  # each card's reasons are closed; its summary line opens them
            expect(cards.nth(i).locator(".why li").first).to_be_hidden()
            cards.nth(i).locator("details.why > summary").click()
            expect(cards.nth(i).locator(".why li").first).to_be_visible()
    expect(pg.locator("#route-unmatched")).to_contain_text("「ぴよぴよの件」")
    expect(pg.locator("#route-needs")).to_contain_text("親の介護")
    expect(pg.locator("details.rules summary")).to_contain_text("ルールの説明")
    shot(pg, "route")

    # つなぎシート: built in the browser from the result in memory; print CSS shows the sheet only.
    pg.get_by_role("link", name="つなぎシートを作る(印刷用)").click()
    sheet = pg.locator("#sheet")
    expect(sheet).to_contain_text("多機関協働事業")
    expect(sheet).to_contain_text("社会福祉課")
    expect(sheet).to_contain_text("重層的支援会議")
    expect(sheet).to_contain_text("同意あり")
    expect(sheet).to_contain_text("「ぴよぴよの件」")
    expect(pg.locator("#sheet-municipality")).to_have_text("魚津市(富山県)")
    expect(sheet.locator(".notice")).to_contain_text("魚津市重層的支援体制整備事業")
    pg.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }")
    pg.get_by_role("button", name="印刷する").click()
    assert pg.evaluate("() => window.__printed") == 1
    pg.emulate_media(media="print")
    expect(pg.locator(".site-header")).to_be_hidden()
    expect(pg.locator(".site-nav")).to_be_hidden()
    expect(pg.locator(".toolbar")).to_be_hidden()
    expect(sheet).to_be_visible()
    assert pg.evaluate("() => getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    shot(pg, "sheet-print")
    pg.emulate_media(media="screen")
    shot(pg, "sheet")
    posts = [r for r in recorder.requests if r.method == "POST"]
    assert [r.url for r in posts] == [recorder.origin + scoped(UOZU, "/v1/route")], (
        "the sheet is made without the server"
    )


def test_route_planned_and_age(page: tuple[Page, Recorder]) -> None:
    """In R6 アウトリーチ was being designed: it is answered as 準備中 with its status; ages reach 地域づくり. With
    経済的困窮 the household spans two fields, so 多機関協働事業 and its case meetings follow."""
    pg, recorder = page
    open_view(pg, "route")
    pg.get_by_role("checkbox", name="ひきこもり", exact=True).check()
    pg.get_by_role("checkbox", name="経済的困窮", exact=True).check()
    for n, age in enumerate(("82", "45"), 1):
        pg.get_by_role("button", name="世帯員を加える").click()
        pg.get_by_label(f"世帯員{n}の年齢").fill(age)
    pg.get_by_label("基準日").fill("2024-10-01")
    pg.get_by_role("button", name="振り分ける").click()
    planned = card(pg, "planned", "アウトリーチ等を通じた継続的支援事業 準備中")
    expect(planned).to_have_count(1)
    expect(planned).to_contain_text("実施体制の検討")
    expect(planned).to_contain_text("令和7年度から実施予定")
    prevention = card(pg, "programs", "一般介護予防事業・地域介護予防活動支援事業")
    expect(prevention).to_have_count(1)
    expect(prevention.locator(".why .condition")).to_have_text("条件: 65歳以上の世帯員がいる")
    expect(prevention.locator(".why .meta")).to_have_text(re.compile(r"^計画の節: .* ・ ルール: 年齢\(下限\)"))
    expect(pg.locator("#result-meetings .card")).to_have_count(2)  # consent unknown: both meetings, each conditional
    body = json.loads(recorder.posts("/v1/route")[0].post_data or "{}")
    assert body["members"] == [{"age": 82}, {"age": 45}] and body["consent"] is None

    pg.get_by_label("世帯員1の年齢").fill("八十")
    pg.get_by_role("button", name="振り分ける").click()
    expect(pg.locator("#route-form-error")).to_contain_text("世帯員1の年齢")
    expect(pg.get_by_label("世帯員1の年齢")).to_have_attribute("aria-invalid", "true")
    assert len(recorder.posts("/v1/route")) == 1, "an invalid age is caught before sending"


def test_one_municipality_has_no_chooser_but_names_it(page: tuple[Page, Recorder]) -> None:
    """With one municipality served the page looks as before, naming the municipality; its API calls are still
    for that municipality (/v1/municipalities/162043/…), and a code in the URL that is not served is dropped."""
    pg, recorder = page
    open_view(pg, "programs")
    expect(pg.locator("#municipality-choice")).to_be_hidden()
    expect(pg.get_by_label("市町村", exact=True)).to_be_hidden()
    expect(pg.locator("#municipality-name")).to_have_text("魚津市")
    expect(pg.locator("#plan-label")).to_contain_text("魚津市重層的支援体制整備事業")
    expect(pg).to_have_title(re.compile(r"^事業一覧 — 魚津市 — 重層的支援 つなぎ先ナビ$"))
    assert "?" not in pg.url, "no municipality in the URL when there is only one"
    pg.goto("/?municipality=999008#/revision")
    expect(pg).to_have_url(re.compile(r"/#/revision$"))
    expect(pg.locator("#revision-target")).to_have_text("魚津市の計画を検証")
    expect(pg.locator("main .box.bad")).to_have_count(0)
    api = [p for p in recorder.api_paths() if p != "/v1/municipalities"]
    assert api and all(p.startswith(scoped(UOZU, "/v1/")) for p in api), api


# ---- 誰が担当? ------------------------------------------------------------------------------------------------


def test_who_handles(page: tuple[Page, Recorder]) -> None:
    pg, recorder = page
    open_view(pg, "who")
    pg.get_by_label("住民の言葉での質問・困りごと").fill("隣の空き家が心配")
    pg.get_by_role("button", name="探す").click()
    first = pg.locator("#who-list > li").first
    expect(first.get_by_role("heading")).to_contain_text("1位")
    expect(first.get_by_role("link")).to_have_text("都市計画課")
    expect(first).to_contain_text("空き家対策")
    sent = recorder.posts("/v1/who-handles")
    assert len(sent) == 1 and json.loads(sent[0].post_data or "{}") == {"q": "隣の空き家が心配"}
    assert "空き家" not in pg.url
    shot(pg, "who-handles")
    first.get_by_role("link", name="都市計画課").click()
    expect(pg).to_have_url(re.compile(r"#/departments/dept-toshikeikaku$"))
    expect(pg.locator("#duties")).to_contain_text("空き家対策")
    shot(pg, "department")


def test_words_that_name_nothing_are_offered_what_they_may_mean(page: tuple[Page, Recorder]) -> None:
    """「もしかして」 on the routing page: a misspelt word in kana is offered 認知症; choosing it ticks that need,
    drops the word and routes again, and the fallback notice goes away."""
    pg, recorder = page
    open_view(pg, "route")
    pg.get_by_label("住民の言葉で追加(任意)").fill("にんちしょお")
    pg.get_by_role("button", name="追加").click()
    pg.get_by_role("button", name="振り分ける").click()
    unmatched = pg.locator("#route-unmatched")
    expect(unmatched).to_contain_text("「にんちしょお」")
    expect(unmatched).to_contain_text("もしかして:")
    expect(pg.locator("#route-fallback")).to_contain_text("特定の困りごとが見つかりませんでした")
    expect(card(pg, "programs", "多機関協働事業")).to_have_count(1)
    unmatched.get_by_role("button", name="認知症", exact=True).click()
    expect(pg.locator("#route-needs")).to_contain_text("認知症")
    expect(pg.locator("#route-unmatched")).to_have_count(0)
    expect(pg.locator("#route-fallback")).to_have_count(0)
    expect(pg.locator("#need-dementia")).to_be_checked()
    sent = [json.loads(r.post_data or "{}")["needs"] for r in recorder.posts("/v1/route")]
    assert sent == [["にんちしょお"], ["dementia"]]


def test_who_handles_names_falls_back_and_suggests(page: tuple[Page, Recorder]) -> None:
    pg, recorder = page
    open_view(pg, "who")
    question = pg.get_by_label("住民の言葉での質問・困りごと")
    question.fill("こども家庭センターに相談したい")
    pg.get_by_role("button", name="探す").click()
    expect(pg.locator("#who-named")).to_contain_text("こども家庭センター")
    expect(pg.locator("#who-named")).to_contain_text("担当: こども課、健康センター")
    expect(pg.locator("#who-list > li").first.get_by_role("link")).to_have_text("健康センター")
    question.fill("ほげほげの件で")
    pg.get_by_role("button", name="探す").click()
    expect(pg.locator("#who-fallback")).to_contain_text("特定の困りごとが見つかりませんでした")
    first = pg.locator("#who-list > li").first
    expect(first.get_by_role("link")).to_have_text("社会福祉課")
    expect(first.locator(".why")).to_contain_text("包括的相談支援事業は相談者の属性や世代、相談内容に関わらず")
    question.fill("にんちしょお")
    pg.get_by_role("button", name="探す").click()
    pg.locator("#who-suggestions").get_by_role("button", name="認知症", exact=True).click()
    expect(pg.locator("#who-results h2")).to_have_text("「認知症」の担当課の候補")
    expect(pg.locator("#who-list > li").first.get_by_role("link")).to_have_text("社会福祉課")
    asked = [json.loads(r.post_data or "{}")["q"] for r in recorder.posts("/v1/who-handles")]
    assert asked == ["こども家庭センターに相談したい", "ほげほげの件で", "にんちしょお", "認知症"]


# ---- catalog pages -----------------------------------------------------------------------------------------------


def test_programs_and_program_page(page: tuple[Page, Recorder], server: RealServer) -> None:
    pg, _ = page
    with server.client() as client:
        programs = client.get("/v1/programs").json()["programs"]
    open_view(pg, "programs")
    expect(pg.locator("#programs-table tbody tr")).to_have_count(len(programs))
    shot(pg, "programs")
    pg.get_by_role("link", name="アウトリーチ等を通じた継続的支援事業").click()
    expect(pg).to_have_url(re.compile(r"#/programs/prog-outreach$"))
    expect(pg.locator("main h1")).to_contain_text("アウトリーチ等を通じた継続的支援事業")
    expect(pg.locator("main")).to_contain_text("社会福祉法第106条の4第2項第4号")
    expect(pg.locator("main")).to_contain_text("社会福祉課")
    expect(pg).to_have_title(re.compile("アウトリーチ等を通じた継続的支援事業"))
    shot(pg, "program")

    pg.goto("/#/programs/no-such-program")
    expect(pg.locator("main [role=alert]")).to_contain_text("指定された事業は見つかりません。")


def test_departments(page: tuple[Page, Recorder], server: RealServer) -> None:
    pg, _ = page
    with server.client() as client:
        duties = client.get("/v1/departments/dept-shakaifukushi").json()["duties"]
    open_view(pg, "departments")
    expect(pg.locator("#departments-table tbody tr")).to_have_count(12)
    shot(pg, "departments")
    pg.get_by_role("link", name="社会福祉課", exact=True).click()
    expect(pg.locator("main h1")).to_have_text("社会福祉課")
    expect(pg.locator("#duties li")).to_have_count(len(duties))
    expect(pg.locator("main")).to_contain_text("多機関協働事業")


def test_matrix_heat_map(page: tuple[Page, Recorder], server: RealServer) -> None:
    pg, _ = page
    with server.client() as client:
        matrix = client.get("/v1/matrix").json()
    marked = sum(1 for row in matrix["rows"] for on in row["cells"].values() if on)
    open_view(pg, "matrix")
    table = pg.locator("#matrix-table")
    expect(table.locator("tbody tr")).to_have_count(12)
    expect(table.locator("thead th")).to_have_count(len(matrix["functions"]) + 2)
    expect(table.locator("td.cell.on")).to_have_count(marked)
    expect(table.locator("td.cell.off")).to_have_count(12 * len(matrix["functions"]) - marked)
    on = table.locator("td.cell.on").first.evaluate("el => getComputedStyle(el).backgroundColor")
    off = table.locator("td.cell.off").first.evaluate("el => getComputedStyle(el).backgroundColor")
    assert on != off and contrast(on, off) >= 1.8, "marked cells stand out at a glance"
    expect(table.locator("td.cell.on").first).to_contain_text("関わる")  # not colour alone
    shot(pg, "matrix")


def test_meetings_and_schedule(page: tuple[Page, Recorder], server: RealServer) -> None:
    pg, _ = page
    with server.client() as client:
        schedule = client.get("/v1/schedule").json()
    open_view(pg, "meetings")
    expect(pg.locator("#meetings-list > li")).to_have_count(5)
    expect(pg.locator("#meetings-list")).to_contain_text("重層的支援会議")
    expect(pg.locator("#meetings-list")).to_contain_text("社会福祉法第106条の6")
    shot(pg, "meetings")
    pg.get_by_role("link", name="支援会議", exact=True).click()
    expect(pg).to_have_url(re.compile(r"#/meetings/mtg-shien$"))
    expect(pg.locator("main")).to_contain_text("守秘義務")

    open_view(pg, "schedule")
    table = pg.locator("#schedule-table")
    expect(table.locator("tbody tr")).to_have_count(len(schedule["rows"]))
    for era in ("令和6年度", "令和7年度", "令和8年度"):
        expect(table.locator("thead")).to_contain_text(era)
    outreach = table.locator("tbody tr").filter(has_text="③アウトリーチ")
    expect(outreach.locator("td.phase").first).to_have_text("実施体制の検討")
    expect(outreach.locator("td.phase.status-full")).to_have_attribute("colspan", "2")  # R7–R8 as one bar
    shot(pg, "schedule")


# ---- 計画の改定 -------------------------------------------------------------------------------------------------


def test_revision_upload_shows_japanese_report_and_diff(
    page: tuple[Page, Recorder], server: RealServer, tmp_path: Path
) -> None:
    pg, recorder = page
    with server.client() as client:
        turtle = client.get("/v1/catalog", params={"format": "ttl"}).text
    graph = Graph()
    graph.parse(data=turtle, format="turtle")
    assert OUTREACH_DEPARTMENT in graph
    graph.remove(OUTREACH_DEPARTMENT)
    bad_ttl = tmp_path / "revision.ttl"
    bad_ttl.write_text(graph.serialize(format="turtle"), encoding="utf-8")
    bad_jsonld = tmp_path / "revision.jsonld"
    bad_jsonld.write_text(graph.serialize(format="json-ld"), encoding="utf-8")
    old_excel = tmp_path / "revision.xls"
    old_excel.write_bytes(b"\xd0\xcf\x11\xe0")

    open_view(pg, "revision")
    expect(pg.locator("#workbook-note")).to_contain_text("シート・行・列")
    pg.get_by_label("改定案のファイル").set_input_files(str(old_excel))
    pg.get_by_role("button", name="検証する").click()
    expect(pg.locator("#revision-error")).to_contain_text("Excel は .xlsx で保存し")
    assert not recorder.posts("/v1/validate"), "an old .xls file is not sent"

    pg.get_by_label("改定案のファイル").set_input_files(str(bad_ttl))
    pg.get_by_role("button", name="検証する").click()
    expect(pg.locator("#revision-verdict")).to_contain_text("直すべき点があります", timeout=VALIDATE_TIMEOUT_MS)
    row = pg.locator("#findings-table tbody tr").filter(has_text=NO_DEPARTMENT)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("違反")
    expect(row).to_contain_text("アウトリーチ等を通じた継続的支援事業")
    expect(row).to_contain_text("事業に所管課を1つ指定してください(計画で定義された課から)。")
    expect(row.locator("td").nth(1)).to_have_text(
        "アウトリーチ等を通じた継続的支援事業実施事業、所管課"
    )  # no RDF names
    expect(pg.locator("#diff-summary")).to_contain_text("変更 1件")
    change = pg.locator("#revision-diff table.diff-changes")
    expect(change.locator("caption")).to_contain_text("アウトリーチ等を通じた継続的支援事業")
    expect(change.locator("tbody tr")).to_contain_text("所管課")
    expect(change.locator("tbody tr")).to_contain_text("社会福祉課")
    assert recorder.posts("/v1/validate")[0].headers["content-type"] == "text/turtle"
    shot(pg, "revision")

    pg.get_by_label("改定案のファイル").set_input_files(str(bad_jsonld))
    pg.get_by_role("button", name="検証する").click()
    expect(pg.locator("#revision-results-title")).to_contain_text("revision.jsonld", timeout=VALIDATE_TIMEOUT_MS)
    expect(pg.locator("#findings-table")).to_contain_text(NO_DEPARTMENT)
    assert recorder.posts("/v1/validate")[1].headers["content-type"] == "application/ld+json"


def test_revision_workbook_names_sheet_row_and_column(page: tuple[Page, Recorder], tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from jyuso_kb import cli

    pg, recorder = page
    xlsx = tmp_path / "revision.xlsx"
    assert cli.main(["workbook", "export", "--format", "xlsx", "--out", str(xlsx)]) == 0
    book = load_workbook(xlsx)
    sheet = book["実施事業"]
    headers = [c.value for c in sheet[1]]
    column = headers.index("所管課") + 1
    for row in sheet.iter_rows(min_row=2):
        if str(row[0].value).endswith("prog-outreach"):
            row[column - 1].value = None
    book.save(xlsx)
    open_view(pg, "revision")
    pg.get_by_label("改定案のファイル").set_input_files(str(xlsx))
    pg.get_by_role("button", name="検証する").click()
    row = pg.locator("#findings-table tbody tr").filter(has_text=NO_DEPARTMENT)
    expect(row).to_have_count(1, timeout=VALIDATE_TIMEOUT_MS)
    expect(row.locator(".finding-location")).to_have_text("シート 実施事業、行 7、列 所管課")
    assert recorder.posts("/v1/validate")[0].headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def test_revision_syntax_error_is_shown(page: tuple[Page, Recorder], tmp_path: Path) -> None:
    pg, _ = page
    broken = tmp_path / "broken.ttl"
    broken.write_text('@prefix x: <http://example.org/> .\nx:a x:b "unterminated\n', encoding="utf-8")
    open_view(pg, "revision")
    pg.get_by_label("改定案のファイル").set_input_files(str(broken))
    pg.get_by_role("button", name="検証する").click()
    alert = pg.locator("#revision-results [role=alert]")
    expect(alert).to_contain_text("Turtle の構文エラー", timeout=VALIDATE_TIMEOUT_MS)
    expect(alert).to_contain_text("対処:")


# ---- keyboard and accessibility ------------------------------------------------------------------------------


def focused(pg: Page) -> dict[str, str]:
    info: dict[str, str] = pg.evaluate(
        """() => { const el = document.activeElement; const s = getComputedStyle(el);
        return {id: el.id, tag: el.tagName.toLowerCase(), type: el.type || '', name: el.name || '',
                cls: el.className || '', outline: s.outlineStyle, width: s.outlineWidth}; }"""
    )
    return info


def tab_until(pg: Page, wanted: str, limit: int = 250) -> list[str]:
    seen = []
    for _ in range(limit):
        pg.keyboard.press("Tab")
        now = focused(pg)
        seen.append(now["id"] or now["cls"] or now["tag"])
        if now["id"] == wanted:
            return seen
    raise AssertionError(f"Tab never reached #{wanted}; went through {seen[:40]}…")


def test_keyboard_only(page: tuple[Page, Recorder], server: RealServer) -> None:
    pg, recorder = page
    pg.goto("/")
    expect(pg.locator("#need-care-of-parent")).to_be_attached()
    pg.keyboard.press("Tab")
    assert "skip-link" in focused(pg)["cls"], "the skip link comes first"
    expect(pg.locator(".skip-link")).to_be_in_viewport()
    pg.keyboard.press("Enter")
    assert focused(pg)["id"] == "main"

    order = tab_until(pg, "need-care-of-parent")
    state = focused(pg)
    assert state["type"] == "checkbox" and state["outline"] != "none" and state["width"] not in ("0px", ""), state
    assert order[0].startswith("need-"), f"the checklist comes first in the main content: {order[:3]}"
    pg.keyboard.press("Space")
    expect(pg.locator("#need-care-of-parent")).to_be_checked()
    tab_until(pg, "need-hikikomori")
    pg.keyboard.press("Space")
    expect(pg.locator("#need-hikikomori")).to_be_checked()
    rest = tab_until(pg, "route-submit")
    positions = {name: rest.index(name) for name in ("free-text", "free-add", "member-add", "consent-unknown", "as-of")}
    assert list(positions.values()) == sorted(positions.values()), f"logical tab order: {rest}"
    state = focused(pg)
    assert state["outline"] == "solid" and state["width"] == "3px", "visible focus on the submit button"
    shot(pg, "keyboard-focus")
    pg.keyboard.press("Enter")
    expect(pg.locator("#route-results-title")).to_be_focused()
    expect(card(pg, "departments", "社会福祉課")).to_have_count(1)
    assert len(recorder.posts("/v1/route")) == 1

    # The result links are reachable too: Tab from the results heading to the first programme card.
    pg.keyboard.press("Tab")
    assert focused(pg)["tag"] == "a"
    # Navigating by keyboard moves focus to the new page's heading.
    pg.keyboard.press("Enter")
    expect(pg.locator("main h1")).to_be_focused()


VIEWS = [
    "route",
    "who",
    "programs",
    "programs/prog-outreach",
    "departments",
    "departments/dept-shakaifukushi",
    "matrix",
    "meetings",
    "meetings/mtg-jusoteki-shien",
    "schedule",
    "revision",
    "sheet",
]


def test_accessibility_of_every_view(page: tuple[Page, Recorder]) -> None:
    pg, _ = page
    open_view(pg, "route")
    pg.get_by_role("checkbox", name="ひきこもり", exact=True).check()
    pg.get_by_role("checkbox", name="税金の滞納", exact=True).check()
    pg.get_by_label("基準日").fill("2024-10-01")
    pg.get_by_role("button", name="振り分ける").click()  # results and the sheet are audited with content
    expect(pg.locator("#route-results-title")).to_be_focused()
    problems: dict[str, list[str]] = {}
    for view in VIEWS:
        open_view(pg, view)
        found = pg.evaluate(AUDIT) + pg.evaluate(CONTRAST)
        if found:
            problems[view] = found
    assert not problems, problems


def test_css_colour_pairs_meet_wcag_aa() -> None:
    css = (WEB / "style.css").read_text(encoding="utf-8")
    colours = css_variables(css)
    text_pairs = [
        ("ink", "paper"),
        ("ink", "surface"),
        ("ink", "header-bg"),
        ("ink", "neutral-bg"),
        ("ink-muted", "paper"),
        ("ink-muted", "surface"),
        ("ink-muted", "header-bg"),
        ("link", "paper"),
        ("link", "surface"),
        ("link", "header-bg"),
        ("link-visited", "paper"),
        ("primary", "paper"),
        ("primary-ink", "primary"),
        ("primary-ink", "primary-hover"),
        ("nav-current-ink", "nav-current-bg"),
        ("ok-ink", "ok-bg"),
        ("warn-ink", "warn-bg"),
        ("bad-ink", "bad-bg"),
        ("bad-ink", "paper"),
        ("info-ink", "info-bg"),
        ("legal-ink", "legal-bg"),
        ("heat-ink", "heat-0"),
        ("heat-ink", "heat-1"),
        ("heat-ink", "heat-2"),
        ("heat-ink", "heat-3"),
        ("heat-ink", "heat-4"),
        ("heat-ink", "heat-on"),
        ("ink-muted", "heat-0"),
    ]
    failing = {
        f"{fg} on {bg}": round(contrast(colours[fg], colours[bg]), 2)
        for fg, bg in text_pairs
        if contrast(colours[fg], colours[bg]) < 4.5
    }
    assert not failing, f"text colour pairs below 4.5:1: {failing}"
    # Non-text: focus ring and control borders need 3:1 against what surrounds them (WCAG 1.4.11).
    for fg, bg in [("focus", "paper"), ("focus", "surface"), ("focus", "header-bg"), ("line", "paper")]:
        assert contrast(colours[fg], colours[bg]) >= 3.0, f"{fg} on {bg}"
    # Every colour of the stylesheet is one of these variables (so this test sees them all).
    outside = re.sub(r":root\s*\{.*?\}", "", css, count=1, flags=re.S)
    literals = re.findall(r"#[0-9a-fA-F]{3,8}\b|\brgba?\(|\bhsla?\(", outside)
    assert not literals, f"colour literals outside :root: {literals}"
    for name, value in colours.items():
        if name != "shadow":
            parse_colour(value)  # every other variable is an opaque colour
