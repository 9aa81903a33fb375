"""Knowledge is data, the engine is code: each test fails when a piece of knowledge moves back into Python or
JavaScript, or when the engine silently drops what a rule derives.

- section numbers come from each plan's data (the fictional 架空町 has its own), never from the engine or the page;
- consent labels and the class labels of ``check``'s counts come from the ontology;
- ranking weights and thresholds are declared in rules/parameters.yaml, rule weights in the rule headers;
- the engine's closed sets (answer kinds, household conditions, explanation placeholders, consent states) are
  registered once in index/vocabulary.py and match ontology/routing.ttl one-to-one; anything outside them fails at load;
- no property is both an object and a datatype property, checked over the reasoned graph;
- every explanation carries its rule, plan section and legal item.
"""

from __future__ import annotations

import ast
import re
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef

from jyuso_kb import cli, resources
from jyuso_kb.answer import route as routing
from jyuso_kb.answer.who_handles import who_handles
from jyuso_kb.check import owl as consistency
from jyuso_kb.check import quality, shacl
from jyuso_kb.cli import check as check_command
from jyuso_kb.cli.route import render_route
from jyuso_kb.formats import views
from jyuso_kb.index import parameters as params_module
from jyuso_kb.index import vocabulary
from jyuso_kb.index.routing import RoutingIndex, build, compile_index
from jyuso_kb.namespaces import JY
from jyuso_kb.plan.source import PlanSource
from jyuso_kb.plan.terms import label
from jyuso_kb.reason import rules as reasoning
from jyuso_kb.serve.app import create_app
from jyuso_kb.serve.settings import Settings

ROOT = Path(resources.root())
SRC = Path(__file__).resolve().parents[1] / "src" / "jyuso_kb"
WEB = SRC / "serve" / "web"
RULES = Path(__file__).resolve().parents[1] / "rules"
UOZU = "https://w3id.org/jyuso-kb/data/uozu/"
UOZU_CHAPTERS = {"programs": "4.", "departments": "7.", "meetings": "5.", "matrix": "7.", "schedule": "6."}
KASOU_CHAPTERS = {"programs": "3.", "departments": "6.", "meetings": "4.", "matrix": "6.", "schedule": "5."}
CHECK = "property-object-and-datatype"
RULE_HEAD = "# id: {id}\n# name: テスト\n# intent: テスト用\n# section-of: jy:ImplementingProgram\n# legal: 社会福祉法第106条の4\n# example: なし\n"
PREFIXES = (
    "PREFIX jy: <https://w3id.org/jyuso-kb/ontology#>\n"
    "PREFIX need: <https://w3id.org/jyuso-kb/needs/>\n"
    "PREFIX rule: <https://w3id.org/jyuso-kb/rules/>\n"
)


@pytest.fixture(scope="module")
def index(uozu: PlanSource) -> RoutingIndex:
    return build(uozu)


@pytest.fixture(scope="module")
def routing_ttl() -> Graph:
    """ontology/routing.ttl on its own: what it declares, not what the rest of the ontology does."""
    return Graph().parse(ROOT / "ontology" / "routing.ttl")


def _rule(tmp_path: Path, rule_id: str, body: str, head: str = "") -> reasoning.Rule:
    path = tmp_path / f"{rule_id}.rq"
    path.write_text(RULE_HEAD.format(id=rule_id) + head + PREFIXES + body, encoding="utf-8")
    return reasoning.load_rule(path)


def _index_with(plan: PlanSource, *extra: reasoning.Rule) -> RoutingIndex:
    return compile_index(reasoning.reason(plan.merged(), (*reasoning.rules(), *extra)))


def _with_section_number(plan: PlanSource, section: str, number: str) -> PlanSource:
    data = Graph()
    data += plan.data
    node = URIRef(UOZU + section)
    data.set((node, JY.sectionNumber, Literal(number)))
    return PlanSource(plan.vocabulary, data, f"{section} renumbered {number}")


# ---- 1. section numbers come from each plan's data -------------------------------------------------------------


