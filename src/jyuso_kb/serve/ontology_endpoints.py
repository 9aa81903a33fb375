"""The vocabulary and every IRI the service mints, dereferenceable: ``https://w3id.org/jyuso-kb/<path>`` is answered
at ``/<path>`` (docs/iri.md: the w3id.org redirect), with content negotiation (``Accept``, or ``?format=``;
``Vary: Accept``). Turtle is the default for ``*/*``; a browser's Accept gets HTML.

- ``/ontology`` (every ``…/ontology#term``): the ontology as a readable page, Turtle or JSON-LD; ``/shapes`` (every
  ``…/shapes#shape``) the same for the SHACL shapes.
- ``/needs/{id}``, ``/law/{law}/{id}``, ``/rules/{id}``: the thesaurus, the law's provisions, the routing rules (the
  same for every municipality), each described in Turtle, JSON-LD or a small page.
- ``/data/{name}/{id}``: a thing in one municipality's plan (the municipality whose data describes that IRI). A
  programme is not a document, so the IRI answers 303 See Other: a browser goes to the thing's view on the web page
  (programmes, departments, meetings) or else to its HTML description, a tool to its description in Turtle or
  JSON-LD at ``/v1/municipalities/{code}/resources/{name}/{id}``, answered from that municipality's snapshot and
  named by its headers (``X-Municipality-Code``, ``X-Plan-Revision``).

The ontology page (with examples from the default municipality's plan) is built once per snapshot, the first time
it is asked for, in the exports thread; the vocabulary's Turtle, JSON-LD and shapes page once per process. An
unknown IRI is a 404 in the error shape.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from functools import lru_cache, partial
from typing import Annotated, Any, Generic, TypeVar
from urllib.parse import quote

from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from rdflib import RDF, Graph, URIRef

from jyuso_kb import resources
from jyuso_kb.formats import describe, ontology_page, standards
from jyuso_kb.formats.export import to_jsonld
from jyuso_kb.formats.rdf_html import BASE, HEADERS
from jyuso_kb.formats.standards import JSONLD
from jyuso_kb.namespaces import JY, bind_prefixes
from jyuso_kb.plan.read import read_files
from jyuso_kb.plan.terms import local_id
from jyuso_kb.reason.rules import rule_graph, rules
from jyuso_kb.serve.current import snapshot_of
from jyuso_kb.serve.errors import ERRORS, ErrorResponse, error, not_found
from jyuso_kb.serve.executors import run_in
from jyuso_kb.serve.negotiate import negotiate
from jyuso_kb.serve.resident import Resident
from jyuso_kb.serve.snapshot import Snapshot
from jyuso_kb.serve.tenants import SCOPE, Tenants

T = TypeVar("T")
OFFERED = {"text/turtle": "ttl", "application/ld+json": "jsonld", "text/html": "html", "application/xhtml+xml": "html"}
MEDIA = {"ttl": "text/turtle; charset=utf-8", "jsonld": "application/ld+json", "html": "text/html; charset=utf-8"}
VARY = {"vary": "Accept"}
# The views of the web page (serve/web/app.js) an IRI of these classes has: #/programs/<id> …
PAGE_VIEWS = ((JY.ImplementingProgram, "programs"), (JY.Department, "departments"), (JY.Meeting, "meetings"))

Format = Annotated[
    str | None,
    Query(pattern="^(html|ttl|jsonld)$", description="形式(Accept の代わりに): html、ttl(Turtle)、jsonld(JSON-LD)"),
]
NOT_ACCEPTABLE = {"model": ErrorResponse, "description": "Accept のどの形式でも返せない"}
DESCRIBED: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/turtle": {}, "application/ld+json": {}, "text/html": {}},
        "description": "説明(Accept で形式を選ぶ。format= でも指定可。既定は Turtle)",
    },
    404: ERRORS[404],
    406: NOT_ACCEPTABLE,
    422: ERRORS[422],
}
REDIRECTED: dict[int | str, dict[str, Any]] = {
    303: {
        "description": "ブラウザには Web ページのその項目(なければ HTML の説明)、ツールには Turtle / JSON-LD の説明の URL"
    },
    404: ERRORS[404],
    406: NOT_ACCEPTABLE,
    422: ERRORS[422],
}


class Lazy(Generic[T]):
    """A value built once (in a worker thread), then kept."""

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._value: T | None = None
        self._lock = threading.Lock()

    def build(self) -> T:
        with self._lock:
            if self._value is None:
                self._value = self._build()
            return self._value

    async def get(self, request: Request) -> T:
        return self._value if self._value is not None else await run_in(request.app.state.executors.exports, self.build)


class PerSnapshot(Generic[T]):
    """A value built once per snapshot of each municipality; the one of its last snapshot is kept, as long as that
    snapshot is (a municipality dropped from memory drops its value too)."""

    def __init__(self, build: Callable[[Snapshot], T]) -> None:
        self._build = build
        self._kept: dict[str, tuple[weakref.ref[Snapshot], T]] = {}
        self._lock = threading.Lock()

    def ready(self, snapshot: Snapshot) -> T | None:
        kept = self._kept.get(snapshot.municipality.code)
        return kept[1] if kept is not None and kept[0]() is snapshot else None

    def build(self, snapshot: Snapshot) -> T:
        with self._lock:
            found = self.ready(snapshot)
            if found is None:
                found = self._build(snapshot)
                code = snapshot.municipality.code
                self._kept[code] = (weakref.ref(snapshot, partial(self._forget, code)), found)
            return found

    def _forget(self, code: str, gone: weakref.ref[Snapshot]) -> None:
        kept = self._kept.get(code)
        if kept is not None and kept[0] is gone:
            self._kept.pop(code, None)

    async def get(self, request: Request, snapshot: Snapshot) -> T:
        found = self.ready(snapshot)
        return found if found is not None else await run_in(request.app.state.executors.exports, self.build, snapshot)


@lru_cache(maxsize=1)
def ontology_graph() -> Graph:
    """ontology/*.ttl, read once per process."""
    return bind_prefixes(read_files(resources.ontology_files()))


@lru_cache(maxsize=1)
def shapes_graph() -> Graph:
    return bind_prefixes(read_files(resources.shape_files()))


@lru_cache(maxsize=1)
def rules_graph() -> Graph:
    """The routing rules as RDF (their IRIs under ``…/rules/``), as reasoning adds them."""
    return bind_prefixes(rule_graph(rules()))


def known_iris(graph: Graph) -> dict[str, URIRef]:
    """Each IRI under the project's base that the graph describes, by its path (``data/<name>/prog-outreach``). An IRI
    with a fragment belongs to its document (``/ontology``, ``/shapes``) and is left out."""
    return {
        str(s)[len(BASE) :]: s
        for s in graph.subjects(unique=True)
        if isinstance(s, URIRef) and str(s).startswith(BASE) and "#" not in str(s)
    }


def chosen(request: Request, format: str | None) -> str | None:
    return format or negotiate(request.headers.get("accept") or "*/*", OFFERED)


