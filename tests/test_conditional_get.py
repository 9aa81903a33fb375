"""Conditional GET on the catalog and the exports: ETag and Last-Modified on every answer, 304 when unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from email.utils import parsedate_to_datetime

import pytest
from fastapi.testclient import TestClient

from jyuso_kb.plan.source import PlanSource
from jyuso_kb.serve.app import create_app
from jyuso_kb.serve.settings import Settings

KASOU = "999008"


@pytest.fixture(scope="module")
def two(uozu: PlanSource, kasou: PlanSource) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(sparql_workers=1), plans=[uozu, kasou])) as client:
        yield client


@pytest.mark.parametrize(
    "path",
    [
        "/v1/programs",
        "/v1/departments/dept-shakaifukushi",
        "/v1/catalog?format=ttl",
        "/v1/export/cpsv-ap",
        "/v1/export/hsds",
        "/v1/export/schema-org",
        "/v1/export/gif",
        "/v1/dcat",
        "/v1/rules",
        "/context.jsonld",
        f"/v1/municipalities/{KASOU}/export/hsds",
        f"/v1/municipalities/{KASOU}/catalog?format=csv",
    ],
)
def test_an_unchanged_answer_is_a_304_without_a_body(two: TestClient, path: str) -> None:
    first = two.get(path)
    assert first.status_code == 200
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert etag.startswith('"') and len(etag) == 34
    assert parsedate_to_datetime(modified).tzinfo is not None
    again = two.get(path, headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag and again.headers["last-modified"] == modified
    assert two.get(path, headers={"if-none-match": f'W/{etag}, "other"'}).status_code == 304
    assert two.get(path, headers={"if-none-match": '"something-else"'}).status_code == 200


def test_each_format_and_each_municipality_has_its_own_etag(two: TestClient) -> None:
    tags = {two.get("/v1/catalog", params={"format": f}).headers["etag"] for f in ("json", "jsonld", "ttl", "csv")}
    assert len(tags) == 4
    ours = two.get("/v1/programs").headers["etag"]
    theirs = two.get(f"/v1/municipalities/{KASOU}/programs").headers["etag"]
    assert ours != theirs
    assert two.get("/v1/programs/no-such-programme").status_code == 404
    assert "etag" not in two.get("/v1/programs/no-such-programme").headers
    assert "etag" not in two.post("/v1/route", json={"needs": ["ひきこもり"]}).headers  # never a household's answer


def test_a_negotiated_answer_says_it_varies_with_accept(two: TestClient) -> None:
    for path in ("/v1/catalog", "/v1/dcat", f"/v1/municipalities/{KASOU}/dcat"):
        for accept in ("text/turtle", "application/ld+json"):
            first = two.get(path, headers={"accept": accept})
            assert first.status_code == 200 and first.headers["vary"] == "Accept", (path, accept)
            again = two.get(path, headers={"accept": accept, "if-none-match": first.headers["etag"]})
            assert again.status_code == 304 and again.headers["vary"] == "Accept"


def test_the_context_iri_is_the_published_context(two: TestClient) -> None:
    iri = two.get("/context.jsonld")
    assert iri.headers["content-type"] == "application/ld+json" and iri.headers["access-control-allow-origin"] == "*"
    assert iri.content == two.get("/v1/context.jsonld").content and "@context" in iri.json()
