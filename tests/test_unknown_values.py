"""「不明」 is a value: a plan may leave a programme's implementation mode, operators and target group, and a
meeting's frequency and consent unstated (``jy:unstated <property>``, the properties ``ontology/core.ttl`` marks
``jy:mayBeUnstated``). Each validates as exactly one warning and no violation, answers show 「不明」 (the ontology's
``jy:shownAs``), routing never picks a meeting whose consent is unknown, and the workbook writes and reads 「不明」.
What the law makes optional is optional: a plan without a 支援会議 (社会福祉法第106条の6,「できる」) conforms.

Variants of the fictional plan tests/fixtures/plans/kasou are built in memory (and written as folders where a
command reads them).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

import jyuso_kb
from jyuso_kb import cli
from jyuso_kb.check import quality
from jyuso_kb.formats.catalog import programs
from jyuso_kb.formats.views import meetings
from jyuso_kb.formats.workbook import export_tables, template_tables, write_xlsx
from jyuso_kb.namespaces import JY
from jyuso_kb.plan.source import PlanSource
from jyuso_kb.plan.workbook.importer import locate, read_workbook

from .workbook_support import worksheet

KASOU = "https://w3id.org/jyuso-kb/data/kasou/"
ANSHIN = URIRef(KASOU + "prog-anshin-soudan")  # 高齢者あんしん相談センター運営事業 (委託, 第1号イ)
TEAM = URIRef(KASOU + "mtg-team")  # チーム支援会議 (同意あり)
SHIEN = URIRef(KASOU + "mtg-shien")  # 架空町支援会議 (同意なし・守秘義務)
CASES = [
    # (what the plan leaves unstated, the node, the warning)
    (JY.implementationMode, ANSHIN, "「実施方式」は計画に記載がありません(不明)。"),
    (JY.operator, ANSHIN, "「委託先・実施場所」は計画に記載がありません(不明)。"),
    (JY.targetGroup, ANSHIN, "「支援対象者」は計画に記載がありません(不明)。"),
    (JY.frequency, TEAM, "「開催時期」は計画に記載がありません(不明)。"),
    (JY.requiresConsent, TEAM, "「本人同意が必要」は計画に記載がありません(不明)。"),
]
IDS = ["mode", "operator", "target-group", "frequency", "consent"]
WHERE = {
    JY.implementationMode: "列 実施方式",
    JY.operator: "列 委託先・実施場所",
    JY.targetGroup: "列 支援対象者",
    JY.frequency: "列 開催時期",
    JY.requiresConsent: "列 本人同意が必要",
}


def copy(plan: PlanSource) -> Graph:
    """The plan's data with its prefixes (the workbook writes ``kasou:…`` ids)."""
    data = Graph()
    data += plan.data
    for prefix, namespace in plan.data.namespaces():
        data.bind(prefix, namespace, override=True)
    return data


def unknown(plan: PlanSource, *facts: tuple[URIRef, URIRef]) -> PlanSource:
    """The plan with each (node, property) written as 「不明」: its values removed, ``node jy:unstated property``."""
    data = copy(plan)
    for node, prop in facts:
        data.remove((node, prop, None))
        data.add((node, JY.unstated, prop))
    return PlanSource(plan.vocabulary, data, f"{plan.origin}, unknown")


def without(plan: PlanSource, node: URIRef) -> PlanSource:
    data = copy(plan)
    data.remove((node, None, None))
    data.remove((None, None, node))
    return PlanSource(plan.vocabulary, data, f"{plan.origin}, without {node}")


def found(plan: PlanSource) -> list[tuple[str, str, str, str]]:
    result = jyuso_kb.validate(plan)
    return [(f.severity, f.focus, f.path, f.message) for f in result.report.findings]


@pytest.mark.parametrize(("prop", "node", "warning"), CASES, ids=IDS)
def test_each_unknown_fact_is_exactly_one_warning_and_no_violation(
    kasou: PlanSource, prop: URIRef, node: URIRef, warning: str
) -> None:
    plan = unknown(kasou, (node, prop))
    result = jyuso_kb.validate(plan)
    assert result.conforms is True
    assert result.failed_checks == ()
    short = "kasou:" + str(node).removeprefix(KASOU)
    path = "jy:" + str(prop).removeprefix(str(JY))
    assert found(plan) == [("warning", short, path, warning)]


def test_all_unknown_at_once_are_five_warnings(kasou: PlanSource) -> None:
    plan = unknown(kasou, *((node, prop) for prop, node, _ in CASES))
    result = jyuso_kb.validate(plan)
    assert result.conforms is True
    assert sorted(f.message for f in result.report.findings) == sorted(w for _, _, w in CASES)
    assert {f.severity for f in result.report.findings} == {"warning"}


