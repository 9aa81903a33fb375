"""The plan workbook: export → import is lossless (CSV folder and .xlsx), mistakes are named by sheet, row and column.

The mapping (mapping/workbook.yaml) is the only place that knows sheets and columns; these tests go through files
exactly as a policy officer would (export, edit a cell in Excel or a CSV editor, import, validate).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import rdflib
from openpyxl import load_workbook
from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from jyuso_kb import cli, resources
from jyuso_kb.errors import InputError
from jyuso_kb.formats import workbook as formats_workbook
from jyuso_kb.namespaces import JY
from jyuso_kb.plan.load import load_plan
from jyuso_kb.plan.source import PlanSource, load_vocabulary
from jyuso_kb.plan.workbook import importer as workbook
from jyuso_kb.plan.workbook import mapping as mapping_module
from jyuso_kb.plan.workbook import sheets

from .conftest import KASOU_DIR
from .shape_fixtures import validate_requirement
from .workbook_support import worksheet

# rdflib.XSD, not a module-level XSD: pytest probes every module attribute (``_mock_name``) and rdflib's XSD
# namespace warns on an unknown name.
UOZU = "https://w3id.org/jyuso-kb/data/uozu/"
OUTREACH = "uozu:prog-outreach"


def export(plan: PlanSource, fmt: str, tmp_path: Path) -> tuple[Path, formats_workbook.Tables]:
    tables = formats_workbook.export_tables(plan.data, plan.merged())
    if fmt == "csv":
        out = tmp_path / "plan-csv"
        formats_workbook.write_csv(tables, out)
    else:
        out = tmp_path / "plan.xlsx"
        formats_workbook.write_xlsx(tables, out)
    return out, tables


# ---------------------------------------------------------------------------------------------------- the mapping


def test_mapping_declares_every_sheet_and_column() -> None:
    mapping = mapping_module.load_mapping()
    names = mapping.sheet_names()
    assert names[0] == "prefixes" and names[-1] == "extra"
    for expected in (
        "plan",
        "sections",
        "related_plans",
        "laws",
        "programs",
        "legal_items",
        "target_groups",
        "activities",
        "contractors",
        "sites",
        "roles",
        "assignments",
        "departments",
        "duties",
        "matrix",
        "support_bodies",
        "meetings",
        "memberships",
        "schedule_rows",
        "schedule_entries",
        "promotion_measures",
        "challenges",
        "goals",
        "needs",
        "need_evidence",
        "thesaurus",
    ):
        assert expected in names
    programs = mapping.sheet("programs")
    assert programs is not None and programs.type == JY.ImplementingProgram
    department = next(c for c in programs.columns if c.header == "所管課")
    assert (department.property, department.kind, department.multi) == (JY.responsibleDepartment, "iri", True)
    for spec in mapping.sheets:
        for col in spec.columns:
            assert col.kind in mapping_module.KINDS
            assert str(col.property).startswith(("http://", "https://"))


def test_engine_has_no_code_per_sheet_or_column() -> None:
    """The engine reads the mapping: no sheet name or column header of the plan appears in its source."""
    engine = [*Path(workbook.__file__).parent.glob("*.py"), Path(formats_workbook.__file__)]
    source = "".join(path.read_text(encoding="utf-8") for path in engine)
    for word in ("programs", "所管課", "responsibleDepartment", "matrix", "実施名称", "meetings"):
        assert word not in source, word


# ---------------------------------------------------------------------------------------------------- round trip


@pytest.mark.parametrize("fmt", formats_workbook.FORMATS)
def test_uozu_round_trip_is_isomorphic(uozu: PlanSource, fmt: str, tmp_path: Path) -> None:
    out, tables = export(uozu, fmt, tmp_path)
    assert sheets.is_workbook(out)
    graph, _ = workbook.read_workbook(out)
    assert isomorphic(graph, uozu.data)
    assert len(graph) == len(uozu.data) == tables.triples
    assert tables.extra == 0 and tables.table("extra").rows == []


@pytest.mark.parametrize("fmt", formats_workbook.FORMATS)
def test_kasou_round_trip_is_isomorphic(kasou: PlanSource, fmt: str, tmp_path: Path) -> None:
    out, tables = export(kasou, fmt, tmp_path)
    graph, _ = workbook.read_workbook(out)
    assert isomorphic(graph, kasou.data)
    assert tables.extra == 0
    prefixes = dict(tables.table("prefixes").rows)
    assert prefixes["kasou"] == "https://w3id.org/jyuso-kb/data/kasou/"


def test_thesaurus_round_trip_with_its_aliases(tmp_path: Path) -> None:
    """With the thesaurus in --data, its concepts and the ways residents say them are a sheet too."""
    thesaurus = read_graph(resources.root() / "data" / "thesaurus")
    tables = formats_workbook.export_tables(thesaurus)
    assert tables.extra == 0
    sheet = tables.table("thesaurus")
    row = next(r for r in sheet.rows if r[0] == "need:hikikomori")
    aliases = row[sheet.header.index("別名")].split("\n")
    assert "引きこもり" in aliases or "ひきこもりの息子" in aliases
    formats_workbook.write_csv(tables, tmp_path / "t")
    graph, _ = workbook.read_workbook(tmp_path / "t")
    assert isomorphic(graph, thesaurus)


def read_graph(path: Path) -> Graph:
    return load_plan([path]).data


def test_export_import_export_is_stable(uozu: PlanSource, tmp_path: Path) -> None:
    out, first = export(uozu, "xlsx", tmp_path)
    graph, _ = workbook.read_workbook(out)
    second = formats_workbook.export_tables(graph, uozu.vocabulary + graph)
    assert [(t.name, t.header, t.rows) for t in first.tables] == [(t.name, t.header, t.rows) for t in second.tables]


def test_language_tags_datatypes_and_order_are_kept(uozu: PlanSource, tmp_path: Path) -> None:
    out, _ = export(uozu, "xlsx", tmp_path)
    graph, _ = workbook.read_workbook(out)
    plan, outreach = URIRef(UOZU + "plan"), URIRef(UOZU + "prog-outreach")
    assert graph.value(plan, JY.adopted) == Literal("2025-03", datatype=rdflib.XSD.gYearMonth)
    assert graph.value(plan, JY.periodStart) == Literal("2024-04-01", datatype=rdflib.XSD.date)
    assert graph.value(plan, JY.startFiscalYear) == Literal(2024)
    assert graph.value(outreach, JY.isNew) == Literal(True)
    assert graph.value(outreach, JY.order) == Literal(6)
    labels = set(graph.objects(outreach, RDFS.label))
    assert labels == {
        Literal("アウトリーチ等を通じた継続的支援事業", lang="ja"),
        Literal("Continuous support through outreach", lang="en"),
    }
    code = graph.value(URIRef(UOZU + "city"), JY.localGovernmentCode)
    assert code == Literal("162043") and code.datatype is None


def test_sheets_read_like_the_plan(uozu: PlanSource) -> None:
    """Programmes in plan order (row 7 = the 6th), activities under their programme, the matrix with ○ / ×."""
    tables = formats_workbook.export_tables(uozu.data, uozu.merged())
    programs = tables.table("programs")
    assert [r[0] for r in programs.rows][5] == OUTREACH  # row 7 of the sheet (header is row 1)
    row = programs.rows[5]
    assert row[programs.header.index("所管課")] == "uozu:dept-shakaifukushi"
    assert row[programs.header.index("新規")] == "true"
    riyosha = programs.rows[2]
    assert riyosha[programs.header.index("所管課")] == "uozu:dept-kodomo\nuozu:dept-kenko-center"
    activities = tables.table("activities")
    firsts = [r for r in activities.rows if r[1] == "uozu:prog-chiiki-houkatsu"]
    assert [r[3] for r in firsts] == [
        "総合相談支援",
        "権利擁護",
        "包括的・継続的ケアマネジメント",
        "介護予防ケアマネジメント",
    ]
    matrix = tables.table("matrix")
    assert len(matrix.rows) == 48
    assert {r[matrix.header.index("連携・協力")] for r in matrix.rows} == {"○", "×"}
    legal = tables.table("legal_items")
    assert legal.rows[4][legal.header.index("根拠規定")] == "law:a106-4-p2-i5\nlaw:a106-4-p2-i6"
    needs = tables.table("needs")
    assert len(needs.rows) == 12 + 50 + 12
    evidence = tables.table("need_evidence")  # every link's evidence in its own columns, none in the extra sheet
    links = {(s, p, o) for p in (JY.servesNeed, JY.coversNeed) for s, o in uozu.data.subject_objects(p)}
    assert len(evidence.rows) >= len(links) and tables.table("extra").rows == []
    column = {h: evidence.header.index(h) for h in ("事業・業務・対象者", "結びつき", "ニーズ", "計画書の記述", "出典")}
    outreach = [r for r in evidence.rows if r[column["事業・業務・対象者"]] == OUTREACH]
    assert [(r[column["結びつき"]], r[column["ニーズ"]]) for r in outreach][0] == ("jy:servesNeed", "need:hikikomori")
    assert outreach[0][column["計画書の記述"]] == "ひきこもりやセルフネグレクトなど、潜在的な支援ニーズを抱える人・世帯"
    assert outreach[0][column["出典"]] == "uozu:sec-4-1"


def test_irregular_values_go_to_the_extra_sheet_and_still_round_trip(tmp_path: Path) -> None:
    """Values no column can write back exactly land in ``extra``; everything else stays in its column."""
    ex = "https://w3id.org/jyuso-kb/data/uozu/"
    prog, other = URIRef(ex + "prog-x"), URIRef("http://example.org/other/thing#1")
    blank = BNode()
    g = Graph()
    g.add((prog, RDF.type, JY.ImplementingProgram))
    regular = [
        (prog, RDFS.label, Literal("  前後に空白  ", lang="ja")),
        (prog, JY.description, Literal("=SUM(A1) は数式ではない", lang="ja")),
        (prog, JY.note, Literal("'引用符で始まる", lang="ja")),
        (prog, JY.order, Literal(-3)),
        (prog, JY.operator, URIRef("http://example.org/org/1")),
        (prog, JY.operator, blank),
        (blank, RDF.type, JY.Contractor),
        (blank, RDFS.label, Literal("空白ノードの委託先", lang="ja")),
    ]
    irregular = [
        (prog, JY.note, Literal("改行\nを含む", lang="ja")),  # a multi-valued column splits on newlines
        (prog, JY.note, Literal("", lang="ja")),
        (prog, JY.description, Literal("CR\rを含む", lang="ja")),
        (prog, RDFS.label, Literal("Programme", lang="fr")),
        (prog, JY.order, Literal("007", datatype=rdflib.XSD.integer)),
        (prog, JY.isNew, Literal("1", datatype=rdflib.XSD.boolean)),
        (prog, JY.provisionAsWritten, Literal("型付き", datatype=rdflib.XSD.string)),
        (prog, JY.note, Literal("制御文字\x01", lang="ja")),
        (other, RDFS.label, Literal('引用符 " と \\ を含む', lang="ja")),
        (other, JY.unknownProperty, Literal("2024-04-01", datatype=rdflib.XSD.date)),
    ]
    for triple in regular + irregular:
        g.add(triple)
    tables = formats_workbook.export_tables(g)
    assert tables.extra == len(irregular)
    for fmt in formats_workbook.FORMATS:
        if fmt == "csv":
            out = tmp_path / "odd"
            formats_workbook.write_csv(tables, out)
        else:
            out = tmp_path / "odd.xlsx"
            formats_workbook.write_xlsx(tables, out)
        back, _ = workbook.read_workbook(out)
        assert isomorphic(back, g), fmt


def test_a_value_too_long_for_excel_goes_to_csv(tmp_path: Path) -> None:
    g = Graph()
    g.add((URIRef(UOZU + "p"), RDF.type, JY.ImplementingProgram))
    g.add((URIRef(UOZU + "p"), JY.note, Literal("長" * 40_000, lang="ja")))
    tables = formats_workbook.export_tables(g)
    assert tables.extra == 1
    with pytest.raises(InputError) as caught:
        formats_workbook.write_xlsx(tables, tmp_path / "long.xlsx")
    assert caught.value.code == "too_long" and caught.value.where.endswith("long.xlsx: シート extra、行 2、列 目的語")
    formats_workbook.write_csv(tables, tmp_path / "long")
    assert isomorphic(workbook.read_workbook(tmp_path / "long")[0], g)


def test_an_iri_with_a_space_is_refused_at_export() -> None:
    g = Graph()
    g.add((URIRef("http://example.org/a b"), RDFS.label, Literal("x")))
    with pytest.raises(InputError) as caught:
        formats_workbook.export_tables(g)
    assert caught.value.code == "bad_iri"


def test_xlsx_cells_are_text_or_numbers_never_formulas(uozu: PlanSource, tmp_path: Path) -> None:
    out, _ = export(uozu, "xlsx", tmp_path)
    book = load_workbook(out)
    sheet = book["実施事業"]
    assert [c.value for c in sheet[1]][:3] == ["ID", "順序", "実施名称"]
    assert sheet["B7"].value == 6 and sheet["A7"].value == OUTREACH
    assert all(c.data_type != "f" for row in book["計画"].iter_rows() for c in row)
    assert sheet["A1"].comment is not None


# ---------------------------------------------------------------------------------------------------- errors with location


def edit_csv(folder: Path, sheet: str, subject: str, header: str, value: str) -> None:
    path = folder / f"{sheet}.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    if header not in rows[0]:
        rows[0].append(header)
        for row in rows[1:]:
            row.append("")
    j = rows[0].index(header)
    for row in rows[1:]:
        if row[0] == subject:
            row[j] = value
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)


def edit_xlsx(path: Path, sheet: str, subject: str, header: str, value: str | None) -> None:
    book = load_workbook(path)
    ws = worksheet(book, sheet)
    headers = [c.value for c in ws[1]]
    if header not in headers:
        ws.cell(row=1, column=len(headers) + 1, value=header)
        headers.append(header)
    j = headers.index(header) + 1
    for r in range(2, ws.max_row + 1):
        if ws.cell(row=r, column=1).value == subject:
            ws.cell(row=r, column=j).value = value
    book.save(path)


@pytest.mark.parametrize("fmt", formats_workbook.FORMATS)
def test_blank_department_is_reported_at_its_cell(
    uozu: PlanSource, fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Blanking 所管課 of アウトリーチ等を通じた継続的支援事業 → the SHACL finding points at シート programs (CSV) / 実施事業 (xlsx)、行 7、列 所管課."""
    out, _ = export(uozu, fmt, tmp_path)
    if fmt == "csv":
        edit_csv(out, "programs", OUTREACH, "所管課", "")
    else:
        edit_xlsx(out, "programs", OUTREACH, "所管課", None)
    graph, index = workbook.read_workbook(out)
    assert (URIRef(UOZU + "prog-outreach"), JY.responsibleDepartment, None) not in graph
    # the finding comes from the one requirement broken (validating against every shape gives the same finding)
    report = validate_requirement(PlanSource(load_vocabulary(), graph, str(out)), "jysh:ProgramDepartment", monkeypatch)
    assert not report.conforms
    finding = next(f for f in report.violations if f.focus == OUTREACH and f.path == "jy:responsibleDepartment")
    shown = "programs" if fmt == "csv" else "実施事業"  # a CSV file keeps the sheet's name, an .xlsx sheet its title
    assert workbook.locate(index, finding.focus, finding.path) == f"シート {shown}、行 7、列 所管課"
    # full IRIs and nodes work too; a node without the property's column gives its row
    assert (
        workbook.locate(index, UOZU + "prog-outreach", str(JY.responsibleDepartment))
        == f"シート {shown}、行 7、列 所管課"
    )
    assert workbook.locate(index, URIRef(UOZU + "prog-outreach"), None) == f"シート {shown}、行 7"
    assert workbook.locate(index, "uozu:no-such-thing", "jy:order") == ""


