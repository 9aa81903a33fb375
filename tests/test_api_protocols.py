"""The web API keeps its published contracts: its OpenAPI document (checked by schemathesis), the SPARQL 1.1
Protocol (read by SPARQLWrapper and rdflib's SPARQLStore), JSON-LD that expands offline, Turtle that reparses to the
plan, and content negotiation.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from pyld import jsonld
from rdflib import Graph
from rdflib.compare import isomorphic, to_isomorphic
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from SPARQLWrapper import JSON, JSONLD, POST, TURTLE, SPARQLWrapper

from jyuso_kb.formats.catalog import programs as catalog_programs
from jyuso_kb.plan.load import load_embedded
from jyuso_kb.plan.source import PlanSource
from jyuso_kb.serve.app import create_app
from jyuso_kb.serve.settings import Settings

from .api_support import RealServer

PREFIXES = (
    "PREFIX jy: <https://w3id.org/jyuso-kb/ontology#>\n"
    "PREFIX uozu: <https://w3id.org/jyuso-kb/data/uozu/>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
)
SELECT_LABELS = (
    PREFIXES + 'SELECT ?label WHERE { ?p a jy:ImplementingProgram ; rdfs:label ?label FILTER(lang(?label) = "ja") }'
)
ASK_OUTREACH = PREFIXES + "ASK { uozu:prog-outreach a jy:ImplementingProgram }"
CONSTRUCT_LABELS = PREFIXES + "CONSTRUCT { ?p rdfs:label ?l } WHERE { ?p a jy:ImplementingProgram ; rdfs:label ?l }"


@pytest.fixture(scope="module")
def plan() -> PlanSource:
    return load_embedded()


@pytest.fixture(scope="module")
def expected_labels(plan: PlanSource) -> list[str]:
    labels = sorted(p["label"] for p in catalog_programs(plan.merged()))
    assert len(labels) == 12
    return labels


@pytest.fixture(scope="module")
def expected_label_graph(plan: PlanSource) -> Graph:
    graph = plan.merged().query(CONSTRUCT_LABELS).graph
    assert isinstance(graph, Graph)
    return graph


@pytest.fixture
def client(api: TestClient) -> TestClient:
    return api


def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Clients that read the proxy variables (requests, urllib) go straight to 127.0.0.1, never through a proxy."""
    for key in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


# ---------------------------------------------------------------------------------------------------------------
# 1. Every operation of the OpenAPI document, fuzzed by schemathesis: no server error, responses as documented.
# ---------------------------------------------------------------------------------------------------------------

# Bodies schemathesis has no serializer for are sent as generated: a SPARQL query is text, a workbook raw bytes.
schemathesis.serializer.alias("application/sparql-query", "text/plain")
schemathesis.serializer.alias(
    ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/zip"],
    "application/octet-stream",
)


# The OpenAPI document is the app's own (built without starting the app); schemathesis sends every case over HTTP to
# the shared real server, which starts once (an ASGI app would be started and stopped for each operation).
schema = schemathesis.openapi.from_dict(create_app(Settings()).openapi())


@pytest.fixture(scope="module")
def http(real_server: RealServer) -> Iterator[tuple[str, requests.Session]]:
    with requests.Session() as session:
        session.trust_env = False  # straight to 127.0.0.1, never through a proxy
        yield real_server.base_url, session


@schema.parametrize()
@settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_openapi_operations_never_fail_on_the_server(case: Any, http: tuple[str, requests.Session]) -> None:
    base_url, session = http
    case.call_and_validate(
        base_url=base_url, session=session, checks=[not_a_server_error, response_schema_conformance], timeout=30
    )


