"""The reference date (as_of) is bounded by data: rules/parameters.yaml's as_of_first_fiscal_year (2021, the year
重層的支援体制整備事業 began) and as_of_years_after_plan (5 fiscal years after the plan's last year).

A date inside that window but outside the plan period is answered by the nearest year of the plan, with a notice; a
date outside it is bad input, the same contract everywhere: POST /v1/route answers 422 with the one error shape
(``where`` = as_of), ``jyuso-kb route --as-of`` exits 2 with the Japanese message on stderr, and the Python API raises
InputError. Every test runs for 魚津市 and for the fictional 架空町 (each has its own plan period, so its own window).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

import jyuso_kb
from jyuso_kb import cli
from jyuso_kb.answer import route as routing
from jyuso_kb.index import parameters as params_module
from jyuso_kb.index.routing import RoutingIndex, build, compile_index
from jyuso_kb.plan.source import PlanSource
from jyuso_kb.reason import rules as reasoning

from .api_support import assert_error
from .conftest import KASOU_DIR

HINT_END = "基準日を省略すると今日の日付で判断します。"


@dataclass(frozen=True)
class Town:
    """One municipality's plan, its index and app, and what its window is (written out by hand)."""

    name: str
    index: RoutingIndex
    client: TestClient
    data_args: tuple[str, ...]  # `--data` for the CLI (none: the embedded plan)
    first_year: int
    last_year: int
    first_day: str  # the first accepted date
    last_day: str  # the last accepted date
    day_before: str  # the day before the first accepted one
    day_after: str  # the day after the last accepted one

    @property
    def error(self) -> dict[str, str]:
        return {
            "code": "as_of_out_of_range",
            "message": f"基準日が受け付ける範囲の外です。{self.first_day}〜{self.last_day}の日付で指定してください。",
            "where": "as_of",
            "hint": f"計画期間は{self.first_year}〜{self.last_year}年度です。{HINT_END}",
        }


@pytest.fixture(scope="module", params=["uozu", "kasou"])
def town(request: pytest.FixtureRequest, uozu: PlanSource) -> Town:
    if request.param == "uozu":
        return Town(
            "uozu",
            build(uozu),
            request.getfixturevalue("api"),
            (),
            2024,
            2026,
            "2021-04-01",
            "2032-03-31",
            "2021-03-31",
            "2032-04-01",
        )
    kasou: PlanSource = request.getfixturevalue("kasou")
    return Town(
        "kasou",
        build(kasou),
        request.getfixturevalue("kasou_api"),
        ("--data", str(KASOU_DIR)),
        2025,
        2027,
        "2021-04-01",
        "2033-03-31",
        "2021-03-31",
        "2033-04-01",
    )


def _far_and_near(town: Town) -> list[str]:
    """Dates just and far outside the window, in both directions."""
    return ["0001-01-01", "1999-12-31", town.day_before, town.day_after, "2100-04-01", "9999-12-31"]


def _post(town: Town, as_of: str, needs: list[str] | None = None) -> Any:
    return town.client.post("/v1/route", json={"needs": ["ひきこもり"] if needs is None else needs, "as_of": as_of})


# ---- the API: 422 with the one error shape -----------------------------------------------------------------------


def test_a_date_outside_the_window_is_a_422_naming_the_range(town: Town) -> None:
    for as_of in _far_and_near(town):
        error = assert_error(_post(town, as_of), 422)
        assert error == town.error, as_of


def test_the_error_never_quotes_the_date_given(town: Town) -> None:
    response = _post(town, "0001-01-01")
    assert "0001" not in response.text


def test_the_date_is_checked_before_the_needs(town: Town) -> None:
    """No needs is a 400 of the engine; the date, like any value out of range, is refused first with 422."""
    assert assert_error(_post(town, "0001-01-01", needs=[]), 422) == town.error
    assert assert_error(_post(town, town.last_day, needs=[]), 400)["code"] == "no_needs"


def test_the_first_and_last_days_of_the_window_are_answered_with_a_notice(town: Town) -> None:
    first = _post(town, town.first_day)
    assert first.status_code == 200
    assert first.json()["as_of"] == town.first_day
    assert first.json()["fiscal_year"] == 2021
    assert first.json()["notice"] == (
        f"基準日({town.first_day})は計画期間({town.first_year}〜{town.last_year}年度)の外です。"
        f"{town.first_year}年度の予定で判断しました。"
    )
    last = _post(town, town.last_day)
    assert last.status_code == 200
    assert last.json()["fiscal_year"] == town.last_year + 5
    assert last.json()["notice"] == (
        f"基準日({town.last_day})は計画期間({town.first_year}〜{town.last_year}年度)の外です。"
        f"{town.last_year}年度の予定で判断しました。"
    )


def test_a_date_inside_the_plan_period_has_no_notice(town: Town) -> None:
    answer = _post(town, f"{town.first_year}-10-01").json()
    assert answer["fiscal_year"] == town.first_year
    assert "notice" not in answer


def test_no_date_is_today_and_is_not_refused(town: Town) -> None:
    response = town.client.post("/v1/route", json={"needs": ["ひきこもり"]})
    assert response.status_code == 200
    assert response.json()["as_of"] == date.today().isoformat()


def test_the_openapi_document_says_which_dates_are_refused(api: TestClient) -> None:
    spec = api.get("/openapi.json").json()
    as_of = spec["components"]["schemas"]["RouteIn"]["properties"]["as_of"]
    assert "as_of_years_after_plan" in as_of["description"] and "422" in as_of["description"]
    assert "422" in spec["paths"]["/v1/route"]["post"]["responses"]