def not_acceptable() -> JSONResponse:
    hint = "Accept に text/html、text/turtle、application/ld+json のどれかを書くか、?format=html|ttl|jsonld を使ってください。"
    return error(406, "not_acceptable", "指定された形式では返せません。", "accept", hint, VARY)


def unknown(list_path: str) -> JSONResponse:
    return not_found("IRI", "path", list_path)


def rdf(graph: Graph, fmt: str) -> Response:
    body = to_jsonld(graph) if fmt == "jsonld" else graph.serialize(format="turtle")
    return Response(body.encode(), media_type=MEDIA[fmt], headers=VARY)


def html(page: str) -> Response:
    return Response(page.encode(), media_type=MEDIA["html"], headers={**HEADERS, **VARY})


def page_view(snapshot: Snapshot, node: URIRef, several: bool) -> str | None:
    """The node's view on the web page (``/#/programs/<id>``, with ``?municipality=CODE`` when several are served)."""
    for cls, view in PAGE_VIEWS:
        if (node, RDF.type, cls) in snapshot.merged:
            query = f"?municipality={snapshot.municipality.code}" if several else ""
            return f"/{query}#/{view}/{quote(local_id(node), safe='')}"
    return None


def add_routes(app: FastAPI) -> None:
    """``/ontology``, ``/shapes``, the IRIs under ``/data/``, ``/needs/``, ``/law/``, ``/rules/``, and the plan-scoped
    description ``/v1/resources/{name}/{item}``."""
    ontology_rdf = Lazy(lambda: (ontology_graph().serialize(format="turtle"), to_jsonld(ontology_graph())))
    shapes_rdf = Lazy(lambda: (shapes_graph().serialize(format="turtle"), to_jsonld(shapes_graph())))
    shapes_html = Lazy(lambda: describe.shapes_page(shapes_graph(), ontology_graph()))
    rules_known = Lazy(lambda: known_iris(rules_graph()))
    # the plan's IRIs, then those only the exports mint (an area, a participation, a contract …)
    known = PerSnapshot(lambda snap: {**known_iris(snap.minted), **known_iris(snap.merged)})
    pages = PerSnapshot(
        lambda snap: ontology_page.page(
            ontology_graph(), shapes_graph(), snap.merged, f"{snap.municipality.name}の計画(版 {snap.revision})"
        )
    )

    async def document(
        request: Request, format: str | None, twins: Lazy[tuple[str, str]], page: str | None
    ) -> Response:
        fmt = chosen(request, format)
        if fmt is None:
            return not_acceptable()
        if fmt == "html" and page is not None:
            return html(page)
        turtle, jsonld = await twins.get(request)
        return Response((jsonld if fmt == "jsonld" else turtle).encode(), media_type=MEDIA[fmt], headers=VARY)

    @app.get("/ontology", tags=["iri"], response_class=Response, responses=DESCRIBED)
    async def ontology(request: Request, format: Format = None) -> Response:
        """The ontology (``https://w3id.org/jyuso-kb/ontology``, and each ``…/ontology#term``): a page documenting
        every class, property and individual (anchor: the local name), or the ontology as Turtle or JSON-LD."""
        snap = snapshot_of(request)
        page = await pages.get(request, snap) if chosen(request, format) == "html" else None
        return await document(request, format, ontology_rdf, page)

    @app.get("/shapes", tags=["iri"], response_class=Response, responses=DESCRIBED)
    async def shapes(request: Request, format: Format = None) -> Response:
        """The SHACL shapes (``https://w3id.org/jyuso-kb/shapes#…``): a page (anchor: the shape's local name), or
        the shapes as Turtle or JSON-LD."""
        page = await shapes_html.get(request) if chosen(request, format) == "html" else None
        return await document(request, format, shapes_rdf, page)

    async def vocabulary(request: Request, path: str, format: str | None, list_path: str) -> Response:
        snap = snapshot_of(request)
        is_rule = path.startswith("rules/")
        index = await rules_known.get(request) if is_rule else await known.get(request, snap)
        node = index.get(path)
        if node is None:
            return unknown(list_path)
        fmt = chosen(request, format)
        if fmt is None:
            return not_acceptable()
        source, labels = (rules_graph(), snap.merged) if is_rule else (snap.merged, None)
        described = describe.description(source, node, labels)
        if fmt == "html":
            return html(describe.description_page(described, snap.merged, node))
        return rdf(described, fmt)

    @app.get("/needs/{item}", tags=["iri"], response_class=Response, responses=DESCRIBED)
    async def need(request: Request, item: str, format: Format = None) -> Response:
        """A need of the thesaurus (``https://w3id.org/jyuso-kb/needs/{item}``)."""
        return await vocabulary(request, f"needs/{item}", format, "/v1/needs")

    @app.get("/law/{law_id}/{item}", tags=["iri"], response_class=Response, responses=DESCRIBED)
    async def law(request: Request, law_id: str, item: str, format: Format = None) -> Response:
        """A provision of the law, or an existing-scheme programme under it
        (``https://w3id.org/jyuso-kb/law/326AC0000000045/{item}``)."""
        return await vocabulary(request, f"law/{law_id}/{item}", format, "/v1/legal-items")

    @app.get("/rules/{item}", tags=["iri"], response_class=Response, responses=DESCRIBED)
    async def rule(request: Request, item: str, format: Format = None) -> Response:
        """A routing rule (``https://w3id.org/jyuso-kb/rules/{item}``)."""
        return await vocabulary(request, f"rules/{item}", format, "/v1/rules")

    @app.get("/data/{name}/{item:path}", tags=["iri"], response_class=Response, responses=REDIRECTED)
    async def data(request: Request, name: str, item: str, format: Format = None) -> Response:
        """A thing in a municipality's plan (``https://w3id.org/jyuso-kb/data/{name}/{item}``): 303 to its view on
        the web page or its description (``/v1/municipalities/{code}/resources/{name}/{item}``)."""
        tenants: Tenants = request.app.state.tenants
        path = f"data/{name}/{item}"
        resident: Resident | None = request.app.state.resident
        for tenant in tenants.owners(name):
            snap = tenant.snapshot if resident is None else await resident.ready(tenant)
            if snap is None:
                continue
            node = (await known.get(request, snap)).get(path)
            if node is not None:
                break
        else:
            return unknown("/v1/catalog")
        fmt = chosen(request, format)
        if fmt is None:
            return not_acceptable()
        several = len(tenants.by_code) > 1
        view = page_view(snap, node, several) if fmt == "html" else None
        described = f"{SCOPE}{snap.municipality.code}/resources/{quote(name, safe='')}/{quote(item, safe='/')}"
        location = view or (described + (f"?format={format}" if format else ""))
        return RedirectResponse(location, status_code=303, headers=VARY)

    @app.get("/v1/resources/{name}/{item:path}", tags=["iri"], response_class=Response, responses=DESCRIBED)
    async def resource(request: Request, name: str, item: str, format: Format = None) -> Response:
        """The description of a thing in this plan, ``https://w3id.org/jyuso-kb/data/{name}/{item}``: its triples,
        those of the anonymous nodes it reaches and the labels of what it points to."""
        snap = snapshot_of(request)
        node = (await known.get(request, snap)).get(f"data/{name}/{item}")
        if node is None:
            return unknown("/v1/catalog")
        fmt = chosen(request, format)
        if fmt is None:
            return not_acceptable()
        source = snap.merged if (node, None, None) in snap.merged else snap.minted
        described = describe.description(source, node, snap.merged)
        if fmt == "html":
            several = len(request.app.state.tenants.by_code) > 1
            block = await data_block(request, snap, node)
            return html(describe.description_page(described, snap.merged, node, page_view(snap, node, several), block))
        return rdf(described, fmt)

    async def data_block(request: Request, snap: Snapshot, node: URIRef) -> str | None:
        """The node in the JSON-LD exports that embed its type (``# embed:``; schema.org's GovernmentService for a
        programme), for its page's head."""
        for name in standards.names():
            if standards.standard(name).media_type != JSONLD or "embed" not in standards.headers(name):
                continue
            body = snap.cached_export(name)
            if body is None:
                body = await run_in(request.app.state.executors.exports, snap.export, name)
            block = standards.embedded(name, body, str(node))
            if block is not None:
                return block
        return None