def test_each_plan_gets_its_own_chapter_numbers(uozu: PlanSource, kasou: PlanSource) -> None:
    assert views.chapters(uozu.merged()) == UOZU_CHAPTERS
    merged = kasou.merged()
    assert views.chapters(merged) == KASOU_CHAPTERS
    assert views.matrix(merged)["source"] == "6."  # 魚津市's matrix is 7.
    assert views.schedule(merged)["source"] == "5."  # 魚津市's schedule is 6.


def test_renumbering_a_section_in_the_data_renumbers_the_views(uozu: PlanSource) -> None:
    matrix = views.matrix(_with_section_number(uozu, "sec-7", "8.").merged())
    assert matrix["source"] == "8."
    schedule = views.schedule(_with_section_number(uozu, "sec-6", "9.").merged())
    assert schedule["source"] == "9."


def test_the_api_gives_each_list_the_plan_s_own_section(kasou: PlanSource) -> None:
    with TestClient(create_app(Settings(sparql_workers=1), plan=kasou)) as client:
        got = {key: client.get(f"/v1/{key}").json()["source"] for key in KASOU_CHAPTERS}
        answer = client.post("/v1/route", json={"needs": ["ひきこもり"], "as_of": "2025-10-01"}).json()
    assert got == KASOU_CHAPTERS
    sections = {w["section"] for key in ("programs", "departments") for item in answer[key] for w in item["why"]}
    numbers = {str(n) for n in kasou.data.objects(None, JY.sectionNumber)}
    assert sections and sections <= numbers and "7." not in numbers, sections


def test_each_rule_cites_the_section_of_the_plan_it_answers_for(api: TestClient, kasou_api: TestClient) -> None:
    """A rule's header names what it reads; the section it cites is the one each plan's data gives those facts."""
    ours = {r["id"]: r["section"] for r in api.get("/v1/rules").json()["rules"]}
    theirs = {r["id"]: r["section"] for r in kasou_api.get("/v1/rules").json()["rules"]}
    assert ours["duty-covers-need"] == "7. 庁内連携体制"
    assert theirs["duty-covers-need"] == "6. 庁内連携体制"
    assert ours["schedule-operating"] == "6. 今後のスケジュール"
    assert theirs["schedule-operating"] == "5. 今後のスケジュール"
    assert ours["meeting-without-consent"] == "5.(2) 重層的支援会議・支援会議"
    assert theirs["meeting-without-consent"] == "4.(1) 会議体"
    assert ours["multi-agency-unserved"] == "3.(2) 現状・課題及び方向性、4.(1) 相談支援"
    assert ours["scheme-fields"] == theirs["scheme-fields"] == ""  # it reads the law's structure, not the plan


def test_no_rule_header_cites_a_section_number() -> None:
    for path in sorted(RULES.glob("*.rq")):
        head = [line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("# section")]
        assert len(head) == 1 and head[0].startswith("# section-of: "), path.name
        assert not re.search(r"\d+\.", head[0]), path.name


def test_the_web_page_writes_no_section_number() -> None:
    code = "\n".join(p.read_text(encoding="utf-8") for p in sorted(WEB.glob("*.js")))
    assert re.findall(r"計画\s*\d", code) == []
    assert re.findall(r"[\"'`]\d+\.(?:\(\d+\))?[\"'`]", code) == []
    assert "rule.section" not in code  # a rule header's section is the reference plan's, not this plan's


def test_the_engine_writes_no_section_number() -> None:
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert not re.fullmatch(r"\d+\.(\(\d+\))?", node.value), f"{path.name}: {node.value!r}"


# ---- 2. consent labels and class labels come from the ontology -------------------------------------------------


def test_consent_labels_are_the_ontology_s(index: RoutingIndex, routing_ttl: Graph) -> None:
    expected = {code: label(routing_ttl, iri) for iri, code in vocabulary.CONSENT.items()}
    assert dict(index.consent_labels) == expected
    for consent, code in ((True, "yes"), (False, "no"), (None, "unknown")):
        answer = routing.route(index, routing.Household(needs=("ひきこもり",), consent=consent), date(2025, 10, 1))
        assert answer["consent"] == code
        assert answer["consent_label"] == expected[code]


