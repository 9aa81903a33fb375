"""The blank workbook (``workbook template``, ``GET /v1/workbook/template``): the export's sheets and headers with
only the municipality filled in, a first sheet 「説明」 explaining every sheet and column, drop-down lists of the
closed vocabularies; cells that name a choice or a row by its Japanese label; and workbooks exported before labels
existed, which import exactly as before.

A policy officer's steps are followed through files: write the template, fill it in with labels in Excel (openpyxl
here), import and validate it.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from rdflib import RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from jyuso_kb import cli, resources
from jyuso_kb.check.validation import validate
from jyuso_kb.formats import workbook as formats_workbook
from jyuso_kb.namespaces import JY, LAW, NEED
from jyuso_kb.plan.load import load_plan
from jyuso_kb.plan.read import read_files
from jyuso_kb.plan.source import PlanSource
from jyuso_kb.plan.workbook import importer, sheets
from jyuso_kb.plan.workbook.mapping import Column, SheetSpec, load_mapping
from jyuso_kb.plan.workbook.template import check_code, check_digit

from .conftest import FIXTURES
from .workbook_support import title_of, worksheet

CODE, NAME = "232068", "春日井市"
CITY = "https://w3id.org/jyuso-kb/data/232068/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAPPING = load_mapping()
GUIDE, CHOICES = MAPPING.guide.name, MAPPING.choices_sheet
OLD = FIXTURES / "workbooks"  # exported by the version before labels and templates (English sheet names, ids)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("template") / "kasugai.xlsx"
    assert cli.main(["workbook", "template", "--code", CODE, "--name", NAME, "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return read_files([*resources.ontology_files(), *resources.thesaurus_files()])


def values(book: Any, sheet: str) -> list[list[Any]]:
    return [list(row) for row in worksheet(book, sheet).iter_rows(values_only=True)]


def filled_rows(book: Any, sheet: str) -> list[list[Any]]:
    return [row for row in values(book, sheet)[1:] if any(v not in (None, "") for v in row)]


def expected_labels(ontology: Graph, cls: URIRef) -> list[str]:
    """The Japanese labels of the individuals of ``cls`` or a subclass, as the ontology and thesaurus state them."""
    classes = set(ontology.transitive_subjects(RDFS.subClassOf, cls))
    members = {s for c in classes for s in ontology.subjects(RDF.type, c)}
    return sorted(str(o) for s in members for o in ontology.objects(s, RDFS.label) if o.language == "ja")


def closed_columns() -> list[tuple[SheetSpec, Column]]:
    return [(s, c) for s in MAPPING.sheets for c in s.columns if (c.values is not None or c.kind == "boolean")]


# ---------------------------------------------------------------------------------------------------- the template


def test_the_template_has_the_export_s_sheets_and_headers_and_only_the_municipality(
    template: Path, uozu: PlanSource
) -> None:
    book = load_workbook(template)
    export = formats_workbook.export_tables(uozu.data, uozu.merged())
    assert book.sheetnames == [GUIDE, *(t.title for t in export.tables), CHOICES]  # Japanese sheet names
    assert book.sheetnames[0] == "説明" and book[CHOICES].sheet_state == "hidden"
    for table in export.tables:
        assert values(book, table.name)[0] == table.header, table.name
    plan_header = values(book, "plan")[0]
    municipality_header = values(book, "municipality")[0]
    filled = {t.name: filled_rows(book, t.name) for t in export.tables}
    assert {name: len(rows) for name, rows in filled.items() if rows} == {"prefixes": 6, "plan": 1, "municipality": 1}
    plan = dict(zip(plan_header, filled["plan"][0], strict=True))
    assert {k: v for k, v in plan.items() if v} == {"ID": "city:plan", "策定市町村": "city:city"}
    municipality = dict(zip(municipality_header, filled["municipality"][0], strict=True))
    assert {k: v for k, v in municipality.items() if v} == {
        "ID": "city:city",
        "名称": "春日井市",
        "全国地方公共団体コード": "232068",
    }
    assert ["city", CITY] in filled["prefixes"]
    graph, _ = importer.read_workbook(template)
    city = URIRef(CITY + "city")
    assert graph.value(URIRef(CITY + "plan"), JY.municipality) == city
    assert graph.value(city, JY.localGovernmentCode) == Literal("232068")
    assert graph.value(city, RDFS.label) == Literal("春日井市", lang="ja")
    assert len(graph) == 5


def test_the_template_as_a_csv_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "kasugai"
    assert cli.main(["workbook", "template", "--code", CODE, "--name", NAME, "--out", str(out)]) == 0
    assert capsys.readouterr().out == (
        f"{out} に計画ワークブックのひな形を書き出しました: シート 33 枚。"
        "最初のシート「説明」に、シートと列ごとの書き方と選べる値があります。\n"
    )
    names = sorted(p.stem for p in out.glob("*.csv"))
    assert names == sorted([GUIDE, *MAPPING.sheet_names()])  # the drop-downs' lists are in the guide, not a file
    graph, _ = importer.read_workbook(out)
    assert graph.value(URIRef(CITY + "city"), JY.localGovernmentCode) == Literal(CODE)
    assert len(graph) == 5


def test_the_guide_names_every_sheet_and_column(template: Path, ontology: Graph) -> None:
    rows = values(load_workbook(template), GUIDE)
    assert rows[0] == ["シート", "シートの題", "列", "内容", "必須", "書き方・選べる値"]
    described = {(r[0], r[2]) for r in rows[1:] if r[0]}
    expected = {(MAPPING.prefix_sheet, h) for h in MAPPING.prefix_headers}
    expected |= {(MAPPING.extra_sheet, h) for h in MAPPING.extra_headers}
    expected |= {(s.name, h) for s in MAPPING.sheets for h in s.headers}
    assert expected <= described
    assert {r[0] for r in rows[1:] if r[0]} == set(MAPPING.sheet_names())
    by_column = {(r[0], r[2]): r for r in rows[1:] if r[0] and r[2]}
    mode = by_column[("programs", "実施方式")]
    assert mode[1] == "実施事業" and mode[4] == "必須"
    definitions = [str(o) for o in ontology.objects(JY.implementationMode, SKOS.definition) if o.language == "ja"]
    assert [mode[3]] == definitions
    assert mode[5] == "選べる値: 委託、直営、直営及び委託。または ID(接頭辞:名前)。計画に記載がなければ「不明」。"
    assert by_column[("programs", "新規")][4:] == ["必須", "はい / いいえ。"]
    assert by_column[("matrix", "連携・協力")][4:] == ["必須", "○ / ×。"]
    assert by_column[("programs", "所管課")][5] == (
        "シート 担当課(departments)の行の名称・別名、または ID(接頭辞:名前)。複数可(セルの中で改行して区切る)。"
    )
    assert by_column[("programs", "実施名称(英)")][4] == "推奨"  # a warning of the shapes
    assert by_column[("programs", "備考")][4] is None


def test_every_closed_vocabulary_column_has_a_drop_down_of_exactly_its_labels(template: Path, ontology: Graph) -> None:
    book = load_workbook(template)
    lists = book[CHOICES]
    classes = set()
    for spec, col in closed_columns():
        if col.readonly:
            continue
        sheet = worksheet(book, spec.name)
        letter = sheet.cell(row=1, column=spec.headers.index(col.header) + 1).column_letter
        found = [v for v in sheet.data_validations.dataValidation if f"{letter}2" in v.sqref]
        assert len(found) == 1, (spec.name, col.header)
        check = found[0]
        match = re.fullmatch(r"'(.+)'!\$([A-Z]+)\$2:\$\2\$([0-9]+)", check.formula1)
        assert match is not None and match.group(1) == CHOICES, check.formula1
        shown = [lists[f"{match.group(2)}{r}"].value for r in range(2, int(match.group(3)) + 1)]
        # a column whose property the plan may leave unstated (jy:mayBeUnstated) offers 「不明」 last
        unknown = ["不明"] if (col.property, JY.mayBeUnstated, Literal(True)) in ontology else []
        if unknown:
            assert shown[-1:] == unknown, (spec.name, col.header)
            shown = shown[:-1]
        if col.kind == "boolean":
            assert shown == ([col.true_token, col.false_token] if spec.name == "matrix" else ["はい", "いいえ"])
        else:
            assert col.values is not None
            classes.add(col.values)
            assert sorted(shown) == expected_labels(ontology, col.values), (spec.name, col.header)
        binding = col.kind == "boolean" or (not col.multi and not col.refers)
        assert (check.type, check.errorStyle, check.showErrorMessage) == (
            "list",
            "stop" if binding else "warning",
            True,
        )
    assert classes == {
        JY.ImplementationMode,
        JY.Frequency,
        JY.LegalProvision,
        JY.Law,
        JY.Field,
        JY.ImplementationStatus,
        JY.ComponentProgram,
        JY.CollaborationFunction,
        JY.ExistingSchemeProgram,
        JY.Need,
    }
    assert expected_labels(ontology, JY.ImplementationMode) == ["委託", "直営", "直営及び委託"]
    # a column pointing at one sheet offers that sheet's names
    programs = book["実施事業"]
    departments = [v.formula1 for v in programs.data_validations.dataValidation if "M2" in v.sqref]
    assert departments == ["'担当課'!$C$2:$C$1001"]


# ---------------------------------------------------------------------------------------------------- filled in


PLAN = {
    "sections": [
        {
            "ID": "city:sec-1",
            "順序": 1,
            "節番号": "1.",
            "名称": "計画の策定にあたって",
            "計画": "春日井市地域福祉まるごと計画",
        },
        {
            "ID": "city:sec-2",
            "順序": 2,
            "節番号": "2.",
            "名称": "事業の実施体制",
            "計画": "春日井市地域福祉まるごと計画",
        },
        {"ID": "city:sec-3", "順序": 3, "節番号": "3.", "名称": "推進体制", "計画": "春日井市地域福祉まるごと計画"},
    ],
    "departments": [
        {"ID": "city:dept-fukushi", "順序": 1, "名称": "福祉課", "別名": "福祉総務課\n福祉", "出典": "2."},
        {"ID": "city:dept-kodomo", "順序": 2, "名称": "子ども政策課", "別名": "子ども課\n福祉", "出典": "2."},
    ],
    "contractors": [{"ID": "city:org-shakyo", "名称": "市社会福祉協議会", "別名": "社協", "出典": "2."}],
    "target_groups": [
        {"ID": "city:tg-elderly", "名称": "高齢者とその家族", "分野": "高齢", "出典": "2."},
        {"ID": "city:tg-disability", "名称": "障がいのある人", "分野": "障害", "出典": "2."},
        {"ID": "city:tg-child", "名称": "子育て世帯", "分野": "子育て", "出典": "2."},
        {"ID": "city:tg-poverty", "名称": "生活に困っている人", "分野": "生活困窮", "出典": "2."},
        {"ID": "city:tg-any", "名称": "だれでも", "分野": "属性不問", "出典": "2."},
    ],
    "programs": [
        {
            "ID": "city:prog-soudan",
            "順序": 1,
            "実施名称": "まるごと相談",
            "構成事業": "包括的相談支援事業",
            "分野": "高齢\n障がい\n子ども\n生活困窮",
            "支援対象者": "高齢者とその家族\n障がいのある人\n子育て世帯\n生活に困っている人",
            "実施方式": "直営",
            "所管課": "福祉課\n子ども政策課",
            "新規": "いいえ",
            "出典": "2.",
        },
        {
            "ID": "city:prog-kyodo",
            "順序": 2,
            "実施名称": "多機関協働支援",
            "構成事業": "多機関協働事業",
            "分野": "属性不問",
            "支援対象者": "だれでも",
            "実施方式": "委託",
            "委託先・実施場所": "社協",
            "所管課": "福祉課",
            "新規": "はい",
            "出典": "2.",
        },
        {
            "ID": "city:prog-houmon",
            "順序": 3,
            "実施名称": "訪問つながり支援",
            "構成事業": "アウトリーチ等を通じた継続的支援事業",
            "分野": "属性不問",
            "支援対象者": "だれでも",
            "実施方式": "直営",
            "所管課": "福祉課",
            "新規": "はい",
            "出典": "2.",
        },
        {
            "ID": "city:prog-sanka",
            "順序": 4,
            "実施名称": "社会参加サポート",
            "構成事業": "参加支援事業",
            "分野": "属性不問",
            "支援対象者": "だれでも",
            "実施方式": "直営",
            "所管課": "福祉課",
            "新規": "はい",
            "出典": "2.",
        },
        {
            "ID": "city:prog-ibasho",
            "順序": 5,
            "実施名称": "地域の居場所づくり",
            "構成事業": "地域づくり事業",
            "分野": "高齢\n子ども",
            "支援対象者": "高齢者とその家族\n子育て世帯",
            "実施方式": "直営及び委託",
            "委託先・実施場所": "市社会福祉協議会",
            "所管課": "子ども政策課",
            "新規": "いいえ",
            "出典": "2.",
        },
    ],  # fmt: skip
    "legal_items": [
        {
            "ID": "city:prog-soudan",
            "根拠規定": "第1号イ\n第1号ロ\n第1号ハ\n第1号ニ",
            "既存制度の対象事業": "地域包括支援センターの運営\n障害者相談支援事業\n利用者支援事業\n自立相談支援事業",
        },
        {"ID": "city:prog-kyodo", "根拠規定": "第106条の4第2項第5号\n第6号"},
        {"ID": "city:prog-houmon", "根拠規定": "第４号"},
        {"ID": "city:prog-sanka", "根拠規定": "第2号"},
        {"ID": "city:prog-ibasho", "根拠規定": "第3号イ\n第3号ニ"},
    ],  # fmt: skip
    "activities": [
        {"ID": f"city:act-{n}", "実施事業": program, "順序": 1, "名称": f"{program}の実施", "出典": "2."}
        for n, program in enumerate(
            ["まるごと相談", "多機関協働支援", "訪問つながり支援", "社会参加サポート", "地域の居場所づくり"]
        )
    ],
    "matrix": [
        {"ID": f"city:cell-{d}-{f}", "担当課": dept, "機能": function, "連携・協力": mark, "出典": "2."}
        for d, dept in enumerate(["福祉課", "子ども政策課"])
        for f, (function, mark) in enumerate(
            [("相談支援", "○"), ("参加支援", "○"), ("地域づくり", "×"), ("庁内連携会議等", "○")]
        )
    ],
    "duties": [{"ID": "city:duty-1", "担当課": "福祉課", "順序": 1, "名称": "地域福祉の推進", "出典": "2."}],
    "needs": [
        {"ID": "city:prog-soudan", "事業が対応するニーズ": "親の介護\n子育ての悩み\n経済的困窮"},
        {"ID": "city:prog-kyodo", "事業が対応するニーズ": "複雑化・複合化した課題"},
        {"ID": "city:prog-houmon", "事業が対応するニーズ": "ひきこもり"},
        {"ID": "city:prog-sanka", "事業が対応するニーズ": "社会参加"},
        {"ID": "city:prog-ibasho", "事業が対応するニーズ": "居場所がほしい"},
        {"ID": "city:duty-1", "業務・対象者が対応するニーズ": "地域活動・自治会"},
    ],
    "meetings": [
        {
            "ID": "city:mtg-juso",
            "順序": 1,
            "名称": "重層的支援会議",
            "開催時期": "随時開催",
            "本人同意が必要": "はい",
            "個別ケースごとに招集": "はい",
            "構成員の説明": "事例に関わる支援機関の担当者",
            "出典": "3.",
        },
        {
            "ID": "city:mtg-shien",
            "順序": 2,
            "名称": "支援会議",
            "開催時期": "随時開催",
            "本人同意が必要": "いいえ",
            "守秘義務": "はい",
            "個別ケースごとに招集": "はい",
            "根拠規定": "社会福祉法第106条の6",
            "構成員の出所": "重層的支援会議",
            "出典": "3.",
        },
        {
            "ID": "city:mtg-chonai",
            "順序": 3,
            "名称": "庁内連携会議",
            "開催時期": "年1回程度",
            "本人同意が必要": "いいえ",
            "個別ケースごとに招集": "いいえ",
            "出典": "3.",
        },
    ],  # fmt: skip
    "memberships": [
        {
            "ID": "city:mtg-chonai-m1",
            "会議": "庁内連携会議",
            "順序": 1,
            "構成員の組織": "福祉課",
            "名称": "福祉課長",
            "出典": "3.",
        },
        {
            "ID": "city:mtg-chonai-m2",
            "会議": "庁内連携会議",
            "順序": 2,
            "構成員の組織": "子ども政策課",
            "名称": "子ども政策課長",
            "出典": "3.",
        },
    ],  # fmt: skip
    "schedule_rows": [
        {"ID": "city:sched-1", "順序": 1, "名称": "まるごと相談の実施", "対象": "まるごと相談", "出典": "3."}
    ],
    "schedule_entries": [
        {"ID": f"city:sched-1-{year}", "行": "まるごと相談の実施", "年度": year, "状態": status, "出典": "3."}
        for year, status in [(2025, "移行準備事業"), (2026, "本格実施"), (2027, "本格実施")]
    ],
    "challenges": [
        {
            "ID": "city:challenge-1",
            "順序": 1,
            "内容": "複合的な課題を抱える世帯が相談先に迷う。",
            "対応する仕組み": "まるごと相談\n多機関協働支援\n支援会議",
            "出典": "1.",
        }
    ],  # fmt: skip
}
PLAN_ROW = {
    "名称": "春日井市地域福祉まるごと計画",
    "計画期間の開始日": "2025-04-01",
    "計画期間の終了日": "2028-03-31",
    "開始年度": 2025,
    "終了年度": 2027,
    "根拠規定": "社会福祉法第106条の5",
    "関連法": "社会福祉法",
    "出典": "1.",
}


def fill(template: Path, out: Path, plan: dict[str, list[dict[str, Any]]] = PLAN) -> Path:
    """The template filled in as policy staff would: reference cells name their choice or row by its label."""
    book = load_workbook(template)
    for sheet, rows in plan.items():
        ws = worksheet(book, sheet)
        headers = [c.value for c in ws[1]]
        for row in rows:
            ws.append([row.get(h) for h in headers])
    for sheet, extra in (("plan", PLAN_ROW), ("municipality", {"出典": "1."})):
        ws = worksheet(book, sheet)
        headers = [c.value for c in ws[1]]
        for header, value in extra.items():
            ws.cell(row=2, column=headers.index(header) + 1, value=value)
    book.save(out)
    return out


@pytest.fixture(scope="module")
def filled(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fill(template, tmp_path_factory.mktemp("filled") / "kasugai-filled.xlsx")


def test_a_template_filled_in_with_labels_imports_and_validates(filled: Path) -> None:
    graph, index = importer.read_workbook(filled)
    city = lambda local: URIRef(CITY + local)  # noqa: E731
    soudan, kyodo = city("prog-soudan"), city("prog-kyodo")
    assert graph.value(soudan, JY.implementationMode) == JY["mode-direct"]
    assert graph.value(city("prog-ibasho"), JY.implementationMode) == JY["mode-direct-and-commissioned"]
    assert graph.value(kyodo, JY.operator) == city("org-shakyo")  # by its alias 社協
    assert set(graph.objects(soudan, JY.responsibleDepartment)) == {city("dept-fukushi"), city("dept-kodomo")}
    assert set(graph.objects(soudan, JY.implementsProvision)) == {
        LAW[f"a106-4-p2-i1-{i}"] for i in ("i", "ro", "ha", "ni")
    }
    assert graph.value(city("prog-houmon"), JY.implementsProvision) == LAW["a106-4-p2-i4"]  # 第４号, full-width
    assert graph.value(kyodo, JY.isNew) == Literal(True)
    assert graph.value(soudan, JY.isNew) == Literal(False)
    assert graph.value(city("tg-child"), JY.field) == JY["field-child"]  # 子育て, an alternative label
    assert graph.value(city("mtg-shien"), JY.membersFrom) == city("mtg-juso")
    assert graph.value(city("mtg-shien"), JY.legalBasis) == LAW["a106-6"]
    assert graph.value(city("sched-1"), JY.entry) is not None
    assert graph.value(city("sched-1-2026"), JY.status) == JY["status-full"]
    assert graph.value(city("cell-1-2"), JY.participates) == Literal(False)
    assert graph.value(city("sec-2"), JY.plan) == city("plan")
    assert set(graph.objects(soudan, JY.source)) == {city("sec-2")}  # 出典 by section number
    assert NEED["hikikomori"] in set(graph.objects(city("prog-houmon"), JY.servesNeed))
    assert graph.value(city("prog-soudan"), JY.activity) == city("act-0")
    assert index.cells[(soudan, JY.implementationMode)].column == "実施方式"
    result = validate(load_plan([filled]))
    assert result.conforms, result.as_dict()


def test_the_filled_in_template_validates_on_the_command_line(filled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["validate", str(filled)]) == 0
    assert "違反 0件" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------------- labels


@pytest.mark.parametrize(("sheet", "header"), [(s.name, c.header) for s, c in closed_columns() if c.values is not None])
def test_every_label_of_every_closed_vocabulary_reads_as_its_individual(
    sheet: str, header: str, ontology: Graph
) -> None:
    """Each column of a closed vocabulary reads every label its drop-down shows as that individual."""
    spec = MAPPING.sheet(sheet)
    assert spec is not None
    col = next(c for c in spec.columns if c.header == header)
    assert col.values is not None
    classes = set(ontology.transitive_subjects(RDFS.subClassOf, col.values))
    members = sorted({s for c in classes for s in ontology.subjects(RDF.type, c)})
    rows = [[spec.id_header, header]]
    for n, member in enumerate(members):
        label = next(o for o in ontology.objects(member, RDFS.label) if o.language == "ja")
        rows.append([f"jy:row-{n}", str(label)])
    graph, _ = importer.import_tables([sheets.RawSheet(sheet, f"{sheet}.csv", rows)])
    for n, member in enumerate(members):
        subject, value = JY[f"row-{n}"], member
        if col.inverse:
            subject, value = member, subject
        assert (subject, col.property, value) in graph, (header, member)


@pytest.mark.parametrize(
    ("header", "cell", "expected"),
    [
        ("実施方式", "直営", JY["mode-direct"]),
        ("実施方式", "委託", JY["mode-commissioned"]),
        ("実施方式", "直営、委託", JY["mode-direct-and-commissioned"]),  # skos:altLabel
        ("実施方式", " 直営 ", JY["mode-direct"]),
        ("実施方式", "jy:mode-direct", JY["mode-direct"]),  # the identifier, as the export writes it
        ("分野", "障害", JY["field-disability"]),
        ("構成事業", "参加支援事業", JY["component-participation"]),
        ("新規", "はい", Literal(True)),
        ("新規", "いいえ", Literal(False)),
        ("新規", "true", Literal(True)),
    ],
)
def test_a_label_or_an_identifier_reads_as_the_same_value(header: str, cell: str, expected: Any) -> None:
    rows = [["ID", header], ["jy:p", cell]]
    graph, _ = importer.import_tables([sheets.RawSheet("programs", "programs.csv", rows)])
    spec = MAPPING.sheet("programs")
    assert spec is not None
    prop = next(c.property for c in spec.columns if c.header == header)
    assert list(graph.objects(JY.p, prop)) == [expected]


def test_the_matrix_reads_its_own_marks_and_booleans_elsewhere_read_はい() -> None:
    rows = [["ID", "連携・協力"], ["jy:c1", "○"], ["jy:c2", "×"]]
    graph, _ = importer.import_tables([sheets.RawSheet("matrix", "matrix.csv", rows)])
    assert graph.value(JY.c1, JY.participates) == Literal(True)
    assert graph.value(JY.c2, JY.participates) == Literal(False)
    meeting = [["ID", "本人同意が必要", "守秘義務"], ["jy:m", "いいえ", "はい"]]
    graph, _ = importer.import_tables([sheets.RawSheet("meetings", "meetings.csv", meeting)])
    assert (graph.value(JY.m, JY.requiresConsent), graph.value(JY.m, JY.confidentialityDuty)) == (
        Literal(False),
        Literal(True),
    )


# ---------------------------------------------------------------------------------------------------- mistakes


def edited(filled: Path, tmp_path: Path, sheet: str, subject: str, header: str, value: str) -> Path:
    book = load_workbook(filled)
    ws = worksheet(book, sheet)
    headers = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == subject:
            row[headers.index(header)].value = value
    out = tmp_path / "edited.xlsx"
    book.save(out)
    return out


UNKNOWN = "外注で実施"  # a value in no list: never repeated in the error


@pytest.mark.parametrize(
    ("sheet", "subject", "header", "row", "message", "hint"),
    [
        (
            "programs",
            "city:prog-kyodo",
            "実施方式",
            3,
            "実施方式の値は選択肢にありません。説明シートの一覧から選んでください。",
            "選べる値: 委託、直営、直営及び委託。ID(接頭辞:名前)で書くこともできます。",
        ),
        (
            "programs",
            "city:prog-kyodo",
            "所管課",
            3,
            "所管課の値は選択肢にありません。説明シートの一覧から選んでください。",
            "シート 担当課(departments) の行の名称を書くか、先にそのシートに行を加えてください。ID(接頭辞:名前)で書くこともできます。",
        ),
        (
            "meetings",
            "city:mtg-shien",
            "開催時期",
            3,
            "開催時期の値は選択肢にありません。説明シートの一覧から選んでください。",
            "選べる値: 年1回程度、随時開催、必要に応じて開催。ID(接頭辞:名前)で書くこともできます。",
        ),
        (
            "needs",
            "city:prog-houmon",
            "事業が対応するニーズ",
            4,
            "事業が対応するニーズの値は選択肢にありません。説明シートの一覧から選んでください。",
            "選べる値は説明シートの列「事業が対応するニーズ」の行にあります。"
            "シート ニーズと言い換え(thesaurus) の行の名称を書くか、先にそのシートに行を加えてください。ID(接頭辞:名前)で書くこともできます。",
        ),
    ],
    ids=["closed-vocabulary", "department", "frequency", "need"],
)
def test_an_unknown_label_is_named_by_sheet_row_and_column_never_quoted(
    filled: Path, tmp_path: Path, sheet: str, subject: str, header: str, row: int, message: str, hint: str
) -> None:
    path = edited(filled, tmp_path, sheet, subject, header, UNKNOWN)
    with pytest.raises(sheets.WorkbookError) as caught:
        importer.read_workbook(path)
    problem = caught.value.problems[0]
    assert len(caught.value.problems) == 1
    assert (problem.code, problem.message, problem.hint) == ("bad_cell", message, hint)
    assert problem.where == f"{path}: シート {title_of(sheet)}、行 {row}、列 {header}"
    assert UNKNOWN not in problem.message + problem.where + problem.hint


def test_an_unknown_label_on_the_command_line(filled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = edited(filled, tmp_path, "programs", "city:prog-kyodo", "実施方式", UNKNOWN)
    assert cli.main(["workbook", "import", str(path), "--out", str(tmp_path / "plan.ttl")]) == 2
    err = capsys.readouterr().err
    assert err == (
        "エラー: 実施方式の値は選択肢にありません。説明シートの一覧から選んでください。\n"
        f"  場所: {path}: シート 実施事業、行 3、列 実施方式\n"
        "  ヒント: 選べる値: 委託、直営、直営及び委託。ID(接頭辞:名前)で書くこともできます。\n"
    )
    assert cli.main(["validate", str(path)]) == 2


def test_a_label_two_rows_share_asks_for_the_identifier(filled: Path, tmp_path: Path) -> None:
    path = edited(filled, tmp_path, "programs", "city:prog-kyodo", "所管課", "福祉")  # an alias of both departments
    with pytest.raises(sheets.WorkbookError) as caught:
        importer.read_workbook(path)
    problem = caught.value.problems[0]
    assert (problem.message, problem.hint) == (
        "所管課の値に当てはまるものが 2 つ以上あります。",
        "同じ名称のものがあります。ID(接頭辞:名前)で書いてください。",
    )
    assert problem.where.endswith("シート 実施事業、行 3、列 所管課")


def test_a_name_s_own_label_wins_over_another_row_s_alias(filled: Path, tmp_path: Path) -> None:
    """福祉課 is one department's name; no other row may steal it through an alias."""
    path = edited(filled, tmp_path, "departments", "city:dept-kodomo", "別名", "福祉課")
    graph, _ = importer.read_workbook(path)
    assert graph.value(URIRef(CITY + "prog-kyodo"), JY.responsibleDepartment) == URIRef(CITY + "dept-fukushi")


