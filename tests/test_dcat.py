"""The dataset description (DCAT 3) at /v1/dcat: publisher, licence, plan period, one distribution per format the
service gives, each of which answers with the media type it declares; linked from the catalog."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import redirect_stdout
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, FOAF, XSD

from jyuso_kb import cli, resources
from jyuso_kb.formats import standards
from jyuso_kb.plan.source import PlanSource
from jyuso_kb.serve.app import create_app
from jyuso_kb.serve.settings import Settings

DCAT = Namespace("http://www.w3.org/ns/dcat#")
CC_BY = URIRef("https://creativecommons.org/licenses/by/4.0/")
UOZU, KASOU = "162043", "999008"


@pytest.fixture(scope="module")
def two(uozu: PlanSource, kasou: PlanSource) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(sparql_workers=1), plans=[uozu, kasou])) as client:
        yield client


def _record(client: TestClient, path: str = "/v1/dcat") -> Graph:
    r = client.get(path)
    assert r.status_code == 200 and r.headers["content-type"] == "text/turtle; charset=utf-8"
    return Graph().parse(data=r.text, format="turtle")


def test_the_dataset_says_who_when_and_under_which_licence(two: TestClient) -> None:
    record = _record(two)
    (dataset,) = record.subjects(RDF.type, DCAT.Dataset)
    assert record.value(dataset, DCTERMS.title) is not None
    titles = {(str(t), t.language) for t in record.objects(dataset, DCTERMS.title)}
    assert ("魚津市重層的支援体制整備事業（移行準備事業）実施計画", "ja") in titles
    publisher = record.value(dataset, DCTERMS.publisher)
    assert record.value(publisher, FOAF.name) == Literal("魚津市", lang="ja")
    assert record.value(publisher, DCTERMS.identifier) == Literal(UOZU)
    period = record.value(dataset, DCTERMS.temporal)
    assert record.value(period, DCAT.startDate) == Literal("2024-04-01", datatype=XSD.date)
    assert record.value(period, DCAT.endDate) == Literal("2027-03-31", datatype=XSD.date)
    assert record.value(dataset, DCTERMS.issued) == Literal("2025-03", datatype=XSD.gYearMonth)
    assert record.value(dataset, DCTERMS.license) == CC_BY
    assert "魚津市にあります" in str(record.value(dataset, DCTERMS.rights))
    (catalog,) = record.subjects(RDF.type, DCAT.Catalog)
    assert record.value(catalog, DCAT.dataset) == dataset


def test_every_distribution_answers_with_its_media_type(two: TestClient) -> None:
    record = _record(two)
    (dataset,) = record.subjects(RDF.type, DCAT.Dataset)
    distributions = list(record.objects(dataset, DCAT.distribution))
    offered = {"catalog?format=" + f for f in ("json", "jsonld", "ttl", "csv")}
    offered |= {"export/" + name for name in standards.names() if name != "dcat"}
    seen = set()
    for distribution in distributions:
        url = str(record.value(distribution, DCAT.downloadURL))
        media = str(record.value(distribution, DCAT.mediaType)).removeprefix(
            "http://www.iana.org/assignments/media-types/"
        )
        path = urlsplit(url)
        assert path.netloc == "testserver" and path.path.startswith(f"/v1/municipalities/{UOZU}/")
        seen.add(url.split(f"/v1/municipalities/{UOZU}/")[1])
        answer = two.get(path.path + ("?" + path.query if path.query else ""))
        assert answer.status_code == 200, url
        assert answer.headers["content-type"].split(";")[0] == media, url
    assert seen == offered  # one distribution per format the service gives, no more


def test_a_standard_distribution_names_the_standard_its_export_follows(two: TestClient) -> None:
    record = _record(two)
    for name in standards.names():
        if name == "dcat":
            continue
        distribution = next(
            d for d in record.subjects(RDF.type, DCAT.Distribution) if str(d).endswith(f"/distribution/{name}")
        )
        assert str(record.value(distribution, DCTERMS.conformsTo)) == standards.headers(name)["standard"], name


def test_the_sparql_endpoint_is_a_data_service(two: TestClient) -> None:
    record = _record(two)
    (service,) = record.subjects(RDF.type, DCAT.DataService)
    endpoint = urlsplit(str(record.value(service, DCAT.endpointURL)))
    assert endpoint.path == f"/v1/municipalities/{UOZU}/sparql"
    answer = two.get(endpoint.path, params={"query": "ASK { ?s ?p ?o }"}, headers={"accept": "application/json"})
    assert answer.status_code == 200 and answer.json()["boolean"] is True


def test_each_municipality_has_its_own_record(two: TestClient) -> None:
    record = _record(two, f"/v1/municipalities/{KASOU}/dcat")
    (dataset,) = record.subjects(RDF.type, DCAT.Dataset)
    assert record.value(record.value(dataset, DCTERMS.publisher), FOAF.name) == Literal("架空町", lang="ja")
    urls = {str(u) for u in record.objects(None, DCAT.downloadURL)}
    assert urls and all(f"/v1/municipalities/{KASOU}/" in u for u in urls)


def test_the_catalog_links_to_it(two: TestClient) -> None:
    for fmt in ("json", "jsonld", "ttl", "csv"):
        answer = two.get("/v1/catalog", params={"format": fmt})
        assert f'</v1/municipalities/{UOZU}/dcat>; rel="describedby"' in answer.headers["link"], fmt
    assert two.get("/v1/catalog").json()["dcat"] == f"/v1/municipalities/{UOZU}/dcat"
    theirs = two.get(f"/v1/municipalities/{KASOU}/catalog")
    assert f"/v1/municipalities/{KASOU}/dcat" in theirs.headers["link"]


def test_json_ld_twin_and_validators(two: TestClient) -> None:
    turtle = _record(two)
    jsonld = two.get("/v1/dcat", headers={"accept": "application/ld+json"})
    assert jsonld.headers["content-type"] == "application/ld+json"
    assert isomorphic(Graph().parse(data=jsonld.text, format="json-ld"), turtle)
    assert two.get("/v1/dcat?format=jsonld").text == jsonld.text
    again = two.get("/v1/dcat", headers={"if-none-match": two.get("/v1/dcat").headers["etag"]})
    assert again.status_code == 304
    bad = two.get("/v1/dcat?format=xml")
    assert bad.status_code == 422 and bad.json()["error"]["code"]


def test_a_strange_host_is_not_written_into_the_links(two: TestClient) -> None:
    for host in ("evil.example/<x>", "a b", "x:123456789"):
        answer = two.get("/v1/dcat", headers={"host": host})
        assert answer.status_code == 200 and "<x>" not in answer.text and "a b" not in answer.text
        record = Graph().parse(data=answer.text, format="turtle")
        netlocs = {urlsplit(str(u)).netloc for u in record.objects(None, DCAT.downloadURL)}
        assert netlocs and netlocs <= {"testserver", "w3id.org"}, host
    moved = _record_for_host(two, "kb.example.jp:8443")
    assert {urlsplit(str(u)).netloc for u in moved.objects(None, DCAT.downloadURL)} == {"kb.example.jp:8443"}


def _record_for_host(client: TestClient, host: str) -> Graph:
    return Graph().parse(data=client.get("/v1/dcat", headers={"host": host}).text, format="turtle")


def test_the_cli_writes_the_record_with_permanent_urls() -> None:
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli.main(["export", "--format", "dcat", "--data", str(resources.municipality_dir())]) == 0
    record = Graph().parse(data=out.getvalue(), format="turtle")
    endpoint = next(record.objects(None, DCAT.endpointURL))
    assert str(endpoint) == f"https://w3id.org/jyuso-kb/v1/municipalities/{UOZU}/sparql"
