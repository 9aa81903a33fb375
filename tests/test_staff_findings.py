"""Findings in the staff's terms: a plan read from a workbook is reported by sheet, row and Japanese column header,
and its fix hints speak of sheets and columns (``mapping/workbook.yaml``: ``finding_hints``; a shape's
``jysh:workbookHint``; a check's ``# workbook-hint:``), never of Turtle or ``jy:`` names. Findings on a node that is
no row (a provision of the law no programme implements) name the sheet and column; failed quality checks name the
row. Turtle input keeps the shapes' own hints. No hint names a municipality.

The broken workbook is the fictional plan tests/fixtures/plans/kasou exported as .xlsx, with the mistakes a
policy-staff member makes in a spreadsheet.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from rdflib import Graph, URIRef

from jyuso_kb import cli, resources
from jyuso_kb.check import quality
from jyuso_kb.check.located import in_workbook, located_checks
from jyuso_kb.check.validation import validate
from jyuso_kb.formats.workbook import export_tables, write_xlsx
from jyuso_kb.namespaces import JY
from jyuso_kb.plan.load import load_with_locations
from jyuso_kb.plan.source import PlanSource

from .workbook_support import worksheet

KASOU = "https://w3id.org/jyuso-kb/data/kasou/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPECTED = [
    # (focus, location, message, hint)
    (
        "kasou:prog-anshin-soudan",
        "シート 実施事業、行 2、列 所管課",
        "事業に所管課がないか、所管課が既知の課ではありません。",
        "シート 実施事業(programs)の列「所管課」に値を書いてください。",
    ),
    (
        "kasou:prog-anshin-soudan",
        "シート 実施事業、行 2、列 実施方式",
        "事業の実施方式(直営・委託・直営及び委託)がないか、2つ以上あります。",
        "シート 実施事業(programs)の列「実施方式」に値を書いてください。選べる値: 委託、直営、直営及び委託。"
        "計画に記載がなければ「不明」と書けます。",
    ),
    (
        "kasou:prog-marugoto-soudan",
        "シート 実施事業、行 3、列 実施方式",
        "事業の実施方式が選択肢(直営・委託・直営及び委託)にありません。",
        "シート 実施事業(programs)の列「実施方式」の値を選択肢から選んでください。選べる値: 委託、直営、直営及び委託。",
    ),
    (
        "kasou:prog-tsunagari-houmon",
        "シート 根拠規定、行 6、列 根拠規定",
        "事業に根拠となる社会福祉法第106条の4第2項の号(法令の項目)がありません。",
        "シート 根拠規定(legal_items)の列「根拠規定」に値を書いてください。",
    ),
    (
        "law:a106-4-p2-i4",
        "シート 根拠規定(legal_items)、列 根拠規定",
        "社会福祉法第106条の4第2項第4号 を実施する事業が計画にありません。",
        "この号を実施する事業をシート 実施事業(programs)に加え、シート 根拠規定(legal_items)の列「根拠規定」に"
        "この号(またはその号の細分)を書いてください。",
    ),
]
UNDEFINED_HINT = (
    "この行の列が、ワークブックのどのシートにもない ID を指しています。指す先の行をそのシートに加えるか、"
    "ID の書き間違いを直してください。"
)


def _set(book: object, sheet: str, ident: str, header: str, value: str | None) -> None:
    rows = worksheet(book, sheet)  # type: ignore[index]
    headers = [c.value for c in rows[1]]
    [row] = [r for r in rows.iter_rows(min_row=2) if r[0].value == ident]
    row[headers.index(header)].value = value


@pytest.fixture(scope="module")
def broken(kasou: PlanSource, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """所管課 and 実施方式 left blank, an 実施方式 identifier not in the list, the only 第4号 programme without its
    根拠規定, and the schedule's last year (2026) deleted."""
    path = tmp_path_factory.mktemp("staff") / "plan.xlsx"
    write_xlsx(export_tables(kasou.data, kasou.merged()), path)
    book = load_workbook(path)
    _set(book, "programs", "kasou:prog-anshin-soudan", "所管課", None)
    _set(book, "programs", "kasou:prog-anshin-soudan", "実施方式", None)
    _set(book, "programs", "kasou:prog-marugoto-soudan", "実施方式", "jy:mode-outsourced")
    _set(book, "legal_items", "kasou:prog-tsunagari-houmon", "根拠規定", None)
    entries = book["年度ごとの予定"]
    year = [c.value for c in entries[1]].index("年度")
    for row in entries.iter_rows(min_row=2):
        if str(row[year].value) == "2026":
            for cell in row:
                cell.value = None
    book.save(path)
    return path