# ---------------------------------------------------------------------------------------------------- the code


@pytest.mark.parametrize(("code", "digit"), [("162043", 3), ("232068", 8), ("999008", 8), ("131016", 6)])
def test_the_check_digit_of_a_local_government_code(code: str, digit: int) -> None:
    assert check_digit(code[:5]) == digit
    assert check_code(code) == code


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("232067", "全国地方公共団体コードの検査数字(6 桁目)が合いません。"),
        ("162040", "全国地方公共団体コードの検査数字(6 桁目)が合いません。"),
        ("23206", "全国地方公共団体コードは 6 桁の半角数字で書いてください。"),
        ("２３２０６８", "全国地方公共団体コードは 6 桁の半角数字で書いてください。"),
        ("23206x", "全国地方公共団体コードは 6 桁の半角数字で書いてください。"),
    ],
)
def test_a_bad_code_exits_2_with_a_japanese_message(
    code: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "t.xlsx"
    assert cli.main(["workbook", "template", "--code", code, "--name", NAME, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"エラー: {message}\n  場所: --code\n  ヒント: ")
    assert code not in err and not out.exists()


@pytest.mark.parametrize("name", ["", "   ", "春日井\n市", "春" * 41, "春日井市\u200b"])
def test_a_bad_name_exits_2(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["workbook", "template", "--code", CODE, "--name", name, "--out", str(tmp_path / "t.xlsx")]) == 2
    assert capsys.readouterr().err.startswith(
        "エラー: 市町村名は改行や制御文字を含まない 40 文字以内で書いてください。\n  場所: --name\n"
    )


# ---------------------------------------------------------------------------------------------------- the web API


def test_the_api_gives_the_same_workbook(api: TestClient, template: Path) -> None:
    response = api.get("/v1/workbook/template", params={"code": CODE, "name": NAME})
    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX
    assert response.headers["content-disposition"] == 'attachment; filename="workbook-template.xlsx"'
    got, want = load_workbook(io.BytesIO(response.content)), load_workbook(template)
    assert got.sheetnames == want.sheetnames
    for name in want.sheetnames:
        assert values(got, name) == values(want, name), name
        assert got[name].sheet_state == want[name].sheet_state
        assert [(v.sqref, v.formula1, v.errorStyle) for v in got[name].data_validations.dataValidation] == [
            (v.sqref, v.formula1, v.errorStyle) for v in want[name].data_validations.dataValidation
        ]


@pytest.mark.parametrize(
    ("params", "error"),
    [
        (
            {"code": "232067", "name": NAME},
            {
                "code": "bad_code",
                "message": "全国地方公共団体コードの検査数字(6 桁目)が合いません。",
                "where": "query.code",
                "hint": "総務省の全国地方公共団体コードの一覧で、6 桁のコードを確かめてください。",
            },
        ),
        (
            {"code": "2320", "name": NAME},
            {
                "code": "bad_code",
                "message": "全国地方公共団体コードは 6 桁の半角数字で書いてください。",
                "where": "query.code",
                "hint": "総務省の全国地方公共団体コード(5 桁の団体コードの末尾に検査数字を付けた 6 桁)を書いてください。",
            },
        ),
        (
            {"code": CODE, "name": "春日井\n市"},
            {
                "code": "bad_name",
                "message": "市町村名は改行や制御文字を含まない 40 文字以内で書いてください。",
                "where": "query.name",
                "hint": "市町村の名称だけを 1 行で書いてください。",
            },
        ),
    ],
)
def test_the_api_refuses_a_bad_code_or_name_with_422(api: TestClient, params: dict[str, str], error: Any) -> None:
    response = api.get("/v1/workbook/template", params=params)
    assert response.status_code == 422
    assert response.json() == {"error": error}
    refused = params[error["where"].removeprefix("query.")]
    assert refused.split("\n")[0] not in response.text  # the refused value is never repeated


def test_the_api_wants_both_code_and_name(api: TestClient) -> None:
    response = api.get("/v1/workbook/template", params={"name": NAME})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"
    assert response.json()["error"]["where"] == "query.code"


# ---------------------------------------------------------------------------------------------------- old workbooks


@pytest.mark.parametrize("path", [OLD / "uozu-export.xlsx", OLD / "uozu-export-csv"], ids=["xlsx", "csv"])
def test_a_workbook_exported_before_labels_imports_and_validates_as_before(uozu: PlanSource, path: Path) -> None:
    graph, _ = importer.read_workbook(path)
    then = Graph()  # the plan as it was when the copy was saved: before its municipality stated its prefecture
    then += uozu.data  # and before each need link had its evidence (the copy's needs sheet has today's links)
    for added in (JY.prefecture, JY.codeSource):
        then.remove((None, added, None))
    for evidence in set(then.subjects(RDF.type, JY.NeedLinkEvidence)):
        then.remove((evidence, None, None))
    assert isomorphic(graph, then)
    assert len(graph) == len(then)
    assert validate(PlanSource(uozu.vocabulary, graph, str(path))).conforms


def test_the_export_still_writes_identifiers(uozu: PlanSource) -> None:
    tables = formats_workbook.export_tables(uozu.data, uozu.merged())
    programs = tables.table("programs")
    modes = {row[programs.header.index("実施方式")] for row in programs.rows}
    assert modes <= {"jy:mode-direct", "jy:mode-commissioned", "jy:mode-direct-and-commissioned"}
    assert {row[programs.header.index("新規")] for row in programs.rows} == {"true", "false"}
    assert tables.table("extra").rows == []
    assert not any(t.lists for t in tables.tables)


def test_an_xlsx_without_the_guide_is_still_a_workbook(tmp_path: Path) -> None:
    """The guide and the lists are for people: a workbook without them (or with them) reads the same."""
    book = Workbook()
    book.active.title = "municipality"
    book["municipality"].append(["ID", "名称"])
    book["municipality"].append(["jy:m", "春日井市"])
    book.create_sheet(GUIDE).append(["anything"])
    book.save(tmp_path / "w.xlsx")
    graph, _ = importer.read_workbook(tmp_path / "w.xlsx")
    assert graph.value(JY.m, RDFS.label) == Literal("春日井市", lang="ja")
