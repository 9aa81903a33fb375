"""The rendered plan: the tables of the published plan document, generated from the knowledge base.

The programme rows are compared with the hand-checked enumeration (tests/expected/uozu_programs.yaml), the matrix
and schedule with tests/expected/uozu_plan.yaml — both written from the plan text, not from the knowledge base.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from rdflib import RDFS, Graph, Literal, URIRef

from jyuso_kb import cli
from jyuso_kb.errors import InputError
from jyuso_kb.formats import document, render
from jyuso_kb.formats import workbook as formats_workbook
from jyuso_kb.plan.load import load_plan
from jyuso_kb.plan.source import PlanSource

from .conftest import EXPECTED, FIXTURES

UOZU = "https://w3id.org/jyuso-kb/data/uozu/"


def expected_programs() -> list[dict[str, Any]]:
    data = yaml.safe_load((EXPECTED / "uozu_programs.yaml").read_text(encoding="utf-8"))
    programs: list[dict[str, Any]] = data["programs"]
    return programs


def expected_plan() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((EXPECTED / "uozu_plan.yaml").read_text(encoding="utf-8"))
    return data


class Tables(HTMLParser):
    """Reads the tables of a page: {class: [[cell lines, …], …]} with list items or <br> as line breaks."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[list[str]]]] = {}
        self.headers: dict[str, list[str]] = {}
        self.headings: list[tuple[str, str]] = []
        self._table: str | None = None
        self._row: list[list[str]] | None = None
        self._cell: list[str] | None = None
        self._heading: str | None = None
        self._in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = dict(attrs).get("class") or ""
            self.tables.setdefault(self._table, [])
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = [""]
        elif tag in ("br", "li") and self._cell is not None:
            if self._cell[-1]:
                self._cell.append("")
        elif tag in ("h1", "h2", "h3"):
            self._heading = ""

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append([line for line in self._cell if line])
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            if self._in_head:
                self.headers[self._table] = [cell[0] if cell else "" for cell in self._row]
            else:
                self.tables[self._table].append(self._row)
                self.headings.append(("row", self._row[0][0] if self._row and self._row[0] else ""))
            self._row = None
        elif tag == "thead":
            self._in_head = False
        elif tag == "table":
            self._table = None
        elif tag in ("h1", "h2", "h3") and self._heading is not None:
            self.headings.append((tag, self._heading))
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell[-1] += data
        elif self._heading is not None:
            self._heading += data


def parse(page: str) -> Tables:
    tables = Tables()
    tables.feed(page)
    return tables


@pytest.fixture(scope="module")
def page(uozu: PlanSource) -> Tables:
    return parse(render.render(uozu.merged(), "html"))


def test_every_programme_row_with_its_fields(page: Tables) -> None:
    header = page.headers["programs"]
    assert header == ["実施名称", "支援対象者", "事業内容", "実施方式", "委託先・実施場所", "所管課", "根拠"]
    rows = page.tables["programs"]
    expected = expected_programs()
    assert len(rows) == len(expected) == 12
    for row, program in zip(rows, expected, strict=True):
        cells = dict(zip(header, row, strict=True))
        name = cells["実施名称"][0]
        assert name.removesuffix("【新規】") == program["label"]
        assert name.endswith("【新規】") == program["new"]
        assert "、".join(cells["支援対象者"]) == program["target_group"]
        assert cells["事業内容"] == program["activities"]
        assert cells["実施方式"] == [program["implementation"]]
        assert cells["委託先・実施場所"] == program["operators"]
        assert cells["所管課"] == program["departments"]
        assert cells["根拠"] == program["legal_basis"]


