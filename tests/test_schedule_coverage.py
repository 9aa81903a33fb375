"""The quality check schedule-year-missing (checks/schedule-year-missing.rq): every fiscal year of the plan period
has an entry for what each schedule row schedules — in that row, or for an implementing programme in the row of
its component — because in a year without one, routing answers every such programme 「準備中」(状況: 予定なし).

The fixture tests/fixtures/checks/schedule-year-missing.yaml drops one cell; these tests add what a patch cannot
show: the issue's example (a schedule of only the plan's first year validated clean and routed everything as
予定なし), the fictional plan, the rows of existing programmes, entries outside the period, the message and hint.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

import jyuso_kb
from jyuso_kb import cli
from jyuso_kb.check import quality
from jyuso_kb.namespaces import JY
from jyuso_kb.plan.source import PlanSource
from jyuso_kb.reason.rules import reason

CHECK = "schedule-year-missing"
UOZU = "https://w3id.org/jyuso-kb/data/uozu/"
ROWS = (
    "uozu:sched-1",
    "uozu:sched-1-existing",
    "uozu:sched-2",
    "uozu:sched-3",
    "uozu:sched-4",
    "uozu:sched-5",
    "uozu:sched-5-existing",
    "uozu:sched-meetings",
    "uozu:sched-promotion",
)


def _result(graph: Graph, monkeypatch: pytest.MonkeyPatch) -> quality.CheckResult:
    """``quality.run`` (what ``validate`` and ``check`` run) with this one check only."""
    only = tuple(c for c in quality.checks() if c.name == CHECK)
    monkeypatch.setattr(quality, "checks", lambda: only)
    [result] = quality.run(graph)
    return result


def _entries_moved(plan: PlanSource, year: Callable[[int], int | None]) -> PlanSource:
    """The plan with each schedule entry's fiscal year y replaced by year(y), or the entry dropped for None."""
    data = Graph()
    data += plan.data
    for entry, value in list(data.subject_objects(JY.fiscalYear)):
        moved = year(int(value))  # type: ignore[call-overload]
        if moved is None:
            data.remove((entry, None, None))
            data.remove((None, None, entry))
        else:
            data.set((entry, JY.fiscalYear, Literal(moved)))
    return PlanSource(plan.vocabulary, data, f"{plan.origin}, entries moved")


def _written(plan: PlanSource, tmp_path: Path) -> Path:
    """The plan's data as a folder for ``--data``."""
    folder = tmp_path / "plan"
    folder.mkdir()
    plan.data.serialize(folder / "plan.ttl", format="turtle")
    return folder


@pytest.fixture(scope="module")
def start_only(uozu: PlanSource) -> PlanSource:
    """The issue's example: 魚津市's schedule with the R6 (2024) column only, in a plan period of R6〜R8."""
    return _entries_moved(uozu, lambda y: y if y == 2024 else None)


def test_the_embedded_and_the_fictional_plan_pass(
    uozu: PlanSource, kasou: PlanSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _result(uozu.merged(), monkeypatch).rows == ()
    assert _result(kasou.merged(), monkeypatch).rows == ()


def test_a_schedule_of_only_the_start_year_warns_for_each_row_and_later_year(
    start_only: PlanSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = tuple((row, year) for row in ROWS for year in ("2025", "2026"))
    assert _result(start_only.merged(), monkeypatch).rows == expected
    assert _result(reason(start_only.merged()).graph, monkeypatch).rows == expected  # as `jyuso-kb check` reads it


def test_the_warning_has_its_japanese_message_and_fix_hint_and_does_not_block_validation(
    start_only: PlanSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    validation = jyuso_kb.validate(start_only)
    assert validation.conforms is True
    assert validation.failed_checks == ()
    as_dict = _result(start_only.merged(), monkeypatch).as_dict()
    assert {k: v for k, v in as_dict.items() if k not in ("rows", "row_labels")} == {
        "name": "schedule-year-missing",
        "title": "計画期間の年度に予定のないスケジュールの行",
        "severity": "warning",
        "hint": "今後のスケジュールの行に、計画期間(開始年度〜終了年度)の各年度の予定(年度と実施状況)を書き加えて"
        "ください。予定のない年度には、その行の事業・会議が振り分けで「準備中」(状況: 予定なし)と答えられます。",
        "passed": False,
    }
    assert as_dict["rows"][:2] == [["uozu:sched-1", "2025"], ["uozu:sched-1", "2026"]]
    assert as_dict["row_labels"][:2] == [["①包括的相談支援事業", "2025"], ["①包括的相談支援事業", "2026"]]


def test_the_start_only_schedule_routes_every_programme_as_not_scheduled(
    start_only: PlanSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What the warning is about, as `jyuso-kb route` prints it for a date in R7 (2025)."""
    folder = _written(start_only, tmp_path)
    code = cli.main(["route", "--need", "親の介護", "--as-of", "2025-10-01", "--data", str(folder)])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert "■ 事業" not in lines
    assert [line for line in lines if line.startswith("・")] == [
        "・社会福祉課(担当課)  機能: 相談支援",
        "・地域包括支援センター運営事業(入口(包括的相談支援)、包括的相談支援事業)"
        "  [社会福祉法第106条の4第2項第1号イ]  状況: 予定なし",
        "・生活支援体制整備事業(地域づくり事業)  [社会福祉法第106条の4第2項第3号ロ]  状況: 予定なし",
    ]


def test_a_first_year_row_of_existing_programmes_passes_while_its_component_row_covers_the_rest(
    uozu: PlanSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    """uozu:sched-1-existing schedules only R6 (既存事業の継続); its programmes belong to ① (uozu:sched-1), whose
    row covers R7 and R8. Without ①'s R7 entry, both rows are reported for 2025."""
    data = Graph()
    data += uozu.data
    entry = URIRef(UOZU + "sched-1-2025")
    data.remove((entry, None, None))
    data.remove((None, None, entry))
    plan = PlanSource(uozu.vocabulary, data, "uozu without ① R7")
    assert _result(plan.merged(), monkeypatch).rows == (("uozu:sched-1", "2025"), ("uozu:sched-1-existing", "2025"))


def test_a_schedule_outside_the_plan_period_is_an_error_of_the_shape_and_a_warning_of_the_check(
    uozu: PlanSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    earlier = _entries_moved(uozu, lambda y: y - 4)  # R6〜R8 written as R2〜R4
    validation = jyuso_kb.validate(earlier)
    assert validation.conforms is False
    assert {f.shape for f in validation.report.violations} == {"jysh:ScheduleEntryShape"}
    assert _result(earlier.merged(), monkeypatch).rows == tuple(
        (row, year) for row in ROWS for year in ("2024", "2025", "2026")
    )


def test_check_prints_the_warning_with_its_rows_and_fix_hint(
    start_only: PlanSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`jyuso-kb check` in text mode shows a warning's rows and how to fix it, as it does for errors (exit 0)."""
    folder = _written(start_only, tmp_path)
    code = cli.main(["check", "--data", str(folder)])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    block = (
        out[out.index("[警告] 品質チェック: 計画期間の年度に予定のないスケジュールの行") :]
        .split("\n\n")[0]
        .splitlines()
    )
    assert block[:3] == [
        "[警告] 品質チェック: 計画期間の年度に予定のないスケジュールの行",
        "  対象: ①包括的相談支援事業 2025",
        "  対象: ①包括的相談支援事業 2026",
    ]
    assert block[-1].startswith("  直し方: 今後のスケジュールの行に、計画期間")
    assert len([line for line in block if line.startswith("  対象: ")]) == 18
