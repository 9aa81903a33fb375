"""The household entered member by member on the web page, and the one-page つなぎシート (issue 16, points 2–3).

Playwright drives Debian's Chromium against a real ``jyuso-kb serve`` with 魚津市 (whose plan gives no contact
points) and the fictional 架空町 (whose test plan gives some): each member with 続柄, age and needs reaches
POST /v1/route, the result says who has which need, and the sheet names the members, their needs, consent, the
date and each receiving office with its contact — a line to write on where the plan gives none — on exactly one
A4 page. Nothing is stored (the recorded page fails on any request leaving the server or any query in a URL).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from .api_support import RealServer
from .web_support import BOTH_TOWNS, KASOU, UOZU, Recorder, scoped, settled

pytestmark = pytest.mark.slow

HOUSEHOLD = [("母", "82", "足腰が弱ってきた"), ("長男", "52", "ひきこもりの息子"), ("本人", "56", "")]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealServer]:
    env = {
        "JYUSO_KB_SPARQL_WORKERS": "1",
        "JYUSO_KB_DATA": BOTH_TOWNS,
    }
    with RealServer(tmp_path_factory.mktemp("web-household") / "server.log", env) as running:
        yield running


def enter_household(pg: Page, code: str, household_needs: list[str], consent: str) -> None:
    pg.goto(f"/?municipality={code}#/route")
    settled(pg)
    for need in household_needs:
        pg.get_by_role("checkbox", name=need, exact=True).check()
    for n, (who, age, needs) in enumerate(HOUSEHOLD, 1):
        pg.get_by_role("button", name="世帯員を加える").click()
        expect(pg.get_by_label(f"世帯員{n}の続柄・呼び名")).to_be_focused()
        pg.get_by_label(f"世帯員{n}の続柄・呼び名").fill(who)
        pg.get_by_label(f"世帯員{n}の年齢").fill(age)
        pg.get_by_label(f"世帯員{n}の困りごと").fill(needs)
    pg.get_by_role("radio", name=consent).check()
    pg.get_by_label("基準日").fill("2025-10-01")
    pg.get_by_role("button", name="振り分ける").click()
    expect(pg.locator("#route-results-title")).to_be_focused()


def pdf_pages(pg: Page) -> int:
    pdf = pg.pdf(format="A4", print_background=True)
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def made_today() -> str:
    today = date.today()
    return f"{today.year}年{today.month}月{today.day}日"


def test_members_are_sent_one_by_one_and_the_result_shows_who_has_which_need(page: tuple[Page, Recorder]) -> None:
    pg, recorder = page
    enter_household(pg, UOZU, ["親の介護"], "同意あり")
    [sent] = recorder.posts("/v1/route", UOZU)
    assert json.loads(sent.post_data or "{}") == {
        "needs": ["care-of-parent"],
        "members": [
            {"label": "母", "age": 82, "needs": ["足腰が弱ってきた"]},
            {"label": "長男", "age": 52, "needs": ["ひきこもりの息子"]},
            {"label": "本人", "age": 56},
        ],
        "consent": True,
        "as_of": "2025-10-01",
    }
    expect(pg.locator("#route-members li")).to_have_text(
        [
            "母(82歳): 介護予防(年齢により紹介: 一般介護予防事業・地域介護予防活動支援事業、生活支援体制整備事業)",
            "長男(52歳): ひきこもり",
            "本人(56歳): 困りごとの入力なし",
            "世帯: 親の介護",
        ]
    )
    assert pg.url.endswith(f"?municipality={UOZU}#/route"), "no need in the URL"


def test_a_member_s_bad_age_is_caught_at_its_field_before_sending(page: tuple[Page, Recorder]) -> None:
    pg, recorder = page
    pg.goto(f"/?municipality={UOZU}#/route")
    settled(pg)
    pg.get_by_role("checkbox", name="ひきこもり", exact=True).check()
    pg.get_by_role("button", name="世帯員を加える").click()
    pg.get_by_role("button", name="世帯員を加える").click()
    pg.get_by_label("世帯員2の年齢").fill("八十")
    pg.get_by_role("button", name="振り分ける").click()
    expect(pg.locator("#route-form-error")).to_have_text("世帯員2の年齢は 0〜130 の数字で入力してください。")
    expect(pg.get_by_label("世帯員2の年齢")).to_have_attribute("aria-invalid", "true")
    expect(pg.get_by_label("世帯員2の年齢")).to_be_focused()
    pg.get_by_role("button", name="世帯員1を削除").click()
    expect(pg.get_by_label("世帯員1の年齢")).to_have_value("八十")  # the second row is now the first
    expect(pg.get_by_label("世帯員2の年齢")).to_have_count(0)
    assert recorder.posts("/v1/route", UOZU) == []


# The sheets' exact text (innerText: cells separated by tabs; a blank line to write on is empty).
UOZU_SHEET = "\n".join(
    [
        "つなぎシート(支援関係機関への連絡票)",
        "市町村\t魚津市(富山県)\t作成日\t{made}",
        "基準日\t2025年10月1日(令和7年度)\t本人の同意\t同意あり",
        "相談者\t\t相談者の連絡先\t",
        "受付窓口\t\t担当者\t",
        "世帯員と困りごと",
        "続柄・呼び名\t年齢\t困りごと",
        "母\t82歳\t介護予防",
        "長男\t52歳\tひきこもり",
        "本人\t56歳\t—",
        "世帯\t—\t親の介護、税金の滞納",
        "つなぎ先と連絡先",
        "区分\tつなぎ先\t連絡先\t誰の・どの困りごと\t理由",
        "担当課\t社会福祉課",
        "つなぐ事業: 地域包括支援センター運営事業、障がい者相談支援事業、自立相談支援事業、多機関協働事業、アウトリーチ等を通じた継続的支援事業、社会参加支援事業、生活支援体制整備事業",
        "\t",
        "電話番号 ",
        "内線 ",
        "窓口 ",
        "\t",
        "母(82歳): 介護予防、年齢による紹介",
        "長男(52歳): ひきこもり",
        "世帯: 親の介護、税金の滞納",
        "\t社会福祉課の業務「高齢者福祉相談」が「親の介護」に対応します。社会福祉課の業務「生活困窮者自立相談支援」が「経済的困窮」に対応します。社会福祉課の業務「高齢者福祉相談」が「高齢者の福祉」に対応します。社会福祉課の業務「ひきこもり支援」が「ひきこもり」に対応します。社会福祉課は参加支援(庁内連携体制の(2))に○があり、業務「ひきこもり支援」で「ひきこもり」に対応します。",
        "担当課\t健康センター",
        "つなぐ事業: 一般介護予防事業・地域介護予防活動支援事業",
        "\t",
        "電話番号 ",
        "内線 ",
        "窓口 ",
        "\t",
        "母(82歳): 介護予防、年齢による紹介",
        "\t健康センターの業務「介護予防」が「介護予防」に対応します。",
        "担当課\t税務課\t",
        "電話番号 ",
        "内線 ",
        "窓口 ",
        "\t",
        "世帯: 税金の滞納",
        "\t税務課の業務「納税相談」が「税金の滞納」に対応します。",
        "会議\t重層的支援会議",
        "社会福祉法第106条の4第2項第5号",
        "\t—\t",
        "母(82歳): 介護予防",
        "長男(52歳): ひきこもり",
        "世帯: 親の介護、税金の滞納",
        "\t本人の同意が得られた場合は、重層的支援会議で関係機関の連携・調整や支援プランを検討します。",
        "備考・引き継ぎ事項",
        "",
        "魚津市重層的支援体制整備事業（移行準備事業）実施計画に基づく。計画の版 {revision}。このシートには個人に関する情報が含まれます。関係機関への引き継ぎ以外に使わず、不要になったら適切に廃棄してください。",
    ]
)

KASOU_SHEET = "\n".join(
    [
        "つなぎシート(支援関係機関への連絡票)",
        "市町村\t架空町(架空県)\t作成日\t{made}",
        "基準日\t2025年10月1日(令和7年度)\t本人の同意\t同意不明",
        "相談者\t\t相談者の連絡先\t",
        "受付窓口\t\t担当者\t",
        "世帯員と困りごと",
        "続柄・呼び名\t年齢\t困りごと",
        "母\t82歳\t介護予防",
        "長男\t52歳\tひきこもり",
        "本人\t56歳\t—",
        "世帯\t—\t親の介護、経済的困窮",
        "つなぎ先と連絡先",
        "区分\tつなぎ先\t連絡先\t誰の・どの困りごと\t理由",
        "担当課\t福祉課",
        "つなぐ事業: 高齢者あんしん相談センター運営事業、ふくしまるごと相談窓口事業、チーム支援調整事業",
        "\t",
        "電話番号 0000-00-1001",
        "内線 101",
        "窓口 役場本庁舎1階 1番窓口",
        "\t",
        "母(82歳): 介護予防",
        "長男(52歳): ひきこもり",
        "世帯: 親の介護、経済的困窮",
        "\t福祉課の業務「高齢者福祉・介護保険」が「高齢者の福祉」に対応します。福祉課の業務「生活困窮者自立支援」が「経済的困窮」に対応します。",
        "担当課\t保健センター\t",
        "電話番号 0000-00-1003",
        "内線 ",
        "窓口 保健センター1階 受付",
        "\t",
        "母(82歳): 介護予防",
        "\t保健センターの業務「介護予防・通いの場」が「介護予防」に対応します。",
        "会議\tチーム支援会議",
        "社会福祉法第106条の4第2項第5号",
        "\t—\t",
        "母(82歳): 介護予防",
        "長男(52歳): ひきこもり",
        "世帯: 親の介護、経済的困窮",
        "\t本人の同意が得られた場合は、チーム支援会議で関係機関の連携・調整や支援プランを検討します。",
        "会議\t架空町支援会議",
        "社会福祉法第106条の6",
        "\t—\t",
        "母(82歳): 介護予防",
        "長男(52歳): ひきこもり",
        "世帯: 親の介護、経済的困窮",
        "\t本人の同意が得られない場合でも、架空町支援会議では社会福祉法第106条の6に基づく守秘義務の下で関係機関と情報を共有し、支援を検討できます。",
        "準備中\tつながり訪問支援事業",
        "実施体制の検討、令和8年度から",
        "\t—\t",
        "長男(52歳): ひきこもり",
        "\tつながり訪問支援事業は「ひきこもり」に対応する事業です(アウトリーチ等を通じた継続的支援事業)。",
        "備考・引き継ぎ事項",
        "",
        "架空町重層的支援体制整備事業実施計画に基づく。計画の版 {revision}。このシートには個人に関する情報が含まれます。関係機関への引き継ぎ以外に使わず、不要になったら適切に廃棄してください。",
    ]
)


def sheet_text(pg: Page) -> str:
    """The sheet's text as the browser renders it, with today's date and the plan's revision (which change) named."""
    text = str(pg.locator("#sheet").inner_text()).replace(made_today(), "{made}")
    return re.sub(r"計画の版 [0-9a-f]{16}。", "計画の版 {revision}。", text)