def test_locate_names_facet_and_inverse_cells(uozu: PlanSource, tmp_path: Path) -> None:
    out, _ = export(uozu, "csv", tmp_path)
    _, index = workbook.read_workbook(out)
    assert workbook.locate(index, OUTREACH, "jy:implementsProvision") == "シート legal_items、行 7、列 根拠規定"
    assert workbook.locate(index, OUTREACH, "jy:servesNeed") == "シート needs、行 7、列 事業が対応するニーズ"
    # a programme's activity is written in the activities sheet (column 実施事業 of the activity's row)
    where = workbook.locate(index, "uozu:prog-chiiki-houkatsu", "jy:activity")
    assert where == "シート activities、行 2、列 実施事業"
    assert workbook.locate(index, "uozu:dept-kodomo", "jy:order") == "シート departments、行 3、列 順序"


ERROR_CASES = [
    ("programs", OUTREACH, "所管課", "uozo:dept-shakaifukushi", "列 所管課", "接頭辞が定義されていません"),
    ("programs", OUTREACH, "新規", "たぶん", "列 新規", "真偽の値として読めません"),
    ("programs", OUTREACH, "順序", "六", "列 順序", "整数ではありません"),
    ("programs", OUTREACH, "所管部", "x", "行 1、列 T", "この列の見出しはシート programs にありません"),
    (
        "plan",
        "uozu:plan",
        "計画期間の開始日",
        "2024-13-01",
        "シート plan、行 2、列 計画期間の開始日",
        "日付として読めません",
    ),
    ("plan", "uozu:plan", "策定年月", "2025/03", "シート plan、行 2、列 策定年月", "年月として読めません"),
    ("matrix", "uozu:cell-shimin-participation", "連携・協力", "はい", "シート matrix、行", "真偽の値として読めません"),
    ("programs", OUTREACH, "所管課", "uozu:dept shakaifukushi", "列 所管課", "使えない文字"),
]


