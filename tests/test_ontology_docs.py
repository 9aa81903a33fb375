"""The ontology is readable and every IRI the service mints dereferences.

- every class and property of ``jy:`` has a label and a definition in Japanese and in English (so does every
  ``jy:`` individual); the law's provisions and the thesaurus' needs have labels in both;
- ``/ontology`` documents each of them (anchor = local name) with labels, definitions, domain, range and examples
  from the plan, and answers Turtle or JSON-LD holding exactly the ontology;
- ``https://w3id.org/jyuso-kb/<path>`` is answered at ``/<path>``: a plan's IRI 303s to the web page (browsers) or to
  its description in the municipality's own data (tools); the vocabulary's IRIs answer their description; an unknown
  IRI is a 404 in the error shape.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import SKOS

from jyuso_kb import resources
from jyuso_kb.formats import ontology_page, standards
from jyuso_kb.formats.rdf_html import HEADERS
from jyuso_kb.namespaces import JY, LAW, NEED
from jyuso_kb.plan.read import parse_jsonld, parse_turtle, read_files
from jyuso_kb.plan.source import PlanSource
from jyuso_kb.serve.app import create_app
from jyuso_kb.serve.settings import Settings

from .api_support import assert_error

UOZU, KASOU = "162043", "999008"
DATA = "https://w3id.org/jyuso-kb/data/"
PROGRAM = URIRef(f"{DATA}uozu/prog-outreach")
KASOU_PROGRAM = URIRef(f"{DATA}kasou/prog-anshin-soudan")
CLASS_TYPES = (OWL.Class, RDFS.Class)
PROPERTY_TYPES = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property)
TTL, JSONLD, HTML = {"accept": "text/turtle"}, {"accept": "application/ld+json"}, {"accept": "text/html"}
BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"}


class Ids(HTMLParser):
    """Every id attribute of a page, and the text of each element with an id (an article's whole text)."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids += [v for k, v in attrs if k == "id" and v is not None]


def _ids(page: str) -> list[str]:
    parser = Ids()
    parser.feed(page)
    return parser.ids


def _article(page: str, anchor: str) -> str:
    found = re.search(rf'<article id="{re.escape(anchor)}">(.*?)</article>', page, re.S)
    assert found is not None, anchor
    return found.group(1)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return read_files(resources.ontology_files())


@pytest.fixture(scope="module")
def terms(ontology: Graph) -> dict[str, list[URIRef]]:
    mine = {s for s in ontology.subjects() if isinstance(s, URIRef) and s.startswith(str(JY)) and s != JY}
    classes = [s for s in mine if any((s, RDF.type, t) in ontology for t in CLASS_TYPES)]
    properties = [s for s in mine if any((s, RDF.type, t) in ontology for t in PROPERTY_TYPES)]
    individuals = [s for s in mine - {*classes, *properties} if (s, RDF.type, None) in ontology]
    return {"classes": sorted(classes), "properties": sorted(properties), "individuals": sorted(individuals)}


@pytest.fixture(scope="module")
def page(api: TestClient) -> str:
    response = api.get("/ontology", headers=BROWSER)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    return response.text


@pytest.fixture(scope="module")
def two(uozu: PlanSource, kasou: PlanSource) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(sparql_workers=1), plans=[uozu, kasou])) as client:
        yield client


def _missing(graph: Graph, nodes: list[URIRef], props: tuple[URIRef, ...]) -> list[str]:
    missing = []
    for node in nodes:
        for lang in ("ja", "en"):
            if not any(getattr(v, "language", None) == lang for p in props for v in graph.objects(node, p)):
                missing.append(
                    f"{node.n3(graph.namespace_manager)} {'/'.join(p.n3(graph.namespace_manager) for p in props)}@{lang}"
                )
    return missing


# ---- 1. the ontology documents itself ---------------------------------------------------------------------------