# ---- the Python API: InputError ----------------------------------------------------------------------------------


def test_the_python_api_raises_input_error(town: Town) -> None:
    for as_of in _far_and_near(town):
        with pytest.raises(jyuso_kb.InputError) as raised:
            jyuso_kb.route(town.index, ["ひきこもり"], as_of=date.fromisoformat(as_of))
        assert raised.value.as_dict() == town.error, as_of
        assert str(raised.value) == f"as_of: {town.error['message']}"


def test_the_python_api_answers_the_edges_of_the_window(town: Town) -> None:
    for as_of in (town.first_day, town.last_day):
        answer = jyuso_kb.route(town.index, ["ひきこもり"], as_of=date.fromisoformat(as_of))
        assert answer["as_of"] == as_of
        assert [n["id"] for n in answer["needs"]] == ["hikikomori"]


def test_as_of_range_is_the_window(town: Town) -> None:
    assert routing.as_of_range(town.index) == (date.fromisoformat(town.first_day), date.fromisoformat(town.last_day))


# ---- the CLI: exit 2, the Japanese message on stderr -------------------------------------------------------------


def test_the_cli_exits_2_with_the_message_on_stderr(town: Town, capsys: pytest.CaptureFixture[str]) -> None:
    for as_of in ("0001-01-01", town.day_after):
        code = cli.main(["route", "--need", "ひきこもり", "--as-of", as_of, "--json", *town.data_args])
        out, err = capsys.readouterr()
        assert code == 2
        assert out == ""
        assert err == (f"エラー: {town.error['message']}\n  場所: --as-of\n  ヒント: {town.error['hint']}\n")


def test_the_cli_answers_the_last_day_of_the_window(town: Town, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["route", "--need", "ひきこもり", "--as-of", town.last_day, *town.data_args])
    out, err = capsys.readouterr()
    assert code == 0
    assert err == ""
    year = town.last_year + 5
    assert out.startswith(f"基準日: {town.last_day}  年度: {year}年度(令和{year - 2018}年度)")


# ---- the bound is data -------------------------------------------------------------------------------------------


def test_the_bounds_are_declared_in_the_parameters_file_with_a_reason() -> None:
    entries = yaml.safe_load(params_module.default_file().read_text(encoding="utf-8"))
    first, after = entries["as_of_first_fiscal_year"], entries["as_of_years_after_plan"]
    assert (first["value"], after["value"]) == (2021, 5)
    assert "2021年4月1日" in first["reference"] and "令和2年法律第52号" in first["reference"]
    assert "地域福祉計画" in after["reference"]
    loaded = params_module.parameters()
    assert (loaded.as_of_first_fiscal_year, loaded.as_of_years_after_plan) == (2021, 5)


def test_changing_the_parameters_moves_the_window(uozu: PlanSource, tmp_path: Path) -> None:
    entries = yaml.safe_load(params_module.default_file().read_text(encoding="utf-8"))
    entries["as_of_first_fiscal_year"]["value"] = 2023
    entries["as_of_years_after_plan"]["value"] = 1
    changed = tmp_path / "parameters.yaml"
    changed.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    index = compile_index(reasoning.reason(uozu.merged()), params_module.read_parameters(changed))
    assert routing.as_of_range(index) == (date(2023, 4, 1), date(2028, 3, 31))
    with pytest.raises(jyuso_kb.InputError) as raised:
        jyuso_kb.route(index, ["ひきこもり"], as_of=date(2028, 4, 1))
    assert raised.value.message == "基準日が受け付ける範囲の外です。2023-04-01〜2028-03-31の日付で指定してください。"
    assert jyuso_kb.route(index, ["ひきこもり"], as_of=date(2028, 3, 31))["fiscal_year"] == 2027


def test_a_parameter_that_is_not_an_integer_is_refused(tmp_path: Path) -> None:
    entries = yaml.safe_load(params_module.default_file().read_text(encoding="utf-8"))
    entries["as_of_years_after_plan"]["value"] = 2.5
    bad = tmp_path / "parameters.yaml"
    bad.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    with pytest.raises(params_module.ParameterError, match="the value of as_of_years_after_plan must be an integer"):
        params_module.read_parameters(bad)


def test_a_plan_starting_before_the_first_year_is_accepted_from_its_own_first_year(town: Town) -> None:
    earlier = replace(town.index, period=(2019, 2021))
    assert routing.as_of_range(earlier) == (date(2019, 4, 1), date(2027, 3, 31))
    answer = jyuso_kb.route(earlier, ["ひきこもり"], as_of=date(2019, 4, 1))
    assert answer["fiscal_year"] == 2019 and "notice" not in answer


def test_a_plan_without_a_last_year_has_no_end(town: Town) -> None:
    open_ended = replace(town.index, period=(0, 0))
    assert routing.as_of_range(open_ended) == (date(2021, 4, 1), None)
    assert jyuso_kb.route(open_ended, ["ひきこもり"], as_of=date(9999, 12, 31))["fiscal_year"] == 9999
    with pytest.raises(jyuso_kb.InputError) as raised:
        jyuso_kb.route(open_ended, ["ひきこもり"], as_of=date(2021, 3, 31))
    assert raised.value.as_dict() == {
        "code": "as_of_out_of_range",
        "message": "基準日が受け付ける範囲の外です。2021-04-01以降の日付で指定してください。",
        "where": "as_of",
        "hint": HINT_END,
    }