@pytest.mark.parametrize(("sheet", "subject", "header", "value", "where", "message"), ERROR_CASES)
def test_import_errors_name_sheet_row_and_column(
    uozu: PlanSource, tmp_path: Path, sheet: str, subject: str, header: str, value: str, where: str, message: str
) -> None:
    out, _ = export(uozu, "csv", tmp_path)
    edit_csv(out, sheet, subject, header, value)
    with pytest.raises(sheets.WorkbookError) as caught:
        workbook.read_workbook(out)
    err = caught.value
    assert isinstance(err, InputError)
    assert message in err.message
    assert where in err.where and f"シート {sheet}" in err.where
    assert err.where.startswith(str(out / f"{sheet}.csv"))
    if sheet == "programs" and "行 1" not in where:
        assert "行 7" in err.where


def test_a_facet_row_without_its_programme_is_named(uozu: PlanSource, tmp_path: Path) -> None:
    """Deleting a programme's row but not its row in legal_items is a mistake, named at that row."""
    out, _ = export(uozu, "csv", tmp_path)
    path = out / "programs.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = [row for row in csv.reader(handle) if row[0] != OUTREACH]
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)
    with pytest.raises(sheets.WorkbookError) as caught:
        workbook.read_workbook(out)
    wheres = {p.where.split(": ", 1)[1] for p in caught.value.problems}
    assert wheres == {"シート legal_items、行 7、列 ID", "シート needs、行 7、列 ID"}
    assert "シート 実施事業(programs) にありません" in caught.value.message