def test_programmes_are_grouped_by_section(page: Tables) -> None:
    """Each programme row is under the heading of its section: 4.(1) 相談支援, 4.(2) 参加支援, 4.(3) 地域づくり."""
    section = ""
    seen = {}
    for kind, text in page.headings:
        if kind == "h3":
            section = text
        elif kind == "row":
            seen.setdefault(text.removesuffix("【新規】"), section)
    for program in expected_programs():
        assert seen[program["label"]].startswith(program["source"] + " "), program["label"]
    h3 = [text for kind, text in page.headings if kind == "h3"]
    assert h3 == ["4.(1) 相談支援", "4.(2) 参加支援", "4.(3) 地域づくりに向けた支援"]
    h2 = [text for kind, text in page.headings if kind == "h2"]
    assert h2[0] == "4. 重層的支援体制整備事業における各事業の実施体制"
    assert h2[1:] == ["5. 重層的支援体制整備事業の推進体制", "6. 今後のスケジュール", "7. 庁内連携体制"]


def test_matrix_has_twelve_rows_with_the_right_marks(page: Tables) -> None:
    header = page.headers["matrix"]
    assert header == [
        "担当課",
        "関連する事業・業務・相談等",
        "(1) 相談支援",
        "(2) 参加支援",
        "(3) 地域づくり",
        "(4) 庁内連携会議等",
    ]
    rows = page.tables["matrix"]
    assert len(rows) == 12
    departments = expected_plan()["departments"]
    assert [row[0][0] for row in rows] == list(departments)
    for row in rows:
        expected = departments[row[0][0]]
        marks = "".join(cell[0] if cell else " " for cell in row[2:])
        assert marks == expected["matrix"], row[0][0]
        assert row[1] == expected["duties"]


def test_schedule_table(page: Tables) -> None:
    header = page.headers["schedule"]
    assert header == ["事業・取組", "主な取組", "R6年度", "R7年度", "R8年度"]
    schedule = expected_plan()["schedule"]
    rows = page.tables["schedule"]
    assert [row[0][0] for row in rows] == list(schedule)
    for row in rows:
        expected = schedule[row[0][0]]
        assert sorted(row[1]) == sorted(expected["main"])
        for year, cell in zip((2024, 2025, 2026), row[2:], strict=True):
            assert cell == ([expected[year]] if year in expected else [])


def test_meetings_table(page: Tables) -> None:
    assert page.headers["meetings"] == ["会議", "目的", "内容", "構成員", "開催時期"]
    rows = page.tables["meetings"]
    meetings = expected_plan()["meetings"]
    assert [row[0][0] for row in rows] == [m["label"] for m in meetings]
    for row, meeting in zip(rows, meetings, strict=True):
        assert row[4] == [meeting["frequency"]]
        assert row[3] == meeting.get("members") or row[3] == [meeting["member_description"]]
        assert row[1] and row[2]
    assert rows[0][0] == ["連携会議", "(移行準備期間の名称: 庁内連携会議)"]


def test_markdown_has_the_same_rows(uozu: PlanSource) -> None:
    text = render.render(uozu.merged(), "md")
    lines = text.splitlines()
    assert lines[0] == "# 魚津市重層的支援体制整備事業（移行準備事業）実施計画（令和6年度～令和8年度）"
    for program in expected_programs():
        row = next(line for line in lines if line.startswith(f"| {program['label']}"))
        cells = [c.strip() for c in row.strip("|").split(" | ")]
        assert cells[1] == "<br>".join(program["target_group"].split("、")) or cells[1] == program["target_group"]
        activities = program["activities"]
        assert cells[2] == ("<br>".join("・" + a for a in activities) if len(activities) > 1 else activities[0])
        assert cells[3] == program["implementation"]
        assert cells[4] == "<br>".join(program["operators"])
        assert cells[5] == "<br>".join(program["departments"])
        assert cells[6] == "<br>".join(program["legal_basis"])
    start = lines.index("## 7. 庁内連携体制")
    table = [line for line in lines[start:] if line.startswith("| ")][1:]
    departments = expected_plan()["departments"]
    assert len(table) == 12
    for line, (name, expected) in zip(table, departments.items(), strict=True):
        cells = [c.strip() for c in line.strip("|").split(" | ")]
        assert cells[0] == name
        assert "".join(c or " " for c in cells[2:]) == expected["matrix"]
    assert "|---|---|:---:|:---:|:---:|:---:|" in lines