def test_each_finding_names_sheet_row_and_column_and_a_hint_in_workbook_terms(broken: Path) -> None:
    plan, indexes = load_with_locations([broken])
    result = in_workbook(validate(plan), indexes)
    assert result.conforms is False
    assert [(f.focus, f.location, f.message, f.fix) for f in result.report.findings] == EXPECTED
    [undefined] = result.failed_checks
    assert undefined.as_dict() == {
        "name": "undefined-reference",
        "title": "定義されていない対象への参照",
        "severity": "error",
        "hint": UNDEFINED_HINT,
        "passed": False,
        "rows": [["kasou:prog-marugoto-soudan", "jy:implementationMode", "jy:mode-outsourced"]],
        "row_labels": [["ふくしまるごと相談窓口事業", "実施方式", "mode-outsourced"]],  # what staff read
        "locations": ["シート 実施事業、行 3、列 実施方式"],
    }


def test_a_schedule_warning_names_the_schedule_rows_and_sheets(broken: Path) -> None:
    plan, indexes = load_with_locations([broken])
    failed = {r.check.name: r for r in located_checks(quality.run(plan.merged()), indexes) if not r.passed}
    missing = failed["schedule-year-missing"]
    assert set(missing.rows) == {
        (row, "2026")
        for row in (
            "kasou:sched-1",
            "kasou:sched-2",
            "kasou:sched-3",
            "kasou:sched-4",
            "kasou:sched-5",
            "kasou:sched-meetings",
            "kasou:sched-promotion",
        )
    }
    assert missing.locations == tuple(f"シート スケジュールの行、行 {n}" for n in range(2, 2 + len(missing.rows)))
    assert missing.fix == (
        "シート 年度ごとの予定(schedule_entries)に、この行(列「行」にこの行の ID か名称)の予定を計画期間"
        "(シート 計画(plan) の列「開始年度」〜「終了年度」)の各年度について 1 行ずつ加え、列「年度」と「状態」を書いてください。"
        "予定のない年度には、その行の事業・会議が振り分けで「準備中」(状況: 予定なし)と答えられます。"
    )
    assert "jy:" not in missing.fix


def test_validate_prints_the_workbook_hint(broken: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["validate", str(broken)]) == 1
    out = capsys.readouterr().out
    assert (
        "[違反] 実施事業「高齢者あんしん相談センター運営事業」\n"
        "  要件: 事業に所管課がないか、所管課が既知の課ではありません。\n"
        "  項目: 所管課\n"
        "  場所: シート 実施事業、行 2、列 所管課\n"
        "  直し方: シート 実施事業(programs)の列「所管課」に値を書いてください。\n"
    ) in out
    assert "  場所: シート 根拠規定(legal_items)、列 根拠規定\n" in out


def test_post_validate_with_a_workbook_answers_in_workbook_terms(kasou_api: TestClient, broken: Path) -> None:
    response = kasou_api.post("/v1/validate", content=broken.read_bytes(), headers={"content-type": XLSX})
    assert response.status_code == 200
    found = [(f["focus"], f["location"], f["message"], f["hint"]) for f in response.json()["findings"]]
    assert found == EXPECTED


def test_turtle_input_keeps_the_shapes_hints(
    kasou: PlanSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = Graph()
    data += kasou.data
    data.remove((URIRef(KASOU + "prog-anshin-soudan"), JY.responsibleDepartment, None))
    (tmp_path / "plan").mkdir()
    data.serialize(tmp_path / "plan" / "plan.ttl", format="turtle")
    assert cli.main(["validate", str(tmp_path / "plan")]) == 1
    out = capsys.readouterr().out
    assert "  直し方: 事業に所管課を1つ指定してください(計画で定義された課から)。\n" in out
    assert "場所:" not in out


def test_no_hint_or_message_names_a_municipality() -> None:
    texts = [p.read_text(encoding="utf-8") for p in (*resources.shape_files(), *resources.check_files())]
    texts.append((resources.root() / "mapping" / "workbook.yaml").read_text(encoding="utf-8"))
    hints = [
        line for text in texts for line in text.splitlines() if "Hint" in line or "hint" in line or "message" in line
    ]
    assert [line for line in hints if "魚津" in line or "uozu" in line.lower()] == []


def test_an_unlisted_label_says_it_is_not_in_the_list(
    broken: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = load_workbook(broken)
    _set(book, "programs", "kasou:prog-marugoto-soudan", "実施方式", "外部委託")
    path = tmp_path / "unlisted.xlsx"
    book.save(path)
    assert cli.main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "実施方式の値は選択肢にありません。説明シートの一覧から選んでください。" in err
    assert "シート 実施事業、行 3、列 実施方式" in err
    assert "がないか、2つ以上あります" not in err
