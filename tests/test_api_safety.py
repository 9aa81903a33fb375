"""The web API is safe by default: hostile input is refused before any parser and fetches nothing, SPARQL cannot
change or stall the service, uploads never touch the active plan, household data never leaves memory, errors have
one shape.

Every request goes to the in-process app (TestClient) or to a real `jyuso-kb serve` on 127.0.0.1.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from rdflib import RDF, RDFS, Graph, Literal, Namespace
from rdflib.compare import isomorphic

from jyuso_kb.errors import InputError
from jyuso_kb.formats.catalog import programs as catalog_programs
from jyuso_kb.plan.load import load_embedded
from jyuso_kb.plan.read import parse_jsonld, parse_turtle
from jyuso_kb.plan.source import PlanSource
from jyuso_kb.serve.app import create_app
from jyuso_kb.serve.settings import Settings
from jyuso_kb.serve.snapshot import revision_of

from .api_support import JAPANESE, Canary, FileAudit, RealServer, assert_error
from .conftest import TESTS

JY = Namespace("https://w3id.org/jyuso-kb/ontology#")
UOZU = Namespace("https://w3id.org/jyuso-kb/data/uozu/")
PREFIXES = (
    "PREFIX jy: <https://w3id.org/jyuso-kb/ontology#>\n"
    "PREFIX uozu: <https://w3id.org/jyuso-kb/data/uozu/>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
)
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
TTL = {"content-type": "text/turtle"}
JSONLD = {"content-type": "application/ld+json"}
MiB = 1024 * 1024


def _billion_laughs(levels: int = 10) -> bytes:
    entities = ['<!ENTITY lol0 "lol">']
    entities += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels)]
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n' + "\n".join(entities) + "\n]>\n"
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">'
        f'<rdf:Description rdf:about="urn:x"><rdfs:label>&lol{levels - 1};</rdfs:label></rdf:Description></rdf:RDF>\n'
    ).encode()


def _external_entity_xml(url: str, rdf: bool) -> bytes:
    root = (
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">'
        '<rdf:Description rdf:about="urn:x"><rdfs:label>&ext;</rdfs:label></rdf:Description></rdf:RDF>'
        if rdf
        else "<x>&ext;</x>"
    )
    name = "rdf:RDF" if rdf else "x"
    return f'<?xml version="1.0"?>\n<!DOCTYPE {name} [<!ENTITY ext SYSTEM "{url}/xxe">]>\n{root}\n'.encode()


def _sparql_count(client: TestClient | httpx.Client) -> int:
    r = client.get("/v1/sparql", params={"query": COUNT_ALL})
    assert r.status_code == 200, r.text
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


# ---------------------------------------------------------------------------------------------------------------
# 1. Hostile inputs against a loopback canary: 4xx, 0 connections, 0 file opens outside allowed roots.
# ---------------------------------------------------------------------------------------------------------------

Request = tuple[str, str, dict[str, Any]]  # method, path, httpx keyword arguments

SPARQL_HOSTILE: dict[str, tuple[Callable[[str], str], str | None]] = {
    # id: (query built from the canary URL, expected error code or None when only "4xx" is required)
    "service": (lambda c: f"SELECT * WHERE {{ SERVICE <{c}/> {{ ?s ?p ?o }} }}", "service_refused"),
    "service-silent": (lambda c: f"SELECT * WHERE {{ SERVICE SILENT <{c}/sparql> {{ ?s ?p ?o }} }}", "service_refused"),
    "service-variable": (
        lambda c: f"SELECT * WHERE {{ BIND(<{c}/> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
        "service_refused",
    ),
    "service-in-subquery": (
        lambda c: f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{c}/> {{ ?s ?p ?o }} }} }} }}",
        "service_refused",
    ),
    "service-in-exists": (
        lambda c: f"ASK {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{c}/> {{ ?s ?p ?o }} }} }}",
        "service_refused",
    ),
    "from-http": (lambda c: f"SELECT * FROM <{c}/x> WHERE {{ ?s ?p ?o }}", "from_refused"),
    "from-named-passwd": (
        lambda c: "SELECT * FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }",
        "from_refused",
    ),
    "from-hostname": (lambda c: "SELECT * FROM <file:///etc/hostname> WHERE { ?s ?p ?o }", "from_refused"),
    "construct-from": (lambda c: f"CONSTRUCT {{ ?s ?p ?o }} FROM <{c}/x> WHERE {{ ?s ?p ?o }}", "from_refused"),
    "ask-from": (lambda c: f"ASK FROM <{c}/x> {{ ?s ?p ?o }}", "from_refused"),
    "describe-from": (lambda c: f"DESCRIBE <{c}/x> FROM <{c}/x>", "from_refused"),
    "load": (lambda c: f"LOAD <{c}/>", "read_only"),
    "load-into-graph": (lambda c: f"LOAD SILENT <{c}/data.ttl> INTO GRAPH <urn:g>", "read_only"),
    "insert-data": (lambda c: "INSERT DATA { <urn:canary:s> <urn:canary:p> <urn:canary:o> }", "read_only"),
    "delete-where": (lambda c: "DELETE WHERE { ?s ?p ?o }", "read_only"),
    "clear-all": (lambda c: "CLEAR ALL", "read_only"),
    "drop-all": (lambda c: "DROP ALL", "read_only"),
    # A function named by a remote IRI: nothing may be fetched and the query must be refused (4xx).
    "remote-function-select": (lambda c: f"SELECT (<{c}/fn>(1) AS ?x) WHERE {{ }}", None),
    "remote-function-filter": (lambda c: f"SELECT ?s WHERE {{ ?s ?p ?o FILTER(<{c}/fn>(?o)) }} LIMIT 1", None),
    # GRAPH over a remote IRI (no dataset here): a client error, not a crashed worker.
    "graph-remote": (lambda c: f"SELECT * WHERE {{ GRAPH <{c}/g> {{ ?s ?p ?o }} }}", None),
}


def _sparql_cases() -> list[tuple[str, Callable[[str], Request], int | None, str | None]]:
    cases: list[tuple[str, Callable[[str], Request], int | None, str | None]] = []
    for name, (build, code) in SPARQL_HOSTILE.items():
        status = 400 if code else None

        def get(c: str, build: Callable[[str], str] = build) -> Request:
            return ("GET", "/v1/sparql", {"params": {"query": build(c)}})

        def post(c: str, build: Callable[[str], str] = build) -> Request:
            return ("POST", "/v1/sparql", {"data": {"query": build(c)}})

        cases.append((f"sparql-get-{name}", get, status, code))
        cases.append((f"sparql-post-form-{name}", post, status, code))
    cases += [
        (
            "sparql-update-content-type-insert",
            lambda c: (
                "POST",
                "/v1/sparql",
                {
                    "content": b"INSERT DATA { <urn:canary:s> <urn:canary:p> <urn:canary:o> }",
                    "headers": {"content-type": "application/sparql-update"},
                },
            ),
            400,
            "read_only",
        ),
        (
            "sparql-update-content-type-load",
            lambda c: (
                "POST",
                "/v1/sparql",
                {"content": f"LOAD <{c}/>".encode(), "headers": {"content-type": "application/sparql-update"}},
            ),
            400,
            "read_only",
        ),
        (
            "sparql-form-update-insert",
            lambda c: ("POST", "/v1/sparql", {"data": {"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}}),
            400,
            "read_only",
        ),
        (
            "sparql-form-update-load",
            lambda c: ("POST", "/v1/sparql", {"data": {"update": f"LOAD <{c}/>"}}),
            400,
            "read_only",
        ),
        (
            "sparql-query-content-type-load",
            lambda c: (
                "POST",
                "/v1/sparql",
                {"content": f"LOAD <{c}/>".encode(), "headers": {"content-type": "application/sparql-query"}},
            ),
            400,
            "read_only",
        ),
    ]
    return cases


def _jsonld(document: Any) -> bytes:
    return json.dumps(document).encode()


UPLOAD_HOSTILE: list[tuple[str, Callable[[str], Request], int, str]] = [
    (
        "jsonld-context-url",
        lambda c: (
            "POST",
            "/v1/validate",
            {"content": _jsonld({"@context": f"{c}/ctx", "@id": "urn:a"}), "headers": JSONLD},
        ),
        400,
        "remote_context_refused",
    ),
    (
        "jsonld-context-file-passwd",
        lambda c: (
            "POST",
            "/v1/validate",
            {"content": _jsonld({"@context": "file:///etc/passwd", "@id": "urn:a"}), "headers": JSONLD},
        ),
        400,
        "remote_context_refused",
    ),
    (
        "jsonld-context-relative-path",
        lambda c: (
            "POST",
            "/v1/validate",
            {"content": _jsonld({"@context": "../../../../../etc/passwd", "@id": "urn:a"}), "headers": JSONLD},
        ),
        400,
        "remote_context_refused",
    ),
    (
        "jsonld-context-list-with-url",
        lambda c: (
            "POST",
            "/v1/validate",
            {"content": _jsonld({"@context": [{"x": "urn:x#"}, f"{c}/ctx"], "@id": "urn:a"}), "headers": JSONLD},
        ),
        400,
        "remote_context_refused",
    ),
    (
        "jsonld-context-import",
        lambda c: (
            "POST",
            "/v1/validate",
            {
                "content": _jsonld({"@context": {"@version": 1.1, "@import": f"{c}/ctx"}, "@id": "urn:a"}),
                "headers": JSONLD,
            },
        ),
        400,
        "remote_context_refused",
    ),
    (
        "jsonld-nested-context-in-node",
        lambda c: (
            "POST",
            "/v1/validate",
            {
                "content": _jsonld({"@id": "urn:a", "urn:p": {"@context": f"{c}/ctx", "@id": "urn:b", "name": "x"}}),
                "headers": JSONLD,
            },
        ),
        400,
        "remote_context_refused",
    ),
    (
        "jsonld-context-in-graph-node",
        lambda c: (
            "POST",
            "/v1/validate",
            {"content": _jsonld({"@graph": [{"@context": f"{c}/ctx", "@id": "urn:b"}]}), "headers": JSONLD},
        ),
        400,
        "remote_context_refused",
    ),
    (
        "jsonld-property-scoped-context",
        lambda c: (
            "POST",
            "/v1/validate",
            {
                "content": _jsonld(
                    {
                        "@context": {"@version": 1.1, "p": {"@id": "urn:p", "@context": f"{c}/ctx"}},
                        "@id": "urn:a",
                        "p": {"@id": "urn:b"},
                    }
                ),
                "headers": JSONLD,
            },
        ),
        400,
        "remote_context_refused",
    ),
    (
        "jsonld-type-scoped-context",
        lambda c: (
            "POST",
            "/v1/validate",
            {
                "content": _jsonld(
                    {
                        "@context": {"@version": 1.1, "T": {"@id": "urn:T", "@context": f"{c}/ctx"}},
                        "@id": "urn:a",
                        "@type": "T",
                    }
                ),
                "headers": JSONLD,
            },
        ),
        400,
        "remote_context_refused",
    ),
    (
        "rdfxml-billion-laughs",
        lambda c: (
            "POST",
            "/v1/validate",
            {"content": _billion_laughs(), "headers": {"content-type": "application/rdf+xml"}},
        ),
        415,
        "unsupported_media_type",
    ),
    (
        "rdfxml-external-entity",
        lambda c: (
            "POST",
            "/v1/validate",
            {"content": _external_entity_xml(c, rdf=True), "headers": {"content-type": "application/rdf+xml"}},
        ),
        415,
        "unsupported_media_type",
    ),
    (
        "xml-external-entity",
        lambda c: (
            "POST",
            "/v1/validate",
            {"content": _external_entity_xml(c, rdf=False), "headers": {"content-type": "application/xml"}},
        ),
        415,
        "unsupported_media_type",
    ),
    (
        "n3",
        lambda c: (
            "POST",
            "/v1/validate",
            {"content": f"@prefix c: <{c}/> . c:a c:b c:c .".encode(), "headers": {"content-type": "text/n3"}},
        ),
        415,
        "unsupported_media_type",
    ),
    (
        "n-triples",
        lambda c: (
            "POST",
            "/v1/validate",
            {"content": f"<{c}/a> <{c}/b> <{c}/c> .\n".encode(), "headers": {"content-type": "application/n-triples"}},
        ),
        415,
        "unsupported_media_type",
    ),
    (
        "no-content-type",
        lambda c: ("POST", "/v1/validate", {"content": f"<{c}/a> <{c}/b> <{c}/c> .\n".encode()}),
        415,
        "unsupported_media_type",
    ),
]

HOSTILE = [(name, build, status, code) for name, build, status, code in _sparql_cases()] + UPLOAD_HOSTILE


class Hostile:
    def __init__(self, client: TestClient, canary: Canary, audit: FileAudit) -> None:
        self.client = client
        self.canary = canary
        self.audit = audit


@pytest.fixture(scope="module")
def hostile(api: TestClient) -> Iterator[Hostile]:
    audit = FileAudit.get()
    client = api
    with Canary() as canary:
        canary.probe_self()
        assert canary.connections == 1, "the canary must count a real connection"
        canary.connections = 0
        with audit.record():  # the audit hook sees a file opened outside the allowed folders
            with open("/etc/passwd", "rb") as probe:
                probe.read(0)
        assert audit.opens == ["/etc/passwd"]
        audit.clear()
        # Warm up lazy imports (pyshacl, the SPARQL parser in the workers) outside the audited window.
        assert client.post("/v1/validate", content=b"<urn:w> <urn:w> <urn:w> .", headers=TTL).status_code == 200
        assert client.get("/v1/sparql", params={"query": "ASK { ?s ?p ?o }"}).status_code == 200
        yield Hostile(client, canary, audit)
        # Each test checked the canary right after its own request; a fetch started in the background by the last
        # of them would connect within this pause.
        time.sleep(0.3)
        assert canary.connections == 0, "a hostile input reached the canary after its test had ended"


@pytest.mark.parametrize(("name", "build", "status", "code"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_input_is_refused_and_fetches_nothing(
    hostile: Hostile, name: str, build: Callable[[str], Request], status: int | None, code: str | None
) -> None:
    method, path, kwargs = build(hostile.canary.url)
    hostile.audit.clear()
    with hostile.audit.record():
        response = hostile.client.request(method, path, **kwargs)
    time.sleep(0.05)  # a fetch started in the background would have connected by now
    assert hostile.canary.connections == 0
    assert hostile.audit.opens == []
    assert hostile.audit.network == []
    error = assert_error(response, status)
    if code is not None:
        assert error["code"] == code


ACCEPTED_AS_DATA: dict[str, Callable[[str], str]] = {
    # Turtle that names the canary is plain data (rdflib's Turtle parser fetches nothing, owl:imports is a triple):
    # the upload is validated as what it is (not a plan: conforms false), and nothing is fetched or opened.
    "turtle-owl-imports": lambda c: (
        f"@prefix owl: <http://www.w3.org/2002/07/owl#> .\n<urn:x:onto> a owl:Ontology ; owl:imports <{c}/x> .\n"
    ),
    "turtle-base": lambda c: f"@base <{c}/> .\n<a> <b> <c> .\n",
    "turtle-prefix": lambda c: f"@prefix c: <{c}/> .\nc:a c:b c:c .\n",
    "turtle-prefix-file": lambda c: "@prefix f: <file:///etc/passwd#> .\nf:a f:b f:c .\n",
}


@pytest.mark.parametrize("name", sorted(ACCEPTED_AS_DATA))
def test_turtle_naming_the_canary_is_read_as_plain_data(hostile: Hostile, name: str) -> None:
    text = ACCEPTED_AS_DATA[name](hostile.canary.url)
    hostile.audit.clear()
    with hostile.audit.record():
        response = hostile.client.post("/v1/validate", content=text.encode(), headers=TTL)
    time.sleep(0.05)
    assert hostile.canary.connections == 0  # the canary accepts and closes at once: a fetch would have connected
    assert hostile.audit.opens == []
    assert hostile.audit.network == []
    assert response.status_code == 200, response.text[:300]
    body = response.json()
    assert body["conforms"] is False
    assert body["revision"] == revision_of(parse_turtle(text))


def test_there_are_enough_hostile_inputs() -> None:
    names = [name for name, _, _, _ in HOSTILE]
    assert len(names) >= 30
    assert len(set(names)) == len(names)


# ---------------------------------------------------------------------------------------------------------------
# 2. Cheap refusals: 415 before any parser, 413 before reading, 422 for long literals and too many triples.
# ---------------------------------------------------------------------------------------------------------------


@pytest.fixture
def client(api: TestClient) -> TestClient:
    return api


class ParsedFormats:
    """The formats rdflib was asked to parse, recorded in a file: uploads are parsed in a forked child process, which
    inherits the spy but not the parent's memory. Compares equal to the list of formats."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def formats(self) -> list[str]:
        return self.path.read_text(encoding="utf-8").split() if self.path.exists() else []

    def __eq__(self, other: object) -> bool:
        return self.formats() == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(self.formats())


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> ParsedFormats:
    """The formats rdflib is asked to parse during the test: an upload refused by a cheap check parses nothing."""
    calls = ParsedFormats(tmp_path / "parsed.txt")
    real = Graph.parse

    def spy(self: Graph, *args: Any, **kwargs: Any) -> Graph:
        with calls.path.open("a", encoding="utf-8") as record:
            record.write(f"{kwargs.get('format')}\n")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Graph, "parse", spy)
    return calls


