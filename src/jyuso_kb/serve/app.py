"""The web API (FastAPI): everything the CLI answers, the service catalog, SPARQL and validation.

Safe by default: one JSON error shape, no request body or query string in any log or error, body and query-string
limits before any parsing, uploads restricted to Turtle, JSON-LD and workbooks and processed in bounded child
processes, SPARQL in killable, memory-limited worker processes that end with the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from jyuso_kb import __version__
from jyuso_kb.check import validation
from jyuso_kb.errors import InputError
from jyuso_kb.plan.municipalities import MunicipalPlan, load_plans, municipality_of
from jyuso_kb.plan.source import PlanSource
from jyuso_kb.serve import (
    catalog_endpoints,
    municipality_endpoints,
    national_endpoints,
    ontology_endpoints,
    revision_endpoints,
    routing_endpoints,
    sparql_endpoints,
    validate_endpoint,
)
from jyuso_kb.serve.bounded import Jobs
from jyuso_kb.serve.errors import STATUS_MESSAGES, error, invalid
from jyuso_kb.serve.executors import Executors
from jyuso_kb.serve.guard import Guard
from jyuso_kb.serve.lifecycle import follow_stores
from jyuso_kb.serve.logsafety import printable
from jyuso_kb.serve.national import national_pool, open_catalog
from jyuso_kb.serve.national_index import NationalState, vocabulary, vocabulary_names
from jyuso_kb.serve.resident import Resident
from jyuso_kb.serve.routing_endpoints import document_route, route_endpoint
from jyuso_kb.serve.settings import Settings
from jyuso_kb.serve.tenants import default_code, open_tenants
from jyuso_kb.serve.uploads import UploadError
from jyuso_kb.serve.webpage import mount_web
from jyuso_kb.store.tokens import Tokens


def create_app(
    settings: Settings | None = None, plan: PlanSource | None = None, plans: Sequence[PlanSource] = ()
) -> FastAPI:
    """The app. Each plan is loaded, reasoned and indexed at startup; SPARQL workers are forked then. ``plan`` or
    ``plans`` (already loaded) replace ``settings.data``; each plan is one municipality's."""
    config = settings or Settings.from_env()
    given = [*([plan] if plan is not None else []), *plans]

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        resident: Resident | None = None
        if config.national_store is not None and not given:  # a catalog: each plan loaded when first asked
            tenants, resident, app.state.national = open_catalog(config)
        else:
            loaded = [MunicipalPlan(municipality_of(p.data, p.origin), p) for p in given] or load_plans(config.data)
            codes = [p.municipality.code for p in loaded]
            default = default_code(codes, config.default_municipality)
            tenants = open_tenants(loaded, config.store, default, config.sparql_limits())
            app.state.national = national_pool(config, tenants)
        app.state.resident = resident
        validation.prepare()
        app.state.national_store = config.national_store
        if config.national_store is not None:
            vocabulary(), vocabulary_names()  # read here once, before any request
            app.state.national_index = NationalState(config.national_store)
        for tenant in tenants:
            if tenant.sparql is not None:
                tenant.sparql.start()
        if app.state.national is not None:
            app.state.national.start()
        app.state.tenants = tenants
        app.state.tokens = Tokens.load(config.tokens_file)
        app.state.executors = Executors.start()
        app.state.jobs = Jobs(config.upload_limits())
        if config.national_store is not None:
            app.state.national_index.start(app.state.executors.national)
        # The plan's graphs and indexes live as long as the process: keep the cyclic GC from walking them on
        # every full collection (a full walk stalled requests for 100–400 ms under load).
        gc.collect()
        gc.freeze()
        gc.set_threshold(50_000, 50, 1000)
        follower = asyncio.create_task(follow_stores(app, config.store_poll)) if config.store is not None else None
        try:
            yield
        finally:
            if follower is not None:
                follower.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await follower
            for tenant in tenants:
                if tenant.sparql is not None:
                    tenant.sparql.close()
            if app.state.national is not None:
                app.state.national.close()
            if resident is not None:
                resident.close()
                resident.builds.close()
            app.state.jobs.close()
            app.state.executors.close()

    # /docs (Swagger UI) with its script and style sheet served from /docs/assets/, not from a CDN: it works offline.
    # No /redoc: ReDoc fetches its logo from another origin.
    app = FastAPIOffline(
        redoc_url=None,
        title="jyuso-kb",
        version=__version__,
        description="重層的支援体制整備事業 実施計画の知識ベース: 相談の振り分け、事業・課・会議の一覧、SPARQL、計画改定の検証。",
        lifespan=lifespan,
        static_url="/docs/assets",
    )
    app.add_middleware(Guard, max_body=config.max_body, direct={"/v1/route": route_endpoint})

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return invalid(exc.errors())

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, message, hint = STATUS_MESSAGES.get(exc.status_code, ("http_error", "要求を処理できません。", ""))
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["allow"] = ", ".join(allowed_methods(request))
        return error(exc.status_code, code, message, "path", hint, headers)  # never the path itself: it is input

    @app.exception_handler(InputError)
    async def on_input(request: Request, exc: InputError) -> JSONResponse:
        return error(400, exc.code, exc.message, exc.where, exc.hint)

    @app.exception_handler(UploadError)
    async def on_upload(request: Request, exc: UploadError) -> JSONResponse:
        return error(exc.status, exc.error.code, exc.error.message, exc.error.where, exc.error.hint, exc.headers)

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        path = printable(request.scope["path"])
        logging.getLogger("jyuso_kb").error("unexpected error on %s: %s", path, type(exc).__name__)
        return error(
            500,
            "internal",
            "内部エラーが発生しました。",
            "",
            "時間をおいて再度お試しください。",
            {"x-content-type-options": "nosniff"},  # answered outside the Guard, which adds it everywhere else
        )

    municipality_endpoints.add_routes(app)
    catalog_endpoints.add_routes(app)
    routing_endpoints.add_routes(app)
    sparql_endpoints.add_routes(app)
    national_endpoints.add_routes(app)
    validate_endpoint.add_routes(app)
    ontology_endpoints.add_routes(app)
    mount_web(app)
    revision_endpoints.add_routes(app)
    revision_endpoints.add_change_feed(app)
    document_route(app)
    municipality_endpoints.document_scoped_paths(app)
    return app


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of this path accepts (one route object per method, so Starlette names only one)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches({**request.scope, "method": "GET"})
        if match != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            match, _ = route.matches({**request.scope, "method": method})
            if match == Match.FULL:
                methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


def app_factory() -> FastAPI:
    """For ``uvicorn --factory jyuso_kb.serve.app:app_factory`` (used by ``jyuso-kb serve --workers N``). Python
    warnings go to the log (``py.warnings``), where ``logsafety.LOG_CONFIG`` keeps out what could quote an upload."""
    logging.captureWarnings(True)
    return create_app()
