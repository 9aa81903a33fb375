"""A reason lists only the needs that set it off (issue 16, point 1): an age-based reason names no need, a case
meeting the needs that led to 多機関協働事業, and a condition reads as a whole sentence."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

HOUSEHOLD = {
    "needs": ["8050問題", "ひきこもり", "税金の滞納"],
    "members": [{"age": 82}, {"age": 50}],
    "consent": True,
    "as_of": "2025-10-01",
}


def _whys(body: dict[str, Any], key: str, item_id: str) -> list[dict[str, Any]]:
    return next(item["why"] for item in body[key] if item["id"] == item_id)


def test_age_based_reasons_name_no_need_and_read_as_a_sentence(api: TestClient) -> None:
    body = api.post("/v1/route", json=HOUSEHOLD).json()
    why = _whys(body, "programs", "prog-ippan-kaigoyobo")
    assert [(w["rule"], w["needs"], w["condition"], w["text"]) for w in why] == [
        (
            "community-by-min-age",
            [],
            "65歳以上の世帯員がいる",
            "65歳以上の世帯員がいるため、一般介護予防事業・地域介護予防活動支援事業(地域づくり事業)を紹介できます。",
        )
    ]
    owner = [w for w in _whys(body, "departments", "dept-kenko-center") if w["rule"] == "responsible-department"]
    assert [w["needs"] for w in owner] == [[]]


def test_a_span_of_fields_and_its_meeting_name_the_needs_that_led_there(api: TestClient) -> None:
    body = api.post("/v1/route", json=HOUSEHOLD).json()
    fields = [w for w in _whys(body, "programs", "prog-takikan-kyodo") if w["rule"] == "multi-agency-fields"]
    assert [(w["needs"], w["condition"], w["text"]) for w in fields] == [
        (
            ["problem-8050", "hikikomori", "tax-arrears"],
            "世帯の課題が2つ以上の分野にまたがる",
            "世帯の課題が2つ以上の分野にまたがるため、多機関協働事業が全体を調整し、支援プランを作成します。",
        )
    ]
    meeting = _whys(body, "meetings", "mtg-jusoteki-shien")
    assert [w["needs"] for w in meeting] == [["problem-8050", "hikikomori", "tax-arrears"]]
    outreach = [w for w in _whys(body, "departments", "dept-shakaifukushi") if "アウトリーチ" in w["text"]]
    assert [w["needs"] for w in outreach] == [["hikikomori"]]


def test_one_need_one_reason_list(api: TestClient, kasou_api: TestClient) -> None:
    """For either plan, a household with one need and an 82-year-old: every reason names that need or none."""
    for client in (api, kasou_api):
        body = client.post(
            "/v1/route", json={"needs": ["ひきこもり"], "members": [{"age": 82}], "as_of": "2025-10-01"}
        ).json()
        needs = {
            tuple(w["needs"]) for key in ("programs", "departments", "meetings") for i in body[key] for w in i["why"]
        }
        assert ("hikikomori",) in needs and needs <= {("hikikomori",), ()}, needs