def test_a_relabelled_consent_state_reaches_the_answer_and_the_cli_text(uozu: PlanSource) -> None:
    vocabulary_graph = Graph()
    vocabulary_graph += uozu.vocabulary
    vocabulary_graph.set((JY["consent-unknown"], RDFS.label, Literal("同意は未確認", lang="ja")))
    index = build(PlanSource(vocabulary_graph, uozu.data, "relabelled"))
    household = routing.Household(needs=("親の介護", "ひきこもりの息子"), as_of=date(2025, 10, 1))
    answer = routing.route(index, household)
    assert answer["consent_label"] == "同意は未確認"
    conditions = [w.get("condition", "") for m in answer["meetings"] for w in m["why"]]
    assert conditions and all(c.endswith("(現在: 同意は未確認)") for c in conditions), conditions
    assert "本人同意: 同意は未確認" in render_route(answer)


def test_no_consent_label_is_written_in_code() -> None:
    labels = ("同意あり", "同意なし", "同意不明", "未確認")
    for path in sorted([*SRC.rglob("*.py"), *WEB.glob("*.js"), *WEB.glob("*.html")]):
        text = path.read_text(encoding="utf-8")
        assert [lab for lab in labels if lab in text] == [], path.name


def test_the_page_offers_the_consent_states_of_the_ontology(api: TestClient, routing_ttl: Graph) -> None:
    consent = api.get("/v1/rules").json()["consent"]
    assert consent == [{"value": code, "label": label(routing_ttl, iri)} for iri, code in vocabulary.CONSENT.items()]


def test_check_counts_are_named_by_the_ontology_s_class_labels(uozu: PlanSource) -> None:
    merged = uozu.merged()
    counts = check_command.counts(merged)
    assert list(counts) == [label(merged, cls) for cls in check_command.COUNTED]
    assert counts["課"] == 12 and counts["関連する事業・業務・相談"] == 50 and counts["支援ニーズ"] == 90


# ---- 3. weights and thresholds are data -------------------------------------------------------------------------


def test_every_parameter_is_declared_with_descriptions_value_and_reference() -> None:
    entries: dict[str, Any] = yaml.safe_load(params_module.default_file().read_text(encoding="utf-8"))
    loaded = params_module.parameters()
    assert sorted(entries) == sorted(vars(loaded))
    for name, entry in entries.items():
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", entry["description"]["ja"]), name
        assert re.fullmatch(r"[ -~]+", entry["description"]["en"]), name
        assert entry["reference"], name
        assert getattr(loaded, name) == entry["value"], name


def test_the_index_uses_the_parameters_it_is_given(uozu: PlanSource, index: RoutingIndex, tmp_path: Path) -> None:
    entries = yaml.safe_load(params_module.default_file().read_text(encoding="utf-8"))
    entries["pref_label_weight"]["value"] = 0.7
    changed = tmp_path / "parameters.yaml"
    changed.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    params = params_module.read_parameters(changed)
    changed_index = compile_index(reasoning.reason(uozu.merged()), params)
    assert changed_index.parameters is params and changed_index.matcher.params is params
    before = {(lab.target, lab.original): lab.weight for lab in index.matcher.exact("ひきこもり")}
    after = {(lab.target, lab.original): lab.weight for lab in changed_index.matcher.exact("ひきこもり")}
    assert 1.0 in before.values()
    assert after == {key: 0.7 if weight == 1.0 else weight for key, weight in before.items()}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda e: e.pop("broader_duty_factor"), "missing parameter broader_duty_factor"),
        (lambda e: e.update(brand_new={"value": 1}), "unknown parameter brand_new"),
        (lambda e: e["fuzzy_threshold"].update(value="0.6"), "must be a number"),
        (lambda e: e["fuzzy_min_stretch"].update(value=3.5), "must be an integer"),
        (lambda e: e["similar_threshold"].pop("reference"), "needs a reference"),
        (lambda e: e["alt_label_weight"]["description"].pop("en"), "description in Japanese"),
    ],
)
def test_a_bad_parameters_file_fails_at_load(tmp_path: Path, change: Any, message: str) -> None:
    entries = yaml.safe_load(params_module.default_file().read_text(encoding="utf-8"))
    change(entries)
    bad = tmp_path / "parameters.yaml"
    bad.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    with pytest.raises(params_module.ParameterError, match=re.escape(message)):
        params_module.read_parameters(bad)