def test_a_blank_fact_is_still_a_violation(kasou: PlanSource) -> None:
    data = Graph()
    data += kasou.data
    data.remove((ANSHIN, JY.implementationMode, None))
    data.remove((TEAM, JY.requiresConsent, None))
    plan = PlanSource(kasou.vocabulary, data, "blank")
    assert found(plan) == [
        (
            "violation",
            "kasou:mtg-team",
            "jy:requiresConsent",
            "会議で本人の同意が必要かどうかがないか、2つ以上あります。",
        ),
        (
            "violation",
            "kasou:prog-anshin-soudan",
            "jy:implementationMode",
            "事業の実施方式(直営・委託・直営及び委託)がないか、2つ以上あります。",
        ),
    ]


def test_only_what_may_be_unstated_may_be_unknown(kasou: PlanSource) -> None:
    data = Graph()
    data += kasou.data
    data.remove((ANSHIN, JY.responsibleDepartment, None))
    data.add((ANSHIN, JY.unstated, JY.responsibleDepartment))
    data.add((TEAM, JY.unstated, JY.frequency))  # stated too
    plan = PlanSource(kasou.vocabulary, data, "wrong unknowns")
    assert found(plan) == [
        ("violation", "kasou:mtg-team", "jy:frequency", "「開催時期」は値が書かれているのに「不明」ともされています。"),
        (
            "violation",
            "kasou:prog-anshin-soudan",
            "jy:responsibleDepartment",
            "事業に所管課がないか、所管課が既知の課ではありません。",
        ),
        (
            "violation",
            "kasou:prog-anshin-soudan",
            "jy:responsibleDepartment",
            "「所管課」は「不明」とは書けません(計画に必ず記載される項目です)。",
        ),
    ]


def test_a_plan_without_a_shien_kaigi_conforms_with_a_warning_of_the_check(kasou: PlanSource) -> None:
    """社会福祉法第106条の6: the municipality 「組織することができる」 a 支援会議; the consent pair is a warning."""
    plan = without(kasou, SHIEN)
    result = jyuso_kb.validate(plan)
    assert result.conforms is True
    assert result.report.violations == ()
    assert result.failed_checks == ()
    already = {r.check.name for r in quality.run(kasou.merged()) if not r.passed}  # the fictional plan's own warnings
    rows = {r.check.name: r.rows for r in quality.run(plan.merged()) if not r.passed and r.check.name not in already}
    assert rows == {"consent-meetings": (("kasou:plan",),)}
    answer = jyuso_kb.route(jyuso_kb.build_index(plan), ["親の介護", "ひきこもりの息子"], consent=False)
    assert answer["meetings"] == []


def test_a_meeting_whose_consent_is_unknown_is_chosen_by_neither_consent_rule(kasou: PlanSource) -> None:
    index = jyuso_kb.build_index(unknown(kasou, (TEAM, JY.requiresConsent)))
    needs, day = ["親の介護", "ひきこもりの息子"], date(2025, 10, 1)
    meetings_for = {
        c: [m["label"] for m in jyuso_kb.route(index, needs, consent=c, as_of=day)["meetings"]]
        for c in (True, False, None)
    }
    assert meetings_for == {True: [], False: ["架空町支援会議"], None: ["架空町支援会議"]}


def test_answers_show_unknown_from_the_ontology(kasou: PlanSource) -> None:
    plan = unknown(kasou, *((node, prop) for prop, node, _ in CASES))
    graph = plan.merged()
    [anshin] = [p for p in programs(graph) if p["id"] == "prog-anshin-soudan"]
    assert (anshin["implementation"], anshin["operators"], anshin["target_group"]) == (
        "不明",
        [{"id": None, "label": "不明"}],
        "不明",
    )
    [team] = [m for m in meetings(graph) if m["id"] == "mtg-team"]
    assert (team["frequency"], team["requires_consent"]) == ("不明", None)
    answer = jyuso_kb.route(jyuso_kb.build_index(plan), ["親の介護"], consent=True, as_of=date(2025, 10, 1))
    [routed] = [p for p in answer["programs"] if p["id"] == "prog-anshin-soudan"]
    assert routed["operators"] == [{"id": None, "label": "不明"}]