def test_a_turtle_file_is_not_a_workbook(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        workbook.read_workbook(resources.municipality_dir() / "plan.ttl")
    assert caught.value.code == "not_a_workbook"


def test_xlsx_errors_name_the_cell_and_all_errors_are_collected(uozu: PlanSource, tmp_path: Path) -> None:
    out, _ = export(uozu, "xlsx", tmp_path)
    edit_xlsx(out, "programs", OUTREACH, "所管課", "uozo:dept-shakaifukushi")
    edit_xlsx(out, "plan", "uozu:plan", "計画期間の開始日", "2024-02-30")
    with pytest.raises(sheets.WorkbookError) as caught:
        workbook.read_workbook(out)
    wheres = [p.where for p in caught.value.problems]
    assert f"{out}: シート 計画、行 2、列 計画期間の開始日" in wheres
    assert f"{out}: シート 実施事業、行 7、列 所管課" in wheres
    assert "ほかに 1 件" in caught.value.message


def test_formula_cells_unknown_sheets_and_broken_files_are_refused(uozu: PlanSource, tmp_path: Path) -> None:
    out, _ = export(uozu, "xlsx", tmp_path)
    book = load_workbook(out)
    book["実施事業"]["C7"] = "=1+1"
    book.create_sheet("memo")
    book.save(out)
    with pytest.raises(InputError) as caught:
        workbook.read_workbook(out)
    assert caught.value.code == "formula" and "シート 実施事業、行 7、列 実施名称" in caught.value.where
    book = load_workbook(out)
    book["実施事業"]["C7"] = "アウトリーチ等を通じた継続的支援事業"
    book.save(out)
    with pytest.raises(InputError) as caught:
        workbook.read_workbook(out)
    assert caught.value.message == "計画ワークブックにないシートがあります。"
    assert caught.value.where == f"{out}: {len(book.sheetnames)} 枚目のシート"
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputError) as caught:
        workbook.read_workbook(broken)
    assert caught.value.code == "not_a_workbook"