def test_html_is_a_standalone_japanese_page(uozu: PlanSource) -> None:
    text = render.render(uozu.merged(), "html")
    assert text.startswith('<!DOCTYPE html>\n<html lang="ja">')
    assert '<meta charset="utf-8">' in text
    lowered = text.lower()
    for external in ("<script", "<link", "src=", "href=", "@import", "url(", "http://", "https://"):
        assert external not in lowered, external


def with_label(uozu: PlanSource, label: str) -> Graph:
    graph = Graph()
    graph += uozu.merged()
    program = URIRef(UOZU + "prog-outreach")
    graph.remove((program, RDFS.label, None))
    graph.add((program, RDFS.label, Literal(label, lang="ja")))
    return graph


def test_text_is_escaped(uozu: PlanSource) -> None:
    graph = with_label(uozu, '<script>alert("x")</script> | *強調* & [リンク](javascript:x)')
    page = render.render(graph, "html")
    assert "<script>" not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert parse(page).tables["programs"][5][0][0].startswith('<script>alert("x")</script> | *強調* &')
    markdown = render.render(graph, "md")
    assert "<script>" not in markdown
    assert "&lt;script&gt;" in markdown and "\\| \\*強調\\* &amp; \\[リンク\\]" in markdown


def test_the_fictional_plan_renders_with_its_own_sections() -> None:
    kasou = load_plan([FIXTURES / "plans" / "kasou"])
    page = parse(render.render(kasou.merged(), "html"))
    h3 = [text for kind, text in page.headings if kind == "h3"]
    assert h3 == ["3.(1) 相談支援", "3.(2) 参加支援", "3.(3) 地域づくりに向けた支援"]
    assert len(page.tables["programs"]) == 10
    assert page.headers["schedule"][2:] == ["R7年度", "R8年度", "R9年度"]


def test_no_plan_or_two_plans_is_an_input_error(uozu: PlanSource) -> None:
    with pytest.raises(InputError):
        render.render(Graph(), "md")
    kasou = load_plan([FIXTURES / "plans" / "kasou"])
    with pytest.raises(InputError):
        render.render(uozu.merged() + kasou.data, "html")


def test_japanese_fiscal_years() -> None:
    assert document.fiscal_year_label(2024) == "R6年度"
    assert document.fiscal_year_label(2019) == "R1年度"
    assert document.fiscal_year_label(2016) == "H28年度"


# ---------------------------------------------------------------------------------------------------- command line


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``jyuso-kb ARGV`` in this process, through the real command line (``cli.main``)."""
    code = cli.main(list(argv))
    out, errs = capsys.readouterr()
    return code, out, errs


def test_cli_render(capsys: pytest.CaptureFixture[str], tmp_path: Path, uozu: PlanSource) -> None:
    code, out, _ = run(capsys, "render")
    assert code == 0 and out.startswith("# 魚津市")
    page = tmp_path / "plan.html"
    code, out, _ = run(capsys, "render", "--format", "html", "--out", str(page))
    assert code == 0 and str(page) in out
    assert page.read_text(encoding="utf-8") == render.render(uozu.merged(), "html")


def test_cli_render_from_a_workbook(capsys: pytest.CaptureFixture[str], tmp_path: Path, uozu: PlanSource) -> None:
    """The published tables can be generated straight from the workbook staff edit."""
    book = tmp_path / "plan.xlsx"
    formats_workbook.write_xlsx(formats_workbook.export_tables(uozu.data, uozu.merged()), book)
    code, out, _ = run(capsys, "render", "--format", "md", "--data", str(book))
    assert code == 0 and out == render.render(uozu.merged(), "md")
    code, _, err = run(capsys, "render", "--data", str(tmp_path / "missing.ttl"))
    assert code == 2 and "見つかりません" in err
