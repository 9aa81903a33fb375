"""No jargon for staff (issue 16, point 6): what the 窓口 and policy staff read names no RDF term and no English word.

The texts: every rule's name, intent and example as GET /v1/rules gives them (the staff page's 「なぜ」 glossary),
every fix hint and Japanese message of the shapes, every quality check's title and hints, the Japanese validation
report of every invalid shape fixture, and the text of a semantic diff. Tools keep their RDF names in the JSON
report's machine fields (focus, path, shape) and in the rule headers' ``# detail:`` lines.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS, SH

from jyuso_kb.check import quality, shacl
from jyuso_kb.formats.diff import render_text, semantic_diff
from jyuso_kb.namespaces import JY, JYSH
from jyuso_kb.plan.source import PlanSource

from .conftest import FIXTURES
from .shape_fixtures import load, patched

RDF_NAME = re.compile(
    r"(?<![A-Za-z0-9_])(jy|jysh|skos|rdfs|rdf|sh|owl|dct|dcterms|cv|schema|xsd|law|need|uozu|kasou):[A-Za-z_][\w.-]*"
)
ENGLISH = re.compile(
    r"(?<![A-Za-z])(true|false|IRI|URI|label|prefLabel|altLabel|node|shape|literal|planned|property|class)(?![A-Za-z])"
    r"|@(ja|en)\b",
    re.IGNORECASE,
)
PLACEHOLDER = re.compile(r"\{\?\w+\}")
UOZU = "https://w3id.org/jyuso-kb/data/uozu/"


def jargon(text: str) -> list[str]:
    """The RDF names and English words in a text staff read."""
    return [m.group(0) for m in (*RDF_NAME.finditer(text), *ENGLISH.finditer(text))]


def test_the_patterns_find_what_staff_saw_before() -> None:
    """The texts of before this change are caught (the test can fail)."""
    assert jargon("jy:responsibleDepartment で所管課(jy:Department)を指定してください。") == [
        "jy:responsibleDepartment",
        "jy:Department",
    ]
    assert jargon("[違反] jy:Plan") == ["jy:Plan"]
    assert jargon('rdfs:label "…"@ja を書いてください。') == ["rdfs:label", "label", "@ja"]
    assert jargon("jy:requiresConsent true または false") == ["jy:requiresConsent", "true", "false"]
    assert jargon("事業が対応するニーズ(skos:broader で辿れるもの)") == ["skos:broader"]
    assert jargon("事業に所管課を1つ指定してください(計画で定義された課から)。") == []


def test_every_rule_the_staff_page_explains_is_plain_japanese(api: TestClient) -> None:
    rules = api.get("/v1/rules").json()["rules"]
    assert len(rules) == 19
    found = {r["id"]: jargon(" ".join((r["name"], r["intent"], r["example"], r["legal"]))) for r in rules}
    assert {k: v for k, v in found.items() if v} == {}
    by_id = {r["id"]: r for r in rules}
    assert by_id["program-serves-need"]["intent"].startswith(
        "事業が対応するニーズと、そのより具体的なニーズ(ニーズ・シソーラスでその下にあるもの)を持つ世帯を、その事業につなぐ。"
    )
    assert by_id["body-replaced"]["intent"] == (
        "新しい支援機関に置き換わる旧機関は、廃止日まで、その業務(計画が旧機関の業務として挙げたもの)のニーズのつなぎ先になる。"
    )
    assert by_id["scheme-fields"]["example"] == "第1号イの分野「高齢」→「高齢」は制度の分野"


def test_every_fix_hint_and_message_of_the_shapes_is_plain_japanese() -> None:
    shapes = shacl.shapes_graph()
    hints = [o for o in shapes.objects(None, JYSH.fixHint) if isinstance(o, Literal)]
    messages = [o for o in shapes.objects(None, SH.message) if isinstance(o, Literal) and o.language == "ja"]
    names = [o for o in shapes.objects(None, SH.name) if isinstance(o, Literal) and o.language == "ja"]
    assert len(hints) >= 60 and len(messages) >= 60
    texts = [PLACEHOLDER.sub("", str(t)) for t in (*hints, *messages, *names)]  # {?label}: the report fills it in
    assert {text: jargon(text) for text in texts if jargon(text)} == {}
    department = shapes.namespace_manager.expand_curie("jysh:ProgramDepartment")
    assert str(shapes.value(department, JYSH.fixHint)) == "事業に所管課を1つ指定してください(計画で定義された課から)。"


def test_every_quality_check_speaks_plain_japanese() -> None:
    texts = {c.name: " ".join((c.title, c.hint)) for c in quality.checks() if c.name != "property-object-and-datatype"}
    assert len(texts) == 13
    assert {name: jargon(text) for name, text in texts.items() if jargon(text)} == {}


def _broken_plans(uozu: PlanSource) -> list[tuple[list[str], PlanSource]]:
    """The invalid variants of every shape fixture, as few plans as possible (a fixture joins the current plan
    unless its patch no longer applies to it)."""
    groups: list[tuple[list[str], PlanSource]] = []
    names: list[str] = []
    plan = uozu
    for path in sorted((FIXTURES / "shapes").glob("*.yaml")):
        fixture = load(path)
        try:
            plan = patched(plan, fixture.invalid)
        except AssertionError:
            groups.append((names, plan))
            names, plan = [], patched(uozu, fixture.invalid)
        names.append(fixture.shape)
    groups.append((names, plan))
    return groups


@pytest.fixture(scope="module")
def reports(uozu: PlanSource) -> list[tuple[list[str], shacl.Report]]:
    return [(names, shacl.validate(plan)) for names, plan in _broken_plans(uozu)]


def test_the_validation_report_of_every_invalid_fixture_is_plain_japanese(
    reports: list[tuple[list[str], shacl.Report]],
) -> None:
    covered = {name for names, _ in reports for name in names}
    assert len(covered) == len(list((FIXTURES / "shapes").glob("*.yaml"))) - 1  # two fixtures break one shape
    for names, report in reports:
        shapes_found = {f.shape for f in report.findings}
        assert set(names) - shapes_found <= {"jysh:ProgramShape"}, names  # each fixture's finding is in the text
        text = shacl.render_text(report)
        assert [line for line in text.splitlines() if jargon(line)] == []


def test_a_finding_names_what_it_is_about_in_japanese(reports: list[tuple[list[str], shacl.Report]]) -> None:
    text = "\n\n".join(shacl.render_text(report) for _, report in reports)
    assert (
        "[違反] 実施事業「アウトリーチ等を通じた継続的支援事業」\n"
        "  要件: 事業に所管課がないか、所管課が既知の課ではありません。\n"
        "  項目: 所管課\n"
        "  直し方: 事業に所管課を1つ指定してください(計画で定義された課から)。\n"
    ) in text + "\n"
    assert "[違反] 重層的支援体制整備事業実施計画\n  要件: データには計画がちょうど1つ必要です。\n" in text
    # the JSON report keeps the machine fields for tools
    finding = next(f for _, r in reports for f in r.findings if f.shape == "jysh:ProgramDepartment")
    assert finding.as_dict() | {"hint": ""} == {
        "location": "",
        "severity": "violation",
        "focus": "uozu:prog-outreach",
        "focus_label": "アウトリーチ等を通じた継続的支援事業",
        "shape": "jysh:ProgramDepartment",
        "path": "jy:responsibleDepartment",
        "message": "事業に所管課がないか、所管課が既知の課ではありません。",
        "hint": "",
        "value": "",
        "focus_kind": "実施事業",
        "path_label": "所管課",
        "value_label": "",
    }


def test_the_diff_text_names_items_as_staff_do(uozu: PlanSource) -> None:
    new = Graph()
    new += uozu.data
    outreach = URIRef(UOZU + "prog-outreach")
    new.remove((outreach, RDFS.label, Literal("アウトリーチ等を通じた継続的支援事業", lang="ja")))
    new.add((outreach, RDFS.label, Literal("アウトリーチ支援事業", lang="ja")))
    new.set((outreach, JY.isNew, Literal(False)))
    new.set((outreach, JY.responsibleDepartment, URIRef(UOZU + "dept-kodomo")))
    text = render_text(semantic_diff(uozu.data, new, uozu.vocabulary))
    assert [line for line in text.splitlines() if jargon(line)] == []
    assert (
        "- 変更: アウトリーチ支援事業 (prog-outreach) — 名称: アウトリーチ等を通じた継続的支援事業 → アウトリーチ支援事業; "
        "新規: はい → いいえ; 所管課: 社会福祉課 (dept-shakaifukushi) → こども課 (dept-kodomo)\n"
    ) in text