def test_every_class_and_property_has_labels_and_definitions_in_japanese_and_english(
    ontology: Graph, terms: dict[str, list[URIRef]]
) -> None:
    assert len(terms["classes"]) >= 40 and len(terms["properties"]) >= 140
    named = [*terms["classes"], *terms["properties"]]
    missing = _missing(ontology, named, (RDFS.label,)) + _missing(ontology, named, (SKOS.definition,))
    individuals = terms["individuals"]  # a concept may be labelled by skos:prefLabel
    missing += _missing(ontology, individuals, (RDFS.label, SKOS.prefLabel))
    missing += _missing(ontology, individuals, (SKOS.definition,))
    assert missing == []


def test_the_law_s_provisions_and_the_needs_have_labels_in_both_languages(ontology: Graph) -> None:
    thesaurus = read_files(resources.thesaurus_files())
    provisions = sorted(s for s in set(ontology.subjects()) if isinstance(s, URIRef) and s.startswith(str(LAW)))
    needs = sorted(
        s for s in set(thesaurus.subjects(RDF.type, None)) if isinstance(s, URIRef) and s.startswith(str(NEED))
    )
    assert len(provisions) >= 20 and len(needs) >= 80
    assert _missing(ontology, provisions, (RDFS.label,)) == []
    assert _missing(thesaurus, needs, (RDFS.label, SKOS.prefLabel)) == []


def test_the_check_fails_for_a_term_without_an_english_definition(ontology: Graph) -> None:
    broken = Graph()
    broken += ontology
    broken.bind("jy", str(JY))
    broken.remove((JY.description, SKOS.definition, Literal("Explanation in the plan's own words.", lang="en")))
    assert _missing(broken, [JY.description], (SKOS.definition,)) == ["jy:description skos:definition@en"]


# ---- 2. /ontology -----------------------------------------------------------------------------------------------


def test_the_page_has_an_anchor_for_every_term(page: str, terms: dict[str, list[URIRef]]) -> None:
    ids = _ids(page)
    assert len(ids) == len(set(ids))
    locals_ = [str(t)[len(str(JY)) :] for group in terms.values() for t in group]
    assert [name for name in locals_ if name not in ids] == []
    assert '<a href="#ImplementingProgram">実施事業</a>' in page  # the table of contents


def test_the_page_gives_labels_and_definitions_japanese_first(page: str) -> None:
    article = _article(page, "description")
    assert "<h3>説明 " in article and '<span lang="en" class="en">description</span>' in article
    assert (
        '<p lang="ja">計画書の本文による説明。</p><p lang="en" class="en">Explanation in the plan&#x27;s own words.</p>'
        in article
    )
    assert "<code>https://w3id.org/jyuso-kb/ontology#description</code>" in article
    program = _article(page, "ImplementingProgram")
    assert (
        "<h3>実施事業 " in program and "計画の表で「実施名称」として挙げられた、市町村が実施する個々の事業。" in program
    )
    assert program.index('lang="ja"') < program.index('lang="en" class="en">A programme')


def test_the_page_shows_domain_range_superclasses_and_constraints(page: str) -> None:
    municipality = _article(page, "municipality")
    assert '<dt>定義域(domain)</dt><dd><a href="/ontology#Plan">重層的支援体制整備事業実施計画</a>' in municipality
    assert '<dt>値域(range)</dt><dd><a href="/ontology#Municipality">市町村</a>' in municipality
    assert "<dt>値域(range)</dt><dd>rdf:langString</dd>" in _article(page, "description")
    operator = _article(page, "Operator")
    assert '<a href="/ontology#Contractor">委託先</a>' in operator  # a subclass
    program = _article(page, "ImplementingProgram")
    assert "cpsv:PublicService" in program  # a superclass from the alignments
    assert "事業に所管課がないか、所管課が既知の課ではありません。" in program  # a SHACL message, with its shape
    assert '<a href="/shapes#ProgramDepartment">' in program


def test_the_page_gives_examples_from_the_default_municipality_s_plan(page: str) -> None:
    program = _article(page, "ImplementingProgram")
    assert '<a href="/data/uozu/prog-chiiki-houkatsu">地域包括支援センター運営事業</a>' in program
    uses = _article(page, "responsibleDepartment")
    assert "<dt>例</dt>" in uses and '<a href="/data/uozu/dept-' in uses
    assert "魚津市の計画" in page