def test_no_ranking_number_is_written_in_the_engine() -> None:
    for name in ("answer/who_handles.py", "answer/route.py", "index/routing.py", "index/textmatch.py"):
        tree = ast.parse((SRC / name).read_text(encoding="utf-8"))
        floats = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, float)]
        ranking = [f for f in floats if f not in (0.0, 1.0)]  # 0 and 1: an empty sum, a neutral divisor
        assert ranking == [], f"{name}: {ranking} (put them in rules/parameters.yaml)"


def test_every_rule_that_recommends_departments_carries_its_weight(index: RoutingIndex) -> None:
    naming = {r.rule for rs in index.per_need.values() for r in rs if index.targets[r.target].kind == "department"}
    naming |= {r.rule for r in index.household if index.targets[r.target].kind == "department"}
    assert naming >= {"duty-covers-need", "participation-departments", "responsible-department"}
    for rule in naming:
        weight = reasoning.load_rule(ROOT / "rules" / f"{rule}.rq").weight
        assert weight is not None and index.rules[rule].weight == weight, rule


DEPARTMENT_RULE = (
    "CONSTRUCT { ?r a jy:Routing ; jy:byRule rule:{id} ; jy:forNeed need:hikikomori ; jy:recommends ?d ;\n"
    '  jy:routingRole "テスト"@ja ; jy:citesSection ?section . }\n'
    "WHERE { ?d a jy:Department ; jy:source ?section . ?d jy:order 1 .\n"
    '  BIND (IRI(CONCAT("https://w3id.org/jyuso-kb/routing/{id}/", MD5(STR(?d)))) AS ?r) }\n'
)


def test_a_rule_naming_departments_without_a_weight_fails_at_load(uozu: PlanSource, tmp_path: Path) -> None:
    rule = _rule(tmp_path, "weightless", DEPARTMENT_RULE.replace("{id}", "weightless"))
    assert rule.weight is None
    with pytest.raises(reasoning.RuleError, match=r"weightless\.rq: recommends departments .*who-handles-weight"):
        _index_with(uozu, rule)


def test_a_rule_naming_departments_with_a_weight_is_ranked_by_it(uozu: PlanSource, tmp_path: Path) -> None:
    rule = _rule(tmp_path, "weighted", DEPARTMENT_RULE.replace("{id}", "weighted"), "# who-handles-weight: 0.3\n")
    index = _index_with(uozu, rule)
    assert index.rules["weighted"].weight == 0.3
    answer = who_handles(index, "ひきこもり", date(2025, 10, 1))
    assert answer["results"]


def test_a_rule_weight_that_is_not_a_number_is_refused(tmp_path: Path) -> None:
    with pytest.raises(reasoning.RuleError, match="not a number"):
        _rule(tmp_path, "bad-weight", DEPARTMENT_RULE.replace("{id}", "bad-weight"), "# who-handles-weight: high\n")


# ---- 4. the engine's closed sets, one-to-one with routing.ttl ---------------------------------------------------


def test_answer_kinds_match_routing_ttl(routing_ttl: Graph) -> None:
    declared = {(cls, str(kind)) for cls, kind in routing_ttl.subject_objects(JY.answerKind)}
    assert declared == set(vocabulary.KINDS.items())