def test_the_parser_spy_sees_an_accepted_upload(client: TestClient, parsed: ParsedFormats) -> None:
    assert client.post("/v1/validate", content=b"<urn:a> <urn:b> <urn:c> .", headers=TTL).status_code == 200
    assert parsed == ["turtle"]


def test_billion_laughs_rdfxml_is_refused_with_415_before_any_parser(client: TestClient, parsed: ParsedFormats) -> None:
    payload = _billion_laughs(levels=12)
    assert len(payload) < 2048
    response = client.post("/v1/validate", content=payload, headers={"content-type": "application/rdf+xml"})
    error = assert_error(response, 415)
    assert error["code"] == "unsupported_media_type"
    assert error["message"] == "この形式(application/rdf+xml)は受け付けません。"
    assert parsed == []


@pytest.mark.parametrize(
    ("content_type", "shown"),
    [
        ("application/rdf+xml; charset=utf-8", "application/rdf+xml"),
        ("application/xml", "application/xml"),
        ("text/xml", "text/xml"),
        ("text/n3", "text/n3"),
        ("application/n-triples", "application/n-triples"),
        ("application/n-quads", "application/n-quads"),
        ("application/trig", "application/trig"),
        ("application/json", "application/json"),
        ("text/plain", "text/plain"),
        (None, "指定なし"),
    ],
)
def test_other_upload_types_get_415(
    client: TestClient, parsed: ParsedFormats, content_type: str | None, shown: str
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = client.post("/v1/validate", content=_billion_laughs(), headers=headers)
    assert parsed == []
    error = assert_error(response, 415)
    assert error == {
        "code": "unsupported_media_type",
        "message": f"この形式({shown})は受け付けません。",
        "where": "Content-Type",
        "hint": "Content-Type: text/turtle、application/ld+json、ワークブック(.xlsx)または CSV のフォルダの zip で送ってください(RDF/XML は受け付けません)。",
    }


def test_body_over_10_mib_with_content_length_gets_413(client: TestClient, parsed: ParsedFormats) -> None:
    body = b"# " + b"x" * (10 * MiB)
    response = client.post("/v1/validate", content=body, headers=TTL)
    assert response.request.headers["content-length"] == str(len(body))
    error = assert_error(response, 413)
    assert error["code"] == "body_too_large"
    assert error["message"] == "送信データが大きすぎます(上限 10 MiB)。"
    assert parsed == []


def test_chunked_body_over_10_mib_without_content_length_gets_413(client: TestClient, parsed: ParsedFormats) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(12):
            yield b"#" * MiB + b"\n"

    response = client.post("/v1/validate", content=chunks(), headers=TTL)
    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    error = assert_error(response, 413)
    assert error["code"] == "body_too_large"
    assert parsed == []


def test_real_server_answers_413_for_both_kinds_of_oversized_body(real_server: RealServer) -> None:
    body = b"#" * (10 * MiB + 1)

    def chunks() -> Iterator[bytes]:
        for _ in range(12):
            yield b"#" * MiB

    with real_server.client() as c:  # a timeout on every call: a server waiting for the rest of a body fails it
        for content in (body, chunks()):
            response = c.post("/v1/validate", content=content, headers=TTL)
            assert ("content-length" in response.request.headers) is (content is body)
            assert assert_error(response, 413)["code"] == "body_too_large"
        assert c.get("/health").status_code == 200


def test_turtle_literal_over_64_kib_gets_422_before_parsing(client: TestClient, parsed: ParsedFormats) -> None:
    body = b'<urn:a> <urn:b> "' + b"a" * (64 * 1024 + 1) + b'" .\n'
    response = client.post("/v1/validate", content=body, headers=TTL)
    error = assert_error(response, 422)
    assert error["code"] == "literal_too_long"
    assert error["message"] == "64 KiB を超える文字列があります。"
    assert parsed == []


def test_turtle_literal_over_64_kib_with_line_breaks_gets_422(client: TestClient, parsed: ParsedFormats) -> None:
    """The same limit whether or not the long text has line breaks (75 KB of Japanese text, 250 lines)."""
    text = "\n".join(["あ" * 99] * 250)
    body = ('<urn:a> <urn:b> """' + text + '""" .\n').encode()
    assert len(text.encode()) > 64 * 1024
    response = client.post("/v1/validate", content=body, headers=TTL)
    error = assert_error(response, 422)
    assert error["code"] == "literal_too_long"
    assert parsed == []


def test_long_turtle_line_without_any_literal_is_not_a_long_literal(client: TestClient) -> None:
    """4,000 short triples written on one line (about 80 KB) hold no literal at all: they are validated."""
    body = ("@prefix : <urn:x:> .\n" + " ".join(f":s{i} :p :o{i} ." for i in range(4000)) + "\n").encode()
    assert len(body) > 64 * 1024
    response = client.post("/v1/validate", content=body, headers=TTL)
    assert response.status_code == 200, response.text[:300]
    assert response.json()["conforms"] is False


def test_more_than_200000_triples_gets_422_before_parsing(client: TestClient, parsed: ParsedFormats) -> None:
    n = 200_001
    lines = (b",".join(b"%d" % j for j in range(i, min(i + 1000, n))) for i in range(0, n, 1000))
    body = b"@prefix : <urn:x:> .\n:s :p " + b" ,\n".join(lines) + b" .\n"
    assert len(body) < 10 * MiB
    assert body.count(b",") == n - 1  # one subject, one predicate, n objects
    response = client.post("/v1/validate", content=body, headers=TTL)
    error = assert_error(response, 422)
    assert error["code"] == "too_many_triples"
    assert error["message"] == "トリプルが多すぎます(上限 200,000)。"
    assert parsed == []


# ---------------------------------------------------------------------------------------------------------------
# 3. SPARQL is read-only, killable and capped.
# ---------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def capped(uozu: PlanSource) -> Iterator[TestClient]:
    app = create_app(Settings(sparql_timeout=2, sparql_row_cap=5), plan=uozu)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


UPDATES: list[tuple[str, Request]] = [
    ("get-insert", ("GET", "/v1/sparql", {"params": {"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}})),
    ("form-query-insert", ("POST", "/v1/sparql", {"data": {"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}})),
    ("form-update-insert", ("POST", "/v1/sparql", {"data": {"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}})),
    (
        "sparql-update",
        (
            "POST",
            "/v1/sparql",
            {
                "content": b"INSERT DATA { <urn:a> <urn:b> <urn:c> }",
                "headers": {"content-type": "application/sparql-update"},
            },
        ),
    ),
    (
        "sparql-query-delete",
        (
            "POST",
            "/v1/sparql",
            {"content": b"DELETE WHERE { ?s ?p ?o }", "headers": {"content-type": "application/sparql-query"}},
        ),
    ),
    ("get-clear", ("GET", "/v1/sparql", {"params": {"query": "CLEAR DEFAULT"}})),
    ("get-drop", ("GET", "/v1/sparql", {"params": {"query": "DROP ALL"}})),
    (
        "get-delete-insert",
        ("GET", "/v1/sparql", {"params": {"query": "DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }"}}),
    ),
]


def test_updates_get_400_and_the_graph_is_unchanged(capped: TestClient, uozu: PlanSource) -> None:
    expected = len(uozu.merged())
    before = _sparql_count(capped)
    assert before == expected
    for name, (method, path, kwargs) in UPDATES:
        error = assert_error(capped.request(method, path, **kwargs), 400)
        assert error["code"] == "read_only", name
        assert error["message"] == "このエンドポイントは読み取り専用です(更新・LOAD はできません)。"
    assert _sparql_count(capped) == before
    ask = capped.get("/v1/sparql", params={"query": "ASK { <urn:a> <urn:b> <urn:c> }"})
    assert ask.json() == {"head": {}, "boolean": False}


def test_heavy_query_is_killed_with_503_and_the_endpoint_recovers(capped: TestClient) -> None:
    before = _sparql_count(capped)
    response = capped.get("/v1/sparql", params={"query": HEAVY})  # would run for hours if it were not killed
    error = assert_error(response, 503)
    assert error["code"] == "query_timeout"
    assert error["message"] == "クエリが時間制限(2秒)を超えたため中止しました。"
    assert response.headers["retry-after"] == "5"
    assert _sparql_count(capped) == before


def test_row_cap_truncates_and_says_so(capped: TestClient) -> None:
    response = capped.get("/v1/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert response.status_code == 200
    assert len(response.json()["results"]["bindings"]) == 5
    assert response.headers["x-result-truncated"] == "true"
    small = capped.get(
        "/v1/sparql",
        params={"query": PREFIXES + 'SELECT ?l WHERE { uozu:prog-outreach rdfs:label ?l FILTER(lang(?l) = "ja") }'},
    )
    assert small.status_code == 200
    assert small.json()["results"]["bindings"] == [
        {"l": {"type": "literal", "value": "アウトリーチ等を通じた継続的支援事業", "xml:lang": "ja"}}
    ]
    assert small.headers["x-result-truncated"] == "false"


# ---------------------------------------------------------------------------------------------------------------
# 4. Cheap requests are answered while a heavy query runs (real server).
# 5. A cold server answers 32 concurrent SPARQL clients without an error (real server).
# ---------------------------------------------------------------------------------------------------------------

ROUTE_BODY = {"needs": ["親の介護", "ひきこもりの息子"], "consent": True, "as_of": "2025-10-01"}


@pytest.mark.slow
def test_cheap_requests_are_answered_during_a_heavy_query(real_server: RealServer) -> None:
    """The heavy query runs in a SPARQL worker until it is killed (after 5 s): every cheap request is answered while
    it still runs, none waits for it."""
    heavy: dict[str, httpx.Response] = {}

    def run_heavy() -> None:
        with real_server.client(timeout=60.0) as c:
            heavy["response"] = c.get("/v1/sparql", params={"query": HEAVY})

    thread = threading.Thread(target=run_heavy, daemon=True)
    thread.start()
    time.sleep(0.5)  # the heavy query is in a worker now
    statuses: list[int] = []
    with real_server.client() as c:
        requests: list[Callable[[], httpx.Response]] = [
            lambda: c.get("/health"),
            lambda: c.get("/v1/programs"),
            lambda: c.post("/v1/route", json=ROUTE_BODY),
        ]
        for i in range(15):
            statuses.append(requests[i % 3]().status_code)
        still_running = thread.is_alive()
    thread.join(timeout=60)
    assert still_running, "the heavy query ended before the cheap requests did"
    assert statuses == [200] * 15
    assert not thread.is_alive()
    assert heavy["response"].status_code == 503
    assert heavy["response"].headers["retry-after"] == "5"


CONCURRENT_CLIENTS = 32
QUERIES_PER_CLIENT = 8  # each client sends each kind of query (SELECT, ASK, CONSTRUCT) at least twice


@pytest.mark.slow
def test_cold_server_answers_32_concurrent_sparql_clients(tmp_path: Path) -> None:
    plan = load_embedded().merged()
    labels = sorted(p["label"] for p in catalog_programs(plan))
    expected_graph = Graph()
    for program in plan.subjects(RDF.type, JY.ImplementingProgram):
        for label in plan.objects(program, RDFS.label):
            expected_graph.add((program, RDFS.label, label))
    select = (
        PREFIXES + 'SELECT ?label WHERE { ?p a jy:ImplementingProgram ; rdfs:label ?label FILTER(lang(?label) = "ja") }'
    )
    ask = PREFIXES + "ASK { uozu:prog-outreach a jy:ImplementingProgram }"
    construct = PREFIXES + "CONSTRUCT { ?p rdfs:label ?l } WHERE { ?p a jy:ImplementingProgram ; rdfs:label ?l }"

    def check(kind: int, response: httpx.Response) -> str | None:
        if response.status_code != 200:
            return f"{response.status_code} {response.text[:120]}"
        if kind == 0:
            got = sorted(b["label"]["value"] for b in response.json()["results"]["bindings"])
            return None if got == labels else f"labels {got}"
        if kind == 1:
            return None if response.json() == {"head": {}, "boolean": True} else response.text[:120]
        graph = Graph().parse(data=response.text, format="turtle")
        return None if isomorphic(graph, expected_graph) else f"graph of {len(graph)} triples"

    with RealServer(tmp_path / "server.log") as server:
        errors: list[str] = []
        barrier = threading.Barrier(CONCURRENT_CLIENTS)

        def client_run(n: int) -> None:
            with server.client(timeout=30.0) as c:
                barrier.wait(timeout=30)
                for i in range(QUERIES_PER_CLIENT):
                    kind = (n + i) % 3
                    try:
                        if kind == 0:
                            r = c.get("/v1/sparql", params={"query": select})
                        elif kind == 1:
                            r = c.post("/v1/sparql", data={"query": ask})
                        else:
                            r = c.post(
                                "/v1/sparql",
                                content=construct.encode(),
                                headers={"content-type": "application/sparql-query", "accept": "text/turtle"},
                            )
                        problem = check(kind, r)
                    except httpx.HTTPError as err:
                        problem = f"{type(err).__name__}: {err}"
                    if problem:
                        errors.append(f"client {n} query {i}: {problem}")

        pool = ThreadPoolExecutor(max_workers=CONCURRENT_CLIENTS)
        futures = [pool.submit(client_run, n) for n in range(CONCURRENT_CLIENTS)]
        done, pending = wait(futures, timeout=120)
        if pending:
            server.stop()  # ends the requests still waiting, so that the clients return
        pool.shutdown(wait=True, cancel_futures=True)
        for future in done:
            future.result()
        assert not pending, "the concurrent run did not finish within 120 s"
        assert errors == [], f"{len(errors)} errors, first: {errors[:5]}"
        assert "Traceback" not in server.log()


# ---------------------------------------------------------------------------------------------------------------
# 6. /v1/validate never alters the active plan, and never takes shapes from the upload.
# ---------------------------------------------------------------------------------------------------------------


def _plan_turtle(client: TestClient) -> Graph:
    return Graph().parse(data=client.get("/v1/catalog", params={"format": "ttl"}).text, format="turtle")


def _validate(client: TestClient, graph: Graph) -> dict[str, Any]:
    response = client.post("/v1/validate", content=graph.serialize(format="turtle").encode(), headers=TTL)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["cache-control"] == "no-store"
    body: dict[str, Any] = response.json()
    return body


def test_validate_never_alters_the_active_plan(client: TestClient) -> None:
    """A revision without one programme and with a made-up one is validated and compared, and that is all."""
    before = client.get("/v1/programs")
    revision = before.headers["x-plan-revision"]
    count = _sparql_count(client)
    revised = _plan_turtle(client)
    for triple in list(revised.triples((UOZU["prog-outreach"], None, None))):
        revised.remove(triple)
    fake = UOZU["prog-bogus"]
    revised.add((fake, RDF.type, JY.ImplementingProgram))
    revised.add((fake, RDFS.label, Literal("架空の事業", lang="ja")))
    body = _validate(client, revised)
    assert body["conforms"] is False
    assert body["diff"]["summary"] == {"added": 1, "removed": 1, "changed": 0}
    assert body["diff"]["removed"] == [
        {"id": "prog-outreach", "label": "アウトリーチ等を通じた継続的支援事業", "type": "実施事業"}
    ]
    assert [a["id"] for a in body["diff"]["added"]] == ["prog-bogus"]
    assert body["active_revision"] == revision
    assert body["revision"] != revision
    after = client.get("/v1/programs")
    assert after.json() == before.json()
    assert [p["id"] for p in after.json()["programs"]].count("prog-outreach") == 1
    assert "prog-bogus" not in [p["id"] for p in after.json()["programs"]]
    assert after.headers["x-plan-revision"] == revision
    assert client.get("/health").json()["revision"] == revision
    assert _sparql_count(client) == count
    assert client.get("/v1/programs/prog-bogus").status_code == 404


EVIL_SHAPE = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
<urn:evil:EveryProgramShape> a sh:NodeShape ;
    sh:targetClass <https://w3id.org/jyuso-kb/ontology#ImplementingProgram> ;
    sh:property [ sh:path <urn:evil:never> ; sh:minCount 1 ; sh:severity sh:Violation ;
                  sh:message "EVIL: すべての事業が違反"@ja ] .
"""


def test_uploaded_shapes_are_data_not_shapes(client: TestClient) -> None:
    """The plan with a shape that every programme breaks, and without one 所管課: exactly the project's finding (the
    uploaded shape would add one per programme)."""
    with_shape = _plan_turtle(client) + Graph().parse(data=EVIL_SHAPE, format="turtle")
    with_shape.remove((UOZU["prog-outreach"], JY.responsibleDepartment, UOZU["dept-shakaifukushi"]))
    body = _validate(client, with_shape)
    assert "EVIL" not in json.dumps(body, ensure_ascii=False).replace("urn:evil:EveryProgramShape", "")
    assert body["conforms"] is False
    assert body["findings"] == [
        {
            "severity": "violation",
            "focus": "uozu:prog-outreach",
            "focus_label": "アウトリーチ等を通じた継続的支援事業",
            "shape": "jysh:ProgramDepartment",
            "path": "jy:responsibleDepartment",
            "message": "事業に所管課がないか、所管課が既知の課ではありません。",
            "hint": "事業に所管課を1つ指定してください(計画で定義された課から)。",
            "value": "",
            "location": "",
            "focus_kind": "実施事業",
            "path_label": "所管課",
            "value_label": "",
        }
    ]
    # and the project's shapes never end up in the served data graph
    ask = client.get("/v1/sparql", params={"query": "ASK { ?s a <http://www.w3.org/ns/shacl#NodeShape> }"})
    assert ask.json() == {"head": {}, "boolean": False}


# ---------------------------------------------------------------------------------------------------------------
# 7. Household data never leaves memory: no canary in any log or error body; no-store on private answers.
# ---------------------------------------------------------------------------------------------------------------

CANARY = "CANARY-7f3a"


def _household_requests(tag: str) -> list[tuple[str, Request, int]]:
    def c(field: str) -> str:
        return f"{CANARY}-{field}-{tag}"

    many = [c(f"many{i}") for i in range(31)]
    return [
        (
            "needs+members",
            (
                "POST",
                "/v1/route",
                {"json": {"needs": [c("needs")], "members": [{"age": 40, "needs": [c("members.needs")]}]}},
            ),
            200,
        ),
        ("who-get", ("GET", "/v1/who-handles", {"params": {"q": c("q-get")}}), 200),
        ("who-post", ("POST", "/v1/who-handles", {"json": {"q": c("q-post")}}), 200),
        ("bad-as-of", ("POST", "/v1/route", {"json": {"needs": ["親の介護"], "as_of": c("as_of")}}), 422),
        ("long-need", ("POST", "/v1/route", {"json": {"needs": [c("long-need") + "あ" * 250]}}), 422),
        (
            "long-member-need",
            ("POST", "/v1/route", {"json": {"needs": ["親の介護"], "members": [{"needs": [c("long-m") + "x" * 250]}]}}),
            422,
        ),
        (
            "extra-field-value",
            ("POST", "/v1/route", {"json": {"needs": [c("n-extra")], "note": c("extra-value")}}),
            422,
        ),
        (
            "member-extra-value",
            ("POST", "/v1/route", {"json": {"needs": ["x"], "members": [{"age": 1, "name": c("m-extra")}]}}),
            422,
        ),
        ("31-needs", ("POST", "/v1/route", {"json": {"needs": many}}), 422),
        (
            "31-needs-with-members",
            ("POST", "/v1/route", {"json": {"needs": many[:20], "members": [{"needs": many[20:]}]}}),
            400,
        ),
        ("bad-age", ("POST", "/v1/route", {"json": {"needs": [c("age-need")], "members": [{"age": c("age")}]}}), 422),
        (
            "malformed-json",
            (
                "POST",
                "/v1/route",
                {
                    "content": ('{"needs": ["' + c("malformed")).encode(),
                    "headers": {"content-type": "application/json"},
                },
            ),
            422,
        ),
        ("who-get-long", ("GET", "/v1/who-handles", {"params": {"q": c("q-long") + "あ" * 250}}), 422),
        ("who-post-long", ("POST", "/v1/who-handles", {"json": {"q": c("qp-long") + "あ" * 250}}), 422),
        ("who-post-extra", ("POST", "/v1/who-handles", {"json": {"q": c("qp"), "note": c("qp-extra")}}), 422),
        ("who-get-over-4k", ("GET", "/v1/who-handles", {"params": {"q": c("q-4k") + "x" * 5000}}), 414),
        ("who-get-empty-and-canary-param", ("GET", "/v1/who-handles", {"params": {"q": "", "x": c("param")}}), 422),
    ]


def _check_household_responses(responses: list[tuple[str, httpx.Response, int]]) -> None:
    for name, response, status in responses:
        assert response.status_code == status, (name, response.status_code, response.text[:200])
        assert response.headers["cache-control"] == "no-store", name
        if status >= 400:
            assert CANARY not in response.text, (name, response.text)
            assert_error(response, status)


def test_household_canaries_never_reach_the_server_log(real_server: RealServer) -> None:
    tag = uuid.uuid4().hex[:8]
    mark = real_server.mark()
    responses = []
    for name, (method, path, kwargs), status in _household_requests(tag):
        # one connection per request, so that each request is observed on its own
        with real_server.client(headers={"connection": "close"}) as c:
            responses.append((name, c.request(method, path, **kwargs), status))
    time.sleep(0.2)
    log = real_server.log_since(mark)
    assert "jyuso_kb.access INFO POST /v1/route 200" in log  # the log was captured
    assert log.count(CANARY) == 0, [line for line in log.splitlines() if CANARY in line][:5]
    _check_household_responses(responses)


def test_household_canaries_never_reach_python_logging(
    client: TestClient, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    tag = uuid.uuid4().hex[:8]
    caplog.set_level(logging.DEBUG)
    for name in ("jyuso_kb", "jyuso_kb.access", "uvicorn", "uvicorn.error", "uvicorn.access", "fastapi", "starlette"):
        caplog.set_level(logging.DEBUG, logger=name)
    responses = []
    for name, (method, path, kwargs), status in _household_requests(tag):
        responses.append((name, client.request(method, path, **kwargs), status))
    out, err = capfd.readouterr()
    assert any(r.name == "jyuso_kb.access" for r in caplog.records)  # logging was captured
    # The test's own HTTP client (httpx, in this process) logs the URLs it requests: that is the caller, not the
    # service, so its records are left out. Every other logger is the service's.
    server_side = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    logged = "\n".join(f"{formatter.format(r)} {r.args}" for r in server_side)
    assert CANARY not in logged
    assert CANARY not in out
    assert CANARY not in err
    _check_household_responses(responses)


class FailingServer(RealServer):
    """The real ``jyuso-kb serve`` (same process, same log configuration) whose routing raises an exception quoting
    the household's need: the worst unexpected failure."""

    def command(self) -> list[str]:
        script = (
            "import sys\n"
            "from jyuso_kb import cli\n"
            "from jyuso_kb.answer import route as routing\n"
            "def broken(index, household, today=None):\n"
            "    raise KeyError('lookup failed for ' + ' '.join(household.needs))\n"
            "routing.route = broken\n"
            "sys.exit(cli.main(['serve', '--host', '127.0.0.1', '--port', sys.argv[1]]))\n"
        )
        return [sys.executable, "-c", script, str(self.port)]


@pytest.mark.slow
def test_an_unexpected_failure_is_a_500_in_the_error_shape_and_the_log_keeps_no_detail(tmp_path: Path) -> None:
    need = f"{CANARY}-unexpected"
    with FailingServer(tmp_path / "server.log") as server, server.client() as c:
        mark = server.mark()
        response = c.post("/v1/route", json={"needs": [need]})
        time.sleep(0.2)
        log = server.log_since(mark)
    error = assert_error(response, 500)
    assert error == {
        "code": "internal",
        "message": "内部エラーが発生しました。",
        "where": "",
        "hint": "時間をおいて再度お試しください。",
    }
    assert "Exception in ASGI application (KeyError; details withheld)" in log
    assert "jyuso_kb ERROR unexpected error on /v1/route: KeyError" in log
    assert "jyuso_kb.access INFO POST /v1/route 500 " in log
    assert CANARY not in log, log
    assert "Traceback" not in log


def test_unknown_field_names_are_not_repeated_in_errors(client: TestClient) -> None:
    """An unknown key is part of the rejected input: the error names no key the client invented."""
    key = f"{CANARY}-field-name"
    for path, body in (
        ("/v1/route", {"needs": ["親の介護"], key: "x"}),
        ("/v1/route", {"needs": ["親の介護"], "members": [{"age": 3, key: "x"}]}),
        ("/v1/who-handles", {"q": "空き家", key: "x"}),
    ):
        response = client.post(path, json=body)
        error = assert_error(response, 422)
        assert error["code"] == "invalid_input"
        assert CANARY not in response.text, response.text


# ---------------------------------------------------------------------------------------------------------------
# 8. Errors: one JSON shape, Japanese, no traceback, 4xx — for every operation in the OpenAPI document.
# ---------------------------------------------------------------------------------------------------------------

LONG_QS = {"params": {"x": "a" * 5000}}
BAD_REQUESTS: dict[tuple[str, str], tuple[dict[str, Any], int]] = {
    ("GET", "/health"): (LONG_QS, 414),
    ("GET", "/v1/needs"): (LONG_QS, 414),
    ("POST", "/v1/route"): ({"content": b'{"needs": [', "headers": {"content-type": "application/json"}}, 422),
    ("GET", "/v1/who-handles"): ({}, 422),
    ("POST", "/v1/who-handles"): ({"json": {"q": ""}}, 422),
    ("GET", "/v1/programs"): (LONG_QS, 414),
    ("GET", "/v1/programs/{program_id}"): ({"path": "prog-does-not-exist"}, 404),
    ("GET", "/v1/departments"): (LONG_QS, 414),
    ("GET", "/v1/departments/{department_id}"): ({"path": "dept-does-not-exist"}, 404),
    ("GET", "/v1/meetings"): (LONG_QS, 414),
    ("GET", "/v1/meetings/{meeting_id}"): ({"path": "mtg-does-not-exist"}, 404),
    ("GET", "/v1/matrix"): (LONG_QS, 414),
    ("GET", "/v1/schedule"): (LONG_QS, 414),
    ("GET", "/v1/legal-items"): (LONG_QS, 414),
    ("GET", "/v1/context.jsonld"): (LONG_QS, 414),
    ("GET", "/context.jsonld"): (LONG_QS, 414),
    ("GET", "/v1/workbook/template"): ({"params": {"code": "162044", "name": "魚津市"}}, 422),  # a wrong check digit
    ("GET", "/v1/workbook"): (LONG_QS, 414),
    ("GET", "/v1/catalog"): ({"params": {"format": "xml"}}, 422),
    ("GET", "/v1/export/{standard}"): ({"path": "no-such-standard"}, 404),
    ("GET", "/v1/dcat"): ({"params": {"format": "xml"}}, 422),
    ("GET", "/v1/sparql"): ({}, 422),
    ("POST", "/v1/sparql"): ({"content": b"SELECT * {}", "headers": {"content-type": "text/plain"}}, 415),
    ("POST", "/v1/validate"): ({"content": b"<urn:a> <urn:b> .", "headers": TTL}, 400),
    ("GET", "/v1/revisions"): (LONG_QS, 414),
    ("POST", "/v1/revisions"): ({"content": b"<urn:a> <urn:b> <urn:c> .", "headers": TTL}, 401),
    ("POST", "/v1/revisions/{revision_id}/activate"): ({"path": "no-such-revision/activate"}, 401),
    ("POST", "/v1/revisions/diff"): ({"json": {"old": "no-such-revision"}}, 404),
    ("GET", "/v1/rules"): (LONG_QS, 414),
    ("GET", "/v1/changes"): ({"params": {"since": "no-such-revision"}}, 404),
    ("GET", "/v1/municipalities"): (LONG_QS, 414),
    ("GET", "/v1/municipalities/{code}"): ({"path": "123456"}, 404),
    ("GET", "/ontology"): ({"params": {"format": "xml"}}, 422),
    ("GET", "/shapes"): ({"params": {"format": "xml"}}, 422),
    ("GET", "/needs/{item}"): ({"path": "no-such-need"}, 404),
    ("GET", "/law/{law_id}/{item}"): ({"path": "326AC0000000045/no-such-provision"}, 404),
    ("GET", "/rules/{item}"): ({"path": "no-such-rule"}, 404),
    ("GET", "/data/{name}/{item}"): ({"path": "uozu/no-such-thing"}, 404),
    ("GET", "/v1/resources/{name}/{item}"): ({"path": "uozu/no-such-thing"}, 404),
    # without a national store (this app has none) the national answers say so, whatever the parameters
    ("GET", "/v1/national/programs"): ({"params": {"limit": "0"}}, 404),
    ("GET", "/v1/national/summary"): ({"params": {"by": "city"}}, 404),
    ("GET", "/v1/national/collaboration"): ({"params": {"function": "none"}}, 404),
}
SHARED: tuple[str, ...] = (
    "/health",
    "/v1/municipalities",
    "/v1/context.jsonld",
    "/context.jsonld",
    "/v1/workbook/template",
    "/v1/national/",
)
SHARED += ("/ontology", "/shapes", "/needs/", "/law/", "/rules/", "/data/")  # IRIs: the same for every municipality
# Every plan-scoped operation again under /v1/municipalities/{code}/, with the same bad request and the same answer.


def _url(path: str, kwargs: dict[str, Any]) -> str:
    """The URL of a request: its ``path`` replaces the template from its first placeholder on."""
    return path.split("{")[0] + kwargs["path"] if "path" in kwargs else path


BAD_REQUESTS |= {
    (method, "/v1/municipalities/{code}/" + path[len("/v1/") :]): (
        {**kwargs, "path": "162043/" + _url(path, kwargs)[len("/v1/") :]},
        status,
    )
    for (method, path), (kwargs, status) in list(BAD_REQUESTS.items())
    if not path.startswith(SHARED)
}


def _operations(client: TestClient) -> set[tuple[str, str]]:
    spec = client.get("/openapi.json").json()
    return {(method.upper(), path) for path, item in spec["paths"].items() for method in item if method != "parameters"}


def test_every_operation_has_a_bad_request_answered_with_the_error_shape(client: TestClient) -> None:
    assert _operations(client) == set(BAD_REQUESTS)
    for (method, path), (kwargs, status) in sorted(BAD_REQUESTS.items()):
        kwargs = dict(kwargs)
        url = _url(path, kwargs)
        kwargs.pop("path", None)
        assert url.count("/") == path.count("/"), url
        response = client.request(method, url, **kwargs)
        assert_error(response, status)


@pytest.mark.parametrize(
    ("path", "where", "message"),
    [
        ("/v1/programs/nope", "program_id", "指定された事業は見つかりません。"),
        ("/v1/departments/nope", "department_id", "指定された課は見つかりません。"),
        ("/v1/meetings/nope", "meeting_id", "指定された会議は見つかりません。"),
        ("/v1/no-such-endpoint", "path", "見つかりません。"),  # the path is named, never quoted
    ],
)
def test_unknown_ids_get_404(client: TestClient, path: str, where: str, message: str) -> None:
    error = assert_error(client.get(path), 404)
    assert error["code"] == "not_found"
    assert error["where"] == where
    assert error["message"] == message


@pytest.mark.parametrize(
    ("name", "body", "status", "where"),
    [
        ("malformed-json", b'{"needs": ["a"', 422, "body"),
        ("not-an-object", b"[]", 422, ""),
        ("needs-not-a-list", json.dumps({"needs": "親の介護"}).encode(), 422, "needs"),
        ("need-not-a-string", json.dumps({"needs": [1]}).encode(), 422, "needs.0"),
        ("age-not-a-number", json.dumps({"needs": ["a"], "members": [{"age": "old"}]}).encode(), 422, "members.0.age"),
        ("age-negative", json.dumps({"needs": ["a"], "members": [{"age": -1}]}).encode(), 422, "members.0.age"),
        ("consent-not-a-boolean", json.dumps({"needs": ["a"], "consent": "maybe"}).encode(), 422, "consent"),
        ("as-of-impossible-date", json.dumps({"needs": ["a"], "as_of": "2025-02-30"}).encode(), 422, "as_of"),
        ("as-of-not-a-date", json.dumps({"needs": ["a"], "as_of": "R7.10.1"}).encode(), 422, "as_of"),
        ("as-of-a-number", json.dumps({"needs": ["a"], "as_of": 0}).encode(), 422, "as_of"),
        ("31-needs", json.dumps({"needs": ["a"] * 31}).encode(), 422, "needs"),
        (
            "31-needs-over-members",
            json.dumps({"needs": ["a"] * 20, "members": [{"needs": ["b"] * 11}]}).encode(),
            400,
            "needs",
        ),
        ("no-needs", b"{}", 400, "needs"),
        ("empty-need", json.dumps({"needs": [""]}).encode(), 422, "needs.0"),
    ],
)
def test_bad_route_bodies_get_the_error_shape(
    client: TestClient, name: str, body: bytes, status: int, where: str
) -> None:
    response = client.post("/v1/route", content=body, headers={"content-type": "application/json"})
    error = assert_error(response, status)
    assert error["where"] == where, error


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/turtle", b"<urn:a> <urn:b> 0"),  # a statement whose final "." was forgotten
        ("text/turtle", b"false"),
        ("text/turtle", b"0"),
        ("text/turtle", b'"0'),  # a string whose closing quote is missing (rdflib asserts)
        ("text/turtle", b'<urn:a> <urn:b> """x'),
        ("application/ld+json", b'"AAA"'),
        ("application/ld+json", b"1"),
        ("application/ld+json", b"null"),
    ],
)
def test_unparseable_uploads_get_400_not_500(client: TestClient, content_type: str, body: bytes) -> None:
    error = assert_error(client.post("/v1/validate", content=body, headers={"content-type": content_type}), 400)
    assert error["code"] == "syntax_error"


@pytest.mark.parametrize(
    ("name", "parse"), [("every-construct.ttl", parse_turtle), ("every-construct.jsonld", parse_jsonld)]
)
def test_a_plan_cut_anywhere_is_a_syntax_error_never_a_crash(name: str, parse: Callable[[str], Graph]) -> None:
    """Every prefix and every suffix of a document using every construct either parses or is an InputError (400 in
    the API, exit 2 in the CLI): rdflib's own exceptions, asserts included, never escape."""
    text = (TESTS / "fixtures" / "input" / name).read_text(encoding="utf-8")
    assert len(parse(text)) > 5
    escaped = []
    for cut in range(len(text) + 1):
        for piece in (text[:cut], text[cut:]):
            try:
                parse(piece)
            except InputError:
                pass
            except Exception as err:  # noqa: BLE001 - the test looks for any exception that is not ours
                escaped.append((cut, type(err).__name__))
    assert escaped == []


@pytest.mark.parametrize("path", ["/v1/who-handles", "/v1/programs", "/v1/sparql", "/health"])
def test_query_string_over_4_kib_gets_414(client: TestClient, path: str) -> None:
    error = assert_error(client.get(path, params={"q": "あ" * 1400}), 414)  # 1,400 kana = 12.6 KB percent-encoded
    assert error == {
        "code": "query_too_long",
        "message": "URL の問い合わせ文字列が長すぎます。",
        "where": "query",
        "hint": "POST で送ってください。",
    }


@pytest.mark.parametrize(
    ("method", "path"),
    [("DELETE", "/v1/needs"), ("PUT", "/v1/programs"), ("GET", "/v1/route"), ("GET", "/v1/validate")],
)
def test_wrong_method_gets_the_error_shape(client: TestClient, method: str, path: str) -> None:
    error = assert_error(client.request(method, path), 405)
    assert error["code"] == "method_not_allowed"


REJECTED_BY_HANDLERS: list[tuple[str, Request, int]] = [
    ("route-no-needs", ("POST", "/v1/route", {"json": {}}), 400),
    (
        "route-too-many-needs",
        ("POST", "/v1/route", {"json": {"needs": ["a"] * 20, "members": [{"needs": ["b"] * 11}]}}),
        400,
    ),
    (
        "validate-415",
        ("POST", "/v1/validate", {"content": b"<a/>", "headers": {"content-type": "application/rdf+xml"}}),
        415,
    ),
    ("validate-syntax", ("POST", "/v1/validate", {"content": b"<urn:a> <urn:b> .", "headers": TTL}), 400),
    (
        "validate-remote-context",
        ("POST", "/v1/validate", {"content": b'{"@context": "http://127.0.0.1:9/c"}', "headers": JSONLD}),
        400,
    ),
    (
        "validate-long-literal",
        ("POST", "/v1/validate", {"content": b'<urn:a> <urn:b> "' + b"a" * 70000 + b'" .', "headers": TTL}),
        422,
    ),
]


@pytest.fixture
def strict(api: TestClient) -> TestClient:
    """A client that re-raises any exception escaping the app: the shared ``api`` (TestClient's default)."""
    return api


@pytest.mark.parametrize(("name", "request_", "status"), REJECTED_BY_HANDLERS, ids=[r[0] for r in REJECTED_BY_HANDLERS])
def test_errors_raised_by_handlers_do_not_escape_the_app(
    strict: TestClient, name: str, request_: Request, status: int
) -> None:
    """A refused request is an answer, not an exception escaping the app after the answer was sent."""
    method, path, kwargs = request_
    assert_error(strict.request(method, path, **kwargs), status)


def test_refused_requests_leave_no_traceback_and_keep_the_connection(real_server: RealServer) -> None:
    """On a real server: refused uploads and households answer 4xx, the next request on the same keep-alive
    connection still works, and the server log holds no traceback."""
    server = real_server
    mark = server.mark()
    with server.client() as c:
        for name, (method, path, kwargs), status in REJECTED_BY_HANDLERS:
            response = c.request(method, path, **kwargs)
            assert_error(response, status)
            try:
                follow = c.get("/health")
            except httpx.TransportError as err:  # the server dropped the keep-alive connection
                pytest.fail(f"after {name}: {type(err).__name__}: {err}")
            assert follow.status_code == 200
        time.sleep(0.2)
        log = server.log_since(mark)
    assert "Traceback" not in log, log[log.find("Traceback") - 300 : log.find("Traceback") + 600]
    assert "Exception in ASGI application" not in log


# ---------------------------------------------------------------------------------------------------------------
# 9. CSV cannot carry a formula.
# ---------------------------------------------------------------------------------------------------------------

FORMULAS = {
    "label_ja": '=HYPERLINK("http://127.0.0.1:9/x","x")',
    "label_en": "+SUM(1,2)",
    "target_group": "-2+3",
    "activity": "@SUM(A1:A2)",
}


@pytest.fixture(scope="module")
def formula_plan() -> PlanSource:
    """The embedded plan, with labels an attacker could have typed into a revision."""
    plan = load_embedded()
    data = Graph()
    data += plan.data
    for prefix, namespace in plan.data.namespaces():
        data.bind(prefix, namespace)
    program = UOZU["prog-outreach"]
    group = next(iter(data.objects(program, JY.targetGroup)))
    activity = min(data.objects(program, JY.activity), key=lambda a: int(str(data.value(a, JY.order))))
    for node, lang, text in (
        (program, "ja", FORMULAS["label_ja"]),
        (program, "en", FORMULAS["label_en"]),
        (group, "ja", FORMULAS["target_group"]),
        (activity, "ja", FORMULAS["activity"]),
    ):
        for old in [o for o in data.objects(node, RDFS.label) if isinstance(o, Literal) and o.language == lang]:
            data.remove((node, RDFS.label, old))
        data.add((node, RDFS.label, Literal(text, lang=lang)))
    return PlanSource(plan.vocabulary, data, "formula test")


def _assert_no_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert cell[:1] not in ("=", "+", "-", "@"), (cell, row[:2])


def test_catalog_csv_escapes_formulas(formula_plan: PlanSource) -> None:
    with TestClient(create_app(Settings(sparql_workers=1), plan=formula_plan)) as c:
        response = c.get("/v1/catalog", params={"format": "csv"})
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.text)))
    _assert_no_formula(rows)
    header = rows[0]
    row = next(r for r in rows[1:] if r[header.index("id")] == "prog-outreach")
    assert row[header.index("label")] == "'" + FORMULAS["label_ja"]
    assert row[header.index("label_en")] == "'" + FORMULAS["label_en"]
    assert row[header.index("target_group")] == "'" + FORMULAS["target_group"]
    assert row[header.index("activities")].startswith("'" + FORMULAS["activity"] + "; ")


def test_embedded_catalog_csv_has_no_formula(client: TestClient) -> None:
    rows = list(csv.reader(io.StringIO(client.get("/v1/catalog", headers={"accept": "text/csv"}).text)))
    assert len(rows) == 13
    _assert_no_formula(rows)


def test_sparql_csv_escapes_formulas(client: TestClient) -> None:
    query = 'SELECT ?x ?y WHERE { VALUES (?x ?y) { ("=1+1" "ok") ("+1" "-1") ("@SUM(A1)" <urn:=x>) (-5 "a=b") } }'
    response = client.get("/v1/sparql", params={"query": query}, headers={"accept": "text/csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    _assert_no_formula(rows)
    assert rows == [["x", "y"], ["'=1+1", "ok"], ["'+1", "'-1"], ["'@SUM(A1)", "urn:=x"], ["'-5", "a=b"]]


def test_sparql_csv_escapes_leading_tab_and_carriage_return_like_the_catalog_csv(client: TestClient) -> None:
    """The catalog CSV (export.csv_cell) also escapes cells starting with a tab or a carriage return."""
    query = 'SELECT ?x WHERE { VALUES ?x { "\\t=1+1" "\\r=1+1" } }'
    response = client.get("/v1/sparql", params={"query": query}, headers={"accept": "text/csv"})
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows == [["x"], ["'\t=1+1"], ["'\r=1+1"]]


# ---------------------------------------------------------------------------------------------------------------
# 10. CORS: open for the catalog, closed for household routing.
# ---------------------------------------------------------------------------------------------------------------

ORIGIN = {"origin": "https://example.org"}


@pytest.mark.parametrize("path", ["/v1/programs", "/v1/workbook/template?code=232068&name=春日井市"])
def test_catalog_allows_any_origin(client: TestClient, path: str) -> None:
    """The catalog and the blank workbook are public: another origin's page may fetch them."""
    response = client.get(path, headers=ORIGIN)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"


def test_catalog_preflight(client: TestClient) -> None:
    response = client.options(
        "/v1/catalog",
        headers={**ORIGIN, "access-control-request-method": "GET", "access-control-request-headers": "accept"},
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-methods"] == "GET, OPTIONS"
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.content == b""


def test_route_is_not_open_to_other_origins(client: TestClient) -> None:
    response = client.post("/v1/route", json=ROUTE_BODY, headers=ORIGIN)
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
    preflight = client.options("/v1/route", headers={**ORIGIN, "access-control-request-method": "POST"})
    assert preflight.headers.get("access-control-allow-origin") != "*"
    assert "access-control-allow-methods" not in preflight.headers
    assert JAPANESE.search(preflight.json()["error"]["message"])