def test_schemathesis_covers_every_operation(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    documented = {(m.upper(), p) for p, item in spec["paths"].items() for m in item if m != "parameters"}
    covered = {(op.method.upper(), op.path) for op in (r.ok() for r in schema.get_all_operations())}  # type: ignore[union-attr]
    assert covered == documented
    assert len(documented) >= 17


def test_405_names_the_allowed_methods(client: TestClient) -> None:
    """RFC 9110 §15.5.6: a 405 carries Allow (schemathesis' unsupported-method check, ST204)."""
    for method, path, allowed in (
        ("TRACE", "/health", {"GET"}),
        ("DELETE", "/v1/programs", {"GET"}),
        ("PUT", "/v1/sparql", {"GET", "POST"}),
        ("GET", "/v1/validate", {"POST"}),
        ("GET", "/v1/route", {"POST"}),
        ("PATCH", "/v1/route", {"POST"}),
    ):
        response = client.request(method, path)
        assert response.status_code == 405
        assert {m.strip() for m in response.headers.get("allow", "").split(",") if m.strip()} == allowed, path


def test_documented_media_type_of_the_context(client: TestClient) -> None:
    """GET /v1/context.jsonld answers application/ld+json; the OpenAPI document says so too (schemathesis ST105)."""
    response = client.get("/v1/context.jsonld")
    assert response.headers["content-type"] == "application/ld+json"
    documented = client.get("/openapi.json").json()["paths"]["/v1/context.jsonld"]["get"]["responses"]["200"]
    assert list(documented["content"]) == ["application/ld+json"]


# ---------------------------------------------------------------------------------------------------------------
# 2. Real SPARQL clients read the endpoint of a real server.
# ---------------------------------------------------------------------------------------------------------------


@pytest.fixture
def endpoint(real_server: RealServer, monkeypatch: pytest.MonkeyPatch) -> str:
    _no_proxy(monkeypatch)  # SPARQLWrapper and SPARQLStore use urllib
    return real_server.base_url + "/v1/sparql"


def _wrapper(endpoint: str, query: str, fmt: str, method: str | None = None) -> Any:
    sparql = SPARQLWrapper(endpoint)
    sparql.setTimeout(15)
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    if method:
        sparql.setMethod(method)
    return sparql.queryAndConvert()


@pytest.mark.parametrize("method", [None, POST], ids=["GET", "POST"])
def test_sparqlwrapper_select_json(endpoint: str, expected_labels: list[str], method: str | None) -> None:
    result = _wrapper(endpoint, SELECT_LABELS, JSON, method)
    assert result["head"] == {"vars": ["label"]}
    labels = sorted(b["label"]["value"] for b in result["results"]["bindings"])
    assert labels == expected_labels
    assert "地域包括支援センター運営事業" in labels
    assert {b["label"]["xml:lang"] for b in result["results"]["bindings"]} == {"ja"}


def test_sparqlwrapper_ask(endpoint: str) -> None:
    assert _wrapper(endpoint, ASK_OUTREACH, JSON) == {"head": {}, "boolean": True}
    assert _wrapper(endpoint, PREFIXES + "ASK { uozu:prog-outreach a jy:Department }", JSON, POST) == {
        "head": {},
        "boolean": False,
    }


def test_sparqlwrapper_construct(endpoint: str, expected_label_graph: Graph) -> None:
    turtle = _wrapper(endpoint, CONSTRUCT_LABELS, TURTLE)
    graph = Graph().parse(data=turtle, format="turtle")
    assert len(graph) == 24
    assert isomorphic(graph, expected_label_graph)
    from_jsonld = _wrapper(endpoint, CONSTRUCT_LABELS, JSONLD, POST)  # SPARQLWrapper parses it into an rdflib graph
    assert isomorphic(Graph() + from_jsonld, expected_label_graph)


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("results", ["json", "xml"])
def test_rdflib_sparqlstore(
    endpoint: str, expected_labels: list[str], expected_label_graph: Graph, method: str, results: str
) -> None:
    graph = Graph(SPARQLStore(endpoint, method=method, returnFormat=results))
    assert sorted(str(row[0]) for row in graph.query(SELECT_LABELS)) == expected_labels  # type: ignore[index]
    assert graph.query(ASK_OUTREACH).askAnswer is True
    constructed = graph.query(CONSTRUCT_LABELS).graph
    assert constructed is not None
    assert isomorphic(Graph() + constructed, expected_label_graph)


# ---------------------------------------------------------------------------------------------------------------
# 3. JSON-LD expands offline with pyld and is the plan; 4. Turtle reparses to the plan.
# ---------------------------------------------------------------------------------------------------------------


def test_jsonld_expands_without_any_fetch_and_is_the_plan(client: TestClient, plan: PlanSource) -> None:
    attempted: list[str] = []

    def refuse(url: str, options: Any = None) -> Any:
        attempted.append(url)
        raise jsonld.JsonLdError(
            "remote documents are refused in this test", "jsonld.LoadDocumentError", code="loading document failed"
        )

    response = client.get("/v1/catalog", headers={"accept": "application/ld+json"})
    assert response.headers["content-type"] == "application/ld+json"
    assert response.headers["link"] == (
        '</v1/context.jsonld>; rel="http://www.w3.org/ns/json-ld#context", '
        '</v1/municipalities/162043/dcat>; rel="describedby"; type="text/turtle"'
    )
    document = response.json()
    expanded = jsonld.expand(document, {"documentLoader": refuse})
    nquads = jsonld.to_rdf(expanded, {"format": "application/n-quads", "documentLoader": refuse})
    assert attempted == []
    graph = Graph().parse(data=nquads, format="nt")  # N-Quads without a graph name: the catalog is one graph
    assert len(graph) == len(plan.data)
    assert isomorphic(graph, plan.data)
    turtle = Graph().parse(data=client.get("/v1/catalog", params={"format": "ttl"}).text, format="turtle")
    assert to_isomorphic(graph) == to_isomorphic(turtle)


def test_published_context_expands_the_catalog_the_same_way(client: TestClient, plan: PlanSource) -> None:
    """The context published at /v1/context.jsonld is the one inlined in the catalog, plus the prefix of the
    municipality's own data (the published one names no municipality)."""
    document = client.get("/v1/catalog", params={"format": "jsonld"}).json()
    published = client.get("/v1/context.jsonld").json()
    assert document["@context"] == {**published["@context"], "uozu": "https://w3id.org/jyuso-kb/data/uozu/"}


def test_turtle_reparses_to_the_plan(client: TestClient, plan: PlanSource) -> None:
    response = client.get("/v1/catalog", headers={"accept": "text/turtle"})
    assert response.headers["content-type"] == "text/turtle; charset=utf-8"
    graph = Graph().parse(data=response.text, format="turtle")
    assert len(graph) == len(plan.data)
    assert isomorphic(graph, plan.data)


# ---------------------------------------------------------------------------------------------------------------
# 5. Content negotiation.
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        ("application/json", "application/json"),
        ("application/ld+json", "application/ld+json"),
        ("text/turtle", "text/turtle; charset=utf-8"),
        ("text/csv", "text/csv; charset=utf-8"),
        ("text/csv;q=0.5, text/turtle", "text/turtle; charset=utf-8"),
        ("text/turtle;q=0.2, application/ld+json;q=0.9", "application/ld+json"),
        ("text/html, text/csv;q=0.1", "text/csv; charset=utf-8"),
        ("*/*", "application/json"),
    ],
)
def test_catalog_content_negotiation(client: TestClient, accept: str, content_type: str) -> None:
    response = client.get("/v1/catalog", headers={"accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [
        ("json", "application/json"),
        ("jsonld", "application/ld+json"),
        ("ttl", "text/turtle; charset=utf-8"),
        ("csv", "text/csv; charset=utf-8"),
    ],
)
def test_catalog_format_parameter_wins_over_accept(client: TestClient, fmt: str, content_type: str) -> None:
    response = client.get("/v1/catalog", params={"format": fmt}, headers={"accept": "text/turtle"})
    assert response.headers["content-type"] == content_type