def test_household_conditions_match_routing_ttl(routing_ttl: Graph) -> None:
    declared = set(routing_ttl.subjects(JY.householdCondition, Literal(True)))
    assert declared == set(vocabulary.CONDITIONS)


def test_explanation_placeholders_match_routing_ttl(routing_ttl: Graph) -> None:
    declared = {(str(name), prop) for prop, name in routing_ttl.subject_objects(JY.explanationPlaceholder)}
    assert declared == set(vocabulary.PLACEHOLDERS.items())


def test_consent_states_match_routing_ttl(routing_ttl: Graph) -> None:
    assert set(routing_ttl.subjects(RDF.type, JY.ConsentState)) == set(vocabulary.CONSENT)


def test_every_routing_property_of_routing_ttl_is_known_to_the_engine(routing_ttl: Graph) -> None:
    properties = set(routing_ttl.subjects(RDF.type, OWL.ObjectProperty)) | set(
        routing_ttl.subjects(RDF.type, OWL.DatatypeProperty)
    )
    about_routings = {p for p in properties if (p, RDFS.domain, JY.Routing) in routing_ttl}
    known = vocabulary.CONDITIONS | vocabulary.FACTS
    assert sorted(about_routings - known) == []
    assert sorted(p for p in known - {RDF.type} if p not in properties) == []


def test_every_explanation_uses_registered_placeholders_only() -> None:
    for rule in reasoning.rules():
        assert set(re.findall(r"\{([^{}]*)\}", rule.explain)) <= set(vocabulary.PLACEHOLDERS), rule.id


PROGRAM_ROUTING = (
    "CONSTRUCT { ?r a jy:Routing ; jy:byRule rule:{id} {trigger} ; jy:recommends ?x ;\n"
    '  jy:routingRole "テスト"@ja ; jy:citesSection ?section {extra} . }\n'
    "WHERE { ?x a {cls} ; jy:order 1 . {where}\n"
    '  BIND (IRI(CONCAT("https://w3id.org/jyuso-kb/routing/{id}/", MD5(STR(?x)))) AS ?r) }\n'
)
FOR_NEED = "; jy:forNeed need:hikikomori"


def _routing_rule(tmp_path: Path, rule_id: str, **options: str) -> reasoning.Rule:
    """A rule deriving one routing to the programme (or ``cls``) of jy:order 1, for ひきこもり (or ``trigger``)."""
    body = PROGRAM_ROUTING.replace("{id}", rule_id)
    defaults = {"cls": "jy:ImplementingProgram", "trigger": FOR_NEED, "extra": "", "where": "?x jy:source ?section ."}
    for key, value in {**defaults, **options}.items():
        body = body.replace("{" + key + "}", value)
    return _rule(tmp_path, rule_id, body, options.get("head", ""))


@pytest.mark.parametrize(
    ("rule_id", "options", "message"),
    [
        ("unknown-kind", {"cls": "jy:PlanSection", "where": "BIND (?x AS ?section)"}, "none of the kinds"),
        ("unknown-placeholder", {"head": "# explain: {target}は{income}の世帯に向きます。\n"}, "{income}"),
        ("unknown-condition", {"extra": "; jy:whenIncomeBelow 300"}, "jy:whenIncomeBelow"),
        ("unknown-consent", {"trigger": "", "extra": "; jy:whenConsent jy:consent-maybe"}, "jy:consent-maybe"),
        ("unknown-prerequisite", {"trigger": "", "extra": "; jy:afterRecommending ?section"}, "none of the kinds"),
        ("condition-for-a-need", {"extra": "; jy:whenMemberAgeAtLeast 65"}, "jy:whenMemberAgeAtLeast"),
    ],
)
def test_a_rule_deriving_what_the_engine_cannot_answer_fails_at_load(
    uozu: PlanSource, tmp_path: Path, rule_id: str, options: dict[str, str], message: str
) -> None:
    rule = _routing_rule(tmp_path, rule_id, **options)
    with pytest.raises(reasoning.RuleError, match=rf"{rule_id}\.rq: .*{re.escape(message)}"):
        compile_index(reasoning.reason(uozu.merged(), (rule,)))