def test_the_programme_text_and_the_document_show_unknown(
    kasou: PlanSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "plan"
    folder.mkdir()
    unknown(kasou, (ANSHIN, JY.implementationMode), (ANSHIN, JY.operator)).data.serialize(folder / "plan.ttl")
    assert cli.main(["programs", "--data", str(folder)]) == 0
    assert "実施方式: 不明" in capsys.readouterr().out
    assert cli.main(["render", "--format", "md", "--data", str(folder)]) == 0
    [row] = [
        line for line in capsys.readouterr().out.splitlines() if line.startswith("| 高齢者あんしん相談センター運営事業")
    ]
    assert "| 不明 | 不明 |" in row


# ---------------------------------------------------------------------------------------------------- the workbook


def test_unknown_round_trips_through_the_workbook_and_is_located(kasou: PlanSource, tmp_path: Path) -> None:
    plan = unknown(kasou, *((node, prop) for prop, node, _ in CASES))
    tables = export_tables(plan.data, plan.merged())
    programs_sheet, meetings_sheet = tables.table("programs"), tables.table("meetings")
    [row] = [r for r in programs_sheet.rows if r[0] == "kasou:prog-anshin-soudan"]
    assert {h for h, c in zip(programs_sheet.header, row, strict=True) if c == "不明"} == {
        "実施方式",
        "委託先・実施場所",
        "支援対象者",
    }
    [row] = [r for r in meetings_sheet.rows if r[0] == "kasou:mtg-team"]
    assert {h for h, c in zip(meetings_sheet.header, row, strict=True) if c == "不明"} == {"開催時期", "本人同意が必要"}
    assert not [r for r in tables.table("extra").rows if r[1] == "jy:unstated"]
    path = tmp_path / "plan.xlsx"
    write_xlsx(tables, path)
    graph, index = read_workbook(path)
    assert isomorphic(graph, plan.data)
    result = jyuso_kb.validate(PlanSource(kasou.vocabulary, graph, str(path)))
    assert result.conforms is True
    where = {f.message: locate(index, f.focus, f.path) for f in result.report.findings}
    row_of = {ANSHIN: index.rows[ANSHIN].row, TEAM: index.rows[TEAM].row}
    assert where == {
        warning: f"シート {'実施事業' if node == ANSHIN else '会議体'}、行 {row_of[node]}、{WHERE[prop]}"
        for prop, node, warning in CASES
    }


def test_staff_write_unknown_in_an_exported_workbook(kasou: PlanSource, tmp_path: Path) -> None:
    """The cell text 「不明」 (全角・半角 alike after NFKC) replaces the value; the importer writes jy:unstated."""
    path = tmp_path / "plan.xlsx"
    write_xlsx(export_tables(kasou.data, kasou.merged()), path)
    book = load_workbook(path)
    for name, node, headers in (
        ("programs", ANSHIN, ("実施方式", "委託先・実施場所")),
        ("meetings", TEAM, ("本人同意が必要",)),
    ):
        sheet = worksheet(book, name)
        header = [c.value for c in sheet[1]]
        [row] = [r for r in sheet.iter_rows(min_row=2) if r[0].value == "kasou:" + str(node).removeprefix(KASOU)]
        for h in headers:
            row[header.index(h)].value = " 不明 "
    book.save(path)
    graph, _ = read_workbook(path)
    expected = unknown(kasou, (ANSHIN, JY.implementationMode), (ANSHIN, JY.operator), (TEAM, JY.requiresConsent))
    assert isomorphic(graph, expected.data)


def test_unknown_is_refused_where_the_plan_must_say(kasou: PlanSource, tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    write_xlsx(export_tables(kasou.data, kasou.merged()), path)
    book = load_workbook(path)
    sheet = book["実施事業"]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=header.index("構成事業") + 1).value = "不明"
    book.save(path)
    with pytest.raises(jyuso_kb.InputError) as caught:
        read_workbook(path)
    assert (caught.value.message, caught.value.where) == (
        "構成事業の値は選択肢にありません。説明シートの一覧から選んでください。",
        f"{path}: シート 実施事業、行 2、列 構成事業",
    )


def test_the_blank_template_offers_unknown_where_it_applies() -> None:
    tables = template_tables("232068", "春日井市")
    lists = tables.table("選択肢")
    columns = {h: [r[j] for r in lists.rows if r[j]] for j, h in enumerate(lists.header)}
    assert columns["実施方式・不明"] == ["委託", "直営", "直営及び委託", "不明"]
    assert columns["はい・いいえ・不明"] == ["はい", "いいえ", "不明"]
    assert columns["はい・いいえ"] == ["はい", "いいえ"]
    assert columns["開催時期・不明"][-1] == "不明"
    guide = tables.table("説明")
    rows = {(r[0], r[2]): r for r in guide.rows}
    assert rows[("programs", "実施方式")][4:] == [
        "必須",
        "選べる値: 委託、直営、直営及び委託。または ID(接頭辞:名前)。計画に記載がなければ「不明」。",
    ]
    assert rows[("programs", "構成事業")][5].endswith("または ID(接頭辞:名前)。複数可(セルの中で改行して区切る)。")
    assert rows[("meetings", "本人同意が必要")][4:] == ["必須", "はい / いいえ。計画に記載がなければ「不明」。"]