def test_is_workbook() -> None:
    assert sheets.is_workbook(Path("plan.xlsx"))
    assert not sheets.is_workbook(resources.municipality_dir())
    assert not sheets.is_workbook(resources.municipality_dir() / "plan.ttl")


def test_load_source_reads_workbooks_like_turtle(uozu: PlanSource, tmp_path: Path) -> None:
    out, _ = export(uozu, "xlsx", tmp_path)
    plan = load_plan([out])
    assert isomorphic(plan.data, uozu.data)


# ---------------------------------------------------------------------------------------------------- command line


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``jyuso-kb ARGV`` in this process, through the real command line (``cli.main``)."""
    code = cli.main(list(argv))
    out, errs = capsys.readouterr()
    return code, out, errs


def test_cli_export_and_import(capsys: pytest.CaptureFixture[str], tmp_path: Path, uozu: PlanSource) -> None:
    xlsx = tmp_path / "plan.xlsx"
    code, out, _ = run(capsys, "workbook", "export", "--format", "xlsx", "--out", str(xlsx))
    assert code == 0 and "extra シート 0 個" in out
    ttl = tmp_path / "plan.ttl"
    code, out, _ = run(capsys, "workbook", "import", str(xlsx), "--out", str(ttl))
    assert code == 0 and str(ttl) in out
    assert isomorphic(read_graph(ttl), uozu.data)
    folder = tmp_path / "csv"
    code, _, _ = run(capsys, "workbook", "export", "--format", "csv", "--out", str(folder), "--data", str(ttl))
    assert code == 0 and (folder / "programs.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    code, _, _ = run(capsys, "workbook", "export", "--out", str(tmp_path / "kasou.xlsx"), "--data", str(KASOU_DIR))
    assert code == 0 and (tmp_path / "kasou.xlsx").is_file()


def test_cli_bad_workbook_exits_2_with_the_cell(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, uozu: PlanSource
) -> None:
    folder, _ = export(uozu, "csv", tmp_path)
    edit_csv(folder, "programs", OUTREACH, "新規", "maybe")
    edit_csv(folder, "plan", "uozu:plan", "計画期間の終了日", "2027-3-31")
    code, out, err = run(capsys, "workbook", "import", str(folder), "--out", str(tmp_path / "x.ttl"))
    assert code == 2 and out == ""
    assert "シート programs、行 7、列 新規" in err and "シート plan、行 2、列 計画期間の終了日" in err
    assert "Traceback" not in err
    assert not (tmp_path / "x.ttl").exists()
    broken = tmp_path / "broken.xlsx"
    broken.write_text("not excel", encoding="utf-8")
    code, _, err = run(capsys, "workbook", "import", str(broken), "--out", str(tmp_path / "y.ttl"))
    assert code == 2 and "Excel ブック(.xlsx)として読めません" in err
    code, _, err = run(capsys, "workbook", "export", "--format", "xlsx", "--out", str(tmp_path / "plan.csv"))
    assert code == 2 and ".xlsx" in err