def test_a_rule_within_the_closed_sets_is_answered(uozu: PlanSource, tmp_path: Path) -> None:
    head = "# explain: {target}({component})\n"
    rule = _routing_rule(tmp_path, "well-formed", trigger="", extra="; jy:whenMemberAgeAtLeast 65", head=head)
    index = compile_index(reasoning.reason(uozu.merged(), (rule,)))
    young = routing.route(
        index, routing.Household(needs=("ひきこもり",), members=(routing.Member(30),)), date(2025, 10, 1)
    )
    assert young["programs"] == []
    old = routing.route(
        index, routing.Household(needs=("ひきこもり",), members=(routing.Member(70),)), date(2025, 10, 1)
    )
    why = old["programs"][0]["why"][0]
    assert why["rule"] == "well-formed" and why["text"].endswith("(テスト)")
    assert why["legal_item"] == ["社会福祉法第106条の4"]  # the rule's # legal: header: it cites no legal item


# ---- 5. no property is both an object and a datatype property (over the reasoned graph) -------------------------


def _rows(graph: Graph) -> tuple[tuple[str, ...], ...]:
    return next(r.rows for r in quality.run(graph) if r.check.name == CHECK)


def test_the_reasoned_plan_passes_every_quality_check(uozu: PlanSource) -> None:
    failed = [(r.check.name, r.rows) for r in quality.run(reasoning.reason(uozu.merged()).graph) if r.rows]
    assert failed == []
    assert CHECK in {c.name for c in quality.checks() if c.severity == "error"}


def test_a_conflicting_declaration_fails_the_check_over_the_reasoned_graph(uozu: PlanSource) -> None:
    graph = reasoning.reason(uozu.merged()).graph
    graph.add((JY.routingRole, RDF.type, OWL.ObjectProperty))
    assert _rows(graph) == (("jy:routingRole",),)


def test_a_rule_declaring_a_conflicting_property_fails_the_check(uozu: PlanSource, tmp_path: Path) -> None:
    rule = _rule(
        tmp_path,
        "declares-role",
        "PREFIX owl: <http://www.w3.org/2002/07/owl#>\nCONSTRUCT { jy:role a owl:DatatypeProperty } WHERE { }\n",
    )
    assert _rows(uozu.merged()) == ()
    assert _rows(reasoning.reason(uozu.merged(), (*reasoning.rules(), rule)).graph) == (("jy:role",),)


def test_the_check_command_runs_the_quality_checks_over_the_reasoned_graph(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[Graph] = []
    run = quality.run

    def spy(graph: Graph) -> Any:
        seen.append(graph)
        return run(graph)

    report = SimpleNamespace(conforms=True, violations=[], findings=[], as_dict=lambda: {})
    monkeypatch.setattr(quality, "run", spy)
    monkeypatch.setattr(shacl, "validate", lambda plan: report)
    monkeypatch.setattr(consistency, "check", lambda graph: consistency.ConsistencyResult(True, "stub"))
    assert cli.main(["check", "--json"]) == 0
    capsys.readouterr()
    assert len(seen) == 1 and (None, RDF.type, JY.Routing) in seen[0]


# ---- 6. every explanation carries its rule, section and legal item ----------------------------------------------


def test_department_and_body_explanations_carry_the_rule_s_legal_item(index: RoutingIndex) -> None:
    answer = routing.route(
        index, routing.Household(needs=("隣の空き家が心配", "子育ての悩み", "虐待"), consent=True), date(2025, 10, 1)
    )
    legal = {r.id: r.legal for r in reasoning.rules()}
    named = {"duty-covers-need", "duty-covers-narrower", "responsible-department", "body-established"}
    whys = [w for key in ("departments", "bodies") for item in answer[key] for w in item["why"] if w["rule"] in named]
    assert {w["rule"] for w in whys} == named
    for why in whys:
        assert why["legal_item"] == [legal[why["rule"]]], why