@pytest.mark.parametrize(
    ("query", "accept", "content_type"),
    [
        (SELECT_LABELS, "application/sparql-results+json", "application/sparql-results+json"),
        (SELECT_LABELS, "application/sparql-results+xml", "application/sparql-results+xml"),
        (SELECT_LABELS, "text/csv", "text/csv; charset=utf-8"),
        (SELECT_LABELS, "text/tab-separated-values", "text/tab-separated-values; charset=utf-8"),
        (SELECT_LABELS, "text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
        (CONSTRUCT_LABELS, "text/turtle", "text/turtle; charset=utf-8"),
        (CONSTRUCT_LABELS, "application/n-triples", "application/n-triples"),
        (CONSTRUCT_LABELS, "application/ld+json", "application/ld+json"),
    ],
)
def test_sparql_content_negotiation(client: TestClient, query: str, accept: str, content_type: str) -> None:
    response = client.get("/v1/sparql", params={"query": query}, headers={"accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type


def test_sparql_csv_and_tsv_results_have_one_column_per_variable(client: TestClient) -> None:
    """SPARQL 1.1 CSV/TSV results: a tab or a line break inside a literal never splits a cell."""
    query = 'SELECT ?a ?b WHERE { VALUES (?a ?b) { ("x\\ty" "1") ("line\\nbreak" "2") } }'
    csv_text = client.get("/v1/sparql", params={"query": query}, headers={"accept": "text/csv"}).text
    assert list(csv.reader(io.StringIO(csv_text))) == [["a", "b"], ["x\ty", "1"], ["line\nbreak", "2"]]
    tsv = client.get("/v1/sparql", params={"query": query}, headers={"accept": "text/tab-separated-values"}).text
    assert tsv.split("\n") == ["?a\t?b", '"x\\ty"\t"1"', '"line\\nbreak"\t"2"', ""]


def test_sparql_json_results_are_the_w3c_shape(client: TestClient) -> None:
    response = client.get(
        "/v1/sparql",
        params={"query": PREFIXES + "SELECT ?l WHERE { uozu:prog-outreach rdfs:label ?l } ORDER BY ?l"},
    )
    assert json.loads(response.text) == {
        "head": {"vars": ["l"]},
        "results": {
            "bindings": [
                {"l": {"type": "literal", "value": "Continuous support through outreach", "xml:lang": "en"}},
                {"l": {"type": "literal", "value": "アウトリーチ等を通じた継続的支援事業", "xml:lang": "ja"}},
            ]
        },
    }