def test_everything_from_the_data_is_escaped(ontology: Graph, uozu: PlanSource) -> None:
    examples = uozu.merged()
    hostile = URIRef(f"{DATA}uozu/prog-hostile")
    examples.add((hostile, RDF.type, JY.ImplementingProgram))
    examples.add((hostile, JY.order, Literal(0)))
    examples.add((hostile, RDFS.label, Literal('<script>alert("x")</script>', lang="ja")))
    html = ontology_page.page(ontology, read_files(resources.shape_files()), examples, "<b>町</b>")
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html and "&lt;b&gt;町&lt;/b&gt;" in html


def test_the_page_runs_no_script_and_its_style_is_allowed_by_hash(api: TestClient, page: str) -> None:
    response = api.get("/ontology", headers=HTML)
    assert "<script" not in page
    style = re.search(r"<style>(.*?)</style>", page, re.S)
    assert style is not None
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in response.headers["content-security-policy"]
    assert response.headers["content-security-policy"] == HEADERS["content-security-policy"]
    assert response.headers["vary"] == "Accept" and response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    ("kwargs", "media"),
    [
        ({"headers": TTL}, "text/turtle"),
        ({"params": {"format": "ttl"}}, "text/turtle"),
        ({"headers": JSONLD}, "application/ld+json"),
        ({"params": {"format": "jsonld"}}, "application/ld+json"),
        ({}, "text/turtle"),
    ],
)
def test_the_ontology_in_turtle_and_json_ld_is_the_ontology(
    api: TestClient, ontology: Graph, kwargs: dict[str, dict[str, str]], media: str
) -> None:
    response = api.get("/ontology", **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 200 and response.headers["content-type"].startswith(media)
    assert response.headers["vary"] == "Accept"
    parse = parse_jsonld if media == "application/ld+json" else parse_turtle
    graph = parse(response.text, "ontology")
    assert len(graph) == len(ontology)
    assert isomorphic(graph, ontology)


def test_the_shapes_are_documented_and_served(api: TestClient) -> None:
    shapes = read_files(resources.shape_files())
    page = api.get("/shapes", headers=BROWSER).text
    ids = _ids(page)
    assert {"ProgramShape", "ProgramDepartment", "fixHint"} <= set(ids) and len(ids) == len(set(ids))
    assert "事業に所管課がないか、所管課が既知の課ではありません。" in page
    assert len(parse_turtle(api.get("/shapes", headers=TTL).text)) == len(shapes)
    assert len(parse_jsonld(api.get("/shapes", headers=JSONLD).text)) == len(shapes)


def test_the_shapes_own_properties_are_documented_like_the_ontology_s(api: TestClient) -> None:
    shapes = read_files(resources.shape_files())
    SH = "http://www.w3.org/ns/shacl#"
    mine = sorted(
        s
        for t in PROPERTY_TYPES
        for s in shapes.subjects(RDF.type, t)
        if isinstance(s, URIRef) and s.startswith("https://w3id.org/jyuso-kb/shapes#")
    )
    assert [str(s).rsplit("#")[1] for s in mine] == ["fixHint", "requiredUnlessUnknown", "workbookHint"]
    assert _missing(shapes, mine, (RDFS.label,)) + _missing(shapes, mine, (SKOS.definition,)) == []
    assert {
        (str(s).rsplit("#")[1], str(shapes.value(s, RDFS.domain)), str(shapes.value(s, RDFS.range))) for s in mine
    } == {
        ("fixHint", SH + "Shape", str(RDF.langString)),
        ("workbookHint", SH + "Shape", str(RDF.langString)),
        ("requiredUnlessUnknown", SH + "PropertyShape", "http://www.w3.org/2001/XMLSchema#boolean"),
    }
    page = api.get("/shapes", headers=BROWSER).text
    article = _article(page, "fixHint")
    assert "形状に違反したとき、報告の sh:message の隣に示す直し方(日本語)。" in article
    assert "sh:Shape" in article and "rdf:langString" in article


def test_no_acceptable_format_is_a_406_and_a_bad_format_a_422(api: TestClient) -> None:
    response = api.get("/ontology", headers={"accept": "application/xml"})
    assert assert_error(response, 406)["code"] == "not_acceptable"
    assert response.headers["vary"] == "Accept"
    assert_error(api.get("/ontology", params={"format": "xml"}), 422)


def test_the_ontology_answers_are_validated_by_etag(api: TestClient) -> None:
    first = api.get("/ontology", headers=TTL)
    again = api.get("/ontology", headers={**TTL, "if-none-match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert api.get("/ontology", headers=HTML).headers["etag"] != first.headers["etag"]


# ---- 3. IRIs dereference ----------------------------------------------------------------------------------------


def test_a_programme_iri_gives_tools_its_description_in_turtle(api: TestClient) -> None:
    redirect = api.get("/data/uozu/prog-outreach", headers=TTL, follow_redirects=False)
    assert redirect.status_code == 303 and redirect.headers["vary"] == "Accept"
    assert redirect.headers["location"] == f"/v1/municipalities/{UOZU}/resources/uozu/prog-outreach"
    response = api.get("/data/uozu/prog-outreach", headers=TTL)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
    assert response.headers["x-municipality-code"] == UOZU
    graph = parse_turtle(response.text)
    assert (PROGRAM, RDFS.label, Literal("アウトリーチ等を通じた継続的支援事業", lang="ja")) in graph
    assert (PROGRAM, RDF.type, JY.ImplementingProgram) in graph
    department = graph.value(PROGRAM, JY.responsibleDepartment)
    assert department is not None and graph.value(department, RDFS.label) is not None  # labels of what it points to


def test_a_programme_iri_gives_json_ld(api: TestClient) -> None:
    response = api.get("/data/uozu/prog-outreach", headers=JSONLD)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/ld+json")
    graph = parse_jsonld(response.text)
    assert (PROGRAM, RDFS.label, Literal("アウトリーチ等を通じた継続的支援事業", lang="ja")) in graph
    twin = api.get("/v1/resources/uozu/prog-outreach", params={"format": "ttl"})
    assert isomorphic(graph, parse_turtle(twin.text))


def test_a_browser_is_sent_to_the_programme_s_page(api: TestClient) -> None:
    response = api.get("/data/uozu/prog-outreach", headers=BROWSER, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/#/programs/prog-outreach"
    assert api.get("/data/uozu/dept-shakaifukushi", headers=BROWSER, follow_redirects=False).headers["location"] == (
        "/#/departments/dept-shakaifukushi"
    )


def test_an_iri_without_a_page_view_gets_a_small_html_description(api: TestClient) -> None:
    response = api.get("/data/uozu/tg-koreisha-kazoku", headers=BROWSER)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert "<h1>高齢者及びその家族等</h1>" in response.text
    assert '<a href="/ontology#TargetGroup">支援対象者</a>' in response.text
    assert "<script" not in response.text


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("/needs/hikikomori", "ひきこもり"),
        ("/law/326AC0000000045/a106-4-p2-i4", "第106条の4第2項第4号"),
        ("/rules/duty-covers-need", "困りごとを業務とする課"),
    ],
)
def test_the_vocabulary_s_iris_answer_their_description(api: TestClient, path: str, label: str) -> None:
    iri = URIRef(f"https://w3id.org/jyuso-kb{path}")
    graph = parse_turtle(api.get(path, headers=TTL).text)
    assert Literal(label, lang="ja") in set(graph.objects(iri, None))
    assert isomorphic(graph, parse_jsonld(api.get(path, headers=JSONLD).text))
    page = api.get(path, headers=BROWSER)
    assert page.status_code == 200 and f"<h1>{label}</h1>" in page.text


@pytest.mark.parametrize(
    "path",
    [
        "/data/uozu/no-such-thing",
        "/data/nowhere/prog-outreach",
        "/needs/no-such-need",
        "/law/326AC0000000045/a999",
        "/rules/nope",
    ],
)
def test_an_unknown_iri_is_a_404_in_the_error_shape(api: TestClient, path: str) -> None:
    for headers in (TTL, BROWSER):
        error = assert_error(api.get(path, headers=headers), 404)
        assert error["code"] == "not_found" and error["where"] == "path"
        assert "no-such" not in str(error) and "nowhere" not in str(error)  # the path is input: never quoted


def test_a_kasou_iri_resolves_in_kasou_s_data(two: TestClient) -> None:
    location = two.get("/data/kasou/prog-anshin-soudan", headers=TTL, follow_redirects=False).headers["location"]
    assert location == f"/v1/municipalities/{KASOU}/resources/kasou/prog-anshin-soudan"
    response = two.get("/data/kasou/prog-anshin-soudan", headers=TTL)
    assert response.status_code == 200 and response.headers["x-municipality-code"] == KASOU
    graph = parse_turtle(response.text)
    assert (KASOU_PROGRAM, RDFS.label, Literal("高齢者あんしん相談センター運営事業", lang="ja")) in graph
    browser = two.get("/data/kasou/prog-anshin-soudan", headers=BROWSER, follow_redirects=False)
    assert browser.headers["location"] == f"/?municipality={KASOU}#/programs/prog-anshin-soudan"
    assert two.get("/data/uozu/prog-outreach", headers=BROWSER, follow_redirects=False).headers["location"] == (
        f"/?municipality={UOZU}#/programs/prog-outreach"
    )
    # 魚津市's own paths know nothing of 架空町's plan
    assert_error(two.get("/v1/resources/kasou/prog-anshin-soudan"), 404)
    assert_error(two.get(f"/v1/municipalities/{UOZU}/resources/kasou/prog-anshin-soudan"), 404)


def _minted(plan: PlanSource) -> dict[str, URIRef]:
    """One IRI of each kind the graph exports mint and the plan does not hold (the programme's part, the last
    segment's name without its hash): an area, a participation, a co-operation, a contract, a channel, the DCAT
    record's dataset, catalog, period, SPARQL service and distributions."""
    merged = plan.merged()
    exported = standards.minted(merged)
    kinds: dict[str, URIRef] = {}
    for node in sorted({n for t in exported for n in t if isinstance(n, URIRef)}):
        if str(node).startswith(DATA) and (node, None, None) not in merged:
            kind = re.sub(r"prog-[a-z0-9-]+|-[0-9a-f]{32}$", "*", str(node)[len(DATA) :])
            kinds.setdefault(kind, node)
    return kinds


@pytest.mark.parametrize("town", ["uozu", "kasou"])
def test_every_iri_an_export_mints_dereferences(two: TestClient, town: str, request: pytest.FixtureRequest) -> None:
    kinds = _minted(request.getfixturevalue(town))
    area_path = {"uozu": "uozu/city/area", "kasou": "kasou/town/area"}[town]  # the municipality's IRI + /area
    assert {k for k in kinds if not k.startswith(f"{town}/plan/distribution/")} == {
        area_path,
        f"{town}/*/participation*",
        f"{town}/*/cooperation*",
        f"{town}/*/contract*",
        f"{town}/*/channel*",
        f"{town}/plan/catalog",
        f"{town}/plan/dataset",
        f"{town}/plan/period",
        f"{town}/plan/sparql",
    }
    assert len([k for k in kinds if k.startswith(f"{town}/plan/distribution/")]) >= 5
    for node in kinds.values():
        path = "/" + str(node)[len("https://w3id.org/jyuso-kb/") :]
        response = two.get(path, headers=TTL)
        assert response.status_code == 200, path
        graph = parse_turtle(response.text)
        assert (node, RDF.type, None) in graph, path
        page = two.get(path, headers=BROWSER)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html"), path
    area = parse_turtle(two.get(f"/data/{area_path}", headers=TTL).text)
    code = {"uozu": UOZU, "kasou": KASOU}[town]
    assert code in {str(o) for o in area.objects(URIRef(DATA + area_path), None)}  # named by its 地方公共団体コード