def test_the_sheet_names_members_needs_and_offices_on_one_a4_page_for_uozu(page: tuple[Page, Recorder]) -> None:
    pg, recorder = page
    enter_household(pg, UOZU, ["親の介護", "税金の滞納"], "同意あり")
    assert pdf_pages(pg) > 1, "the page count sees more than one page (the long result printed)"
    pg.get_by_role("link", name="つなぎシートを作る(印刷用)").click()
    settled(pg)
    assert sheet_text(pg) == UOZU_SHEET
    pg.emulate_media(media="print")
    assert pdf_pages(pg) == 1
    posts = [r for r in recorder.requests if r.method == "POST"]
    assert [r.url for r in posts] == [recorder.origin + scoped(UOZU, "/v1/route")], (
        "the sheet is made without the server"
    )


def test_the_sheet_gives_kasou_s_contacts_and_lines_where_there_are_none(page: tuple[Page, Recorder]) -> None:
    pg, _ = page
    enter_household(pg, KASOU, ["親の介護", "経済的困窮"], "同意不明")
    pg.get_by_role("link", name="つなぎシートを作る(印刷用)").click()
    settled(pg)
    assert sheet_text(pg) == KASOU_SHEET
    pg.emulate_media(media="print")
    assert pdf_pages(pg) == 1
