"""Issue 16, point 1 and 4 on the staff page: the routing result opens with an ordered summary, the cards' reasons
are closed until asked for, condition badges are whole sentences, a reason names only the needs that set it off;
the needs checklist has a filter box and collapsible groups. For 魚津市 and the fictional 架空町."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from .api_support import RealServer
from .web_support import BOTH_TOWNS, KASOU, UOZU, Recorder

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealServer]:
    env = {
        "JYUSO_KB_SPARQL_WORKERS": "1",
        "JYUSO_KB_DATA": BOTH_TOWNS,
    }
    with RealServer(tmp_path_factory.mktemp("web-result") / "server.log", env) as running:
        yield running


def open_route(pg: Page, code: str) -> None:
    pg.set_viewport_size({"width": 1366, "height": 900})
    pg.goto(f"/?municipality={code}#/route")
    expect(pg.locator("main h1")).to_have_text("相談の振り分け")
    expect(pg.locator("main")).not_to_have_attribute("aria-busy", "true")


def route_8050(pg: Page) -> None:
    """The issue's household: 8050問題, ひきこもり, 税金の滞納; an 82-year-old and a 50-year-old; consent given."""
    for need in ("problem-8050", "hikikomori", "tax-arrears"):
        pg.locator(f'#need-checklist input[value="{need}"]').check()
    for n, age in enumerate(("82", "50"), 1):  # two members, by age only
        pg.get_by_role("button", name="世帯員を加える").click()
        pg.get_by_label(f"世帯員{n}の年齢").fill(age)
    pg.get_by_role("radio", name="同意あり").check()
    pg.get_by_label("基準日").fill("2025-10-01")
    pg.get_by_role("button", name="振り分ける").click()
    expect(pg.locator("#route-summary")).to_be_visible()


SUMMARY = {
    UOZU: [
        "まずつなぐ先: 地域包括支援センター運営事業(所管課: 社会福祉課)",
        "あわせてつなぐ先: 障がい者相談支援事業、自立相談支援事業、多機関協働事業、アウトリーチ等を通じた継続的支援事業、"
        "社会参加支援事業、一般介護予防事業・地域介護予防活動支援事業、生活支援体制整備事業、健康センター、税務課",
        "開く会議: 重層的支援会議(本人の同意が得られた場合)",
    ],
}


@pytest.mark.parametrize("code", [UOZU, KASOU])
def test_result_opens_with_summary_and_reasons_closed(page: tuple[Page, Recorder], code: str) -> None:
    pg, _ = page
    open_route(pg, code)
    route_8050(pg)
    summary = pg.locator("#route-summary")
    steps = summary.locator("ol > li")
    expect(steps).to_have_count(3)
    if code in SUMMARY:
        expect(steps).to_have_text(SUMMARY[code])
    else:
        expect(steps.nth(0)).to_contain_text("まずつなぐ先: ")
        expect(steps.nth(1)).to_contain_text("あわせてつなぐ先: ")
        expect(steps.nth(2)).to_contain_text("開く会議: ")
    # The summary comes before the first card.
    above = pg.evaluate(
        "() => document.querySelector('#route-summary').compareDocumentPosition(document.querySelector('.card'))"
    )
    assert above & 4, "the summary precedes the cards"  # Node.DOCUMENT_POSITION_FOLLOWING

    reasons = pg.locator("#route-results .card details.why")
    assert reasons.count() == pg.locator("#route-results .card").count() > 0
    for i in range(reasons.count()):
        expect(reasons.nth(i)).not_to_have_attribute("open", "")
    first = reasons.first
    expect(first.locator("li").first).to_be_hidden()
    first.locator("summary").focus()
    pg.keyboard.press("Enter")
    expect(first).to_have_attribute("open", "")
    expect(first.locator("li").first).to_be_visible()
    pg.keyboard.press("Enter")
    expect(first.locator("li").first).to_be_hidden()

    height = pg.evaluate("() => document.querySelector('#route-results').getBoundingClientRect().height")
    assert height < 4000, height


def test_whole_sentence_badge_and_only_triggering_needs(page: tuple[Page, Recorder]) -> None:
    pg, _ = page
    open_route(pg, UOZU)
    route_8050(pg)
    program = pg.locator("#result-programs .card").filter(
        has=pg.get_by_role("heading", name="一般介護予防事業・地域介護予防活動支援事業", exact=True)
    )
    program.locator("details.why summary").click()
    reason = program.locator("details.why li")
    expect(reason).to_have_count(1)
    expect(reason.locator(".condition")).to_have_text("条件: 65歳以上の世帯員がいる")
    expect(reason.locator(".meta")).not_to_contain_text("対象の困りごと")
    expect(reason.locator(".why-text")).to_have_text(
        "65歳以上の世帯員がいるため、一般介護予防事業・地域介護予防活動支援事業(地域づくり事業)を紹介できます。"
    )
    department = pg.locator("#result-departments .card").filter(
        has=pg.get_by_role("heading", name="社会福祉課", exact=True)
    )
    expect(department.locator("details.why summary")).to_have_text("なぜここにつなぐのか(理由11件)")
    department.locator("details.why summary").click()
    outreach = department.locator("details.why li").filter(has_text="アウトリーチ等を通じた継続的支援事業の所管課")
    expect(outreach.locator(".meta")).to_contain_text("対象の困りごと: ひきこもり ・")
    expect(outreach.locator(".meta")).not_to_contain_text("税金の滞納")


@pytest.mark.parametrize("code", [UOZU, KASOU])
def test_filter_narrows_the_checklist_and_groups_collapse(page: tuple[Page, Recorder], code: str) -> None:
    pg, _ = page
    open_route(pg, code)
    groups = pg.locator("#need-checklist details.need-group")
    expect(groups).to_have_count(6 if code == UOZU else groups.count())
    assert groups.count() >= 2
    for i in range(groups.count()):
        expect(groups.nth(i)).to_have_attribute("open", "")
    first = groups.first
    first.locator("summary").click()
    expect(first).not_to_have_attribute("open", "")
    expect(first.locator("li").first).to_be_hidden()
    first.locator("summary").click()
    expect(first.locator("li").first).to_be_visible()

    visible = pg.locator("#need-checklist .need-list li:visible")
    filter_box = pg.get_by_label("一覧を絞り込む(言葉の一部)")
    filter_box.fill("ヒキコモリ")  # katakana finds the hiragana label, and 8050問題 by one of its other wordings
    expect(visible).to_have_text(["ひきこもり", "8050問題(高齢・障がい・生活困窮)"])
    expect(pg.locator("#need-filter-count")).to_have_text("2件が当てはまります。")
    filter_box.fill("7040")  # an other wording (alias) of 8050問題
    expect(visible).to_have_text([re.compile(r"^8050問題")])
    expect(groups.filter(visible=True)).to_have_count(1)
    filter_box.fill("ぴよぴよ")
    expect(visible).to_have_count(0)
    expect(pg.locator("#need-filter-count")).to_have_text("0件が当てはまります。")
    filter_box.fill("")
    expect(pg.locator("#need-checklist .need-list li")).to_have_count(visible.count())
    expect(pg.locator("#need-filter-count")).to_have_text("")
    # A need found through the filter is chosen as any other.
    filter_box.fill("ひきこもり")
    pg.get_by_role("checkbox", name="ひきこもり", exact=True).check()
    expect(pg.locator("#selected-summary")).to_have_text("選択中(1件): ひきこもり")
