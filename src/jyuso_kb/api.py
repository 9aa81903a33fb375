"""The web API (FastAPI): everything the CLI answers, the service catalog, SPARQL and validation.

Safe by default: one JSON error shape, no request body or query string in any log or error, body and query-string
limits before any parsing, uploads restricted to Turtle and JSON-LD, SPARQL in killable worker processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import os
import sys
import threading
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import orjson
from fastapi import Body, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi_offline import FastAPIOffline
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    StringConstraints,
    ValidationError,
)
from pydantic_core import PydanticCustomError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import __version__, quality, resources, routing, validation
from .diff import render_text as render_diff
from .diff import semantic_diff
from .errors import InputError
from .kb import PlanSource, load_embedded, load_plan
from .revisions import Store
from .service import Snapshot, build_snapshot, revision_of
from .sparql_pool import GRAPH_TYPES, SELECT_TYPES, PoolBusy, SparqlPool
from .tokens import Principal, Tokens
from .uploads import MAX_BODY, UploadError, check_type, parse_with_locations, precheck, where_in_workbook
from .webpage import mount_web

ACCESS_LOG = logging.getLogger("jyuso_kb.access")
MAX_QUERY_STRING = 4096
PRIVATE_PATHS = ("/v1/route", "/v1/who-handles", "/v1/validate", "/v1/revisions")
CATALOG_PATHS = (
    "/v1/needs",
    "/v1/programs",
    "/v1/departments",
    "/v1/meetings",
    "/v1/matrix",
    "/v1/schedule",
    "/v1/legal-items",
    "/v1/catalog",
    "/v1/context.jsonld",
    "/health",
)


@dataclass(frozen=True)
class Settings:
    """Read from the environment when the app is created (never at import)."""

    data: tuple[Path, ...] = ()
    sparql_workers: int = 2
    sparql_timeout: float = 5.0
    sparql_row_cap: int = 10_000
    max_body: int = MAX_BODY
    store: Path | None = None
    tokens_file: Path | None = None
    store_poll: float = 1.0  # seconds between looks at the store's active revision (other processes publish too)

    @classmethod
    def from_env(cls) -> Settings:
        data = os.environ.get("JYUSO_KB_DATA", "")
        store = os.environ.get("JYUSO_KB_STORE", "")
        tokens = os.environ.get("JYUSO_KB_TOKENS_FILE", "")
        return cls(
            store=Path(store) if store else None,
            tokens_file=Path(tokens) if tokens else None,
            data=tuple(Path(p) for p in data.split(os.pathsep) if p),
            sparql_workers=int(os.environ.get("JYUSO_KB_SPARQL_WORKERS", "2")),
            sparql_timeout=float(os.environ.get("JYUSO_KB_SPARQL_TIMEOUT", "5")),
            sparql_row_cap=int(os.environ.get("JYUSO_KB_SPARQL_ROW_CAP", "10000")),
            max_body=int(os.environ.get("JYUSO_KB_MAX_BODY", str(MAX_BODY))),
            store_poll=float(os.environ.get("JYUSO_KB_STORE_POLL", "1")),
        )


def error(
    status: int, code: str, message: str, where: str = "", hint: str = "", headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message, "where": where, "hint": hint}}, status_code=status, headers=headers
    )


class ErrorBody(BaseModel):
    code: str = Field(examples=["not_found"])
    message: str = Field(examples=["指定された事業は見つかりません。"])
    where: str = Field(examples=["id"])
    hint: str = Field(examples=["/v1/programs で一覧を確認してください。"])


class ErrorResponse(BaseModel):
    error: ErrorBody


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "入力が正しくない"},
    404: {"model": ErrorResponse, "description": "見つからない"},
    413: {"model": ErrorResponse, "description": "本文が大きすぎる"},
    422: {"model": ErrorResponse, "description": "入力の形が正しくない"},
}

Text = Annotated[StrictStr, StringConstraints(min_length=1, max_length=routing.MAX_TEXT)]


def _iso_date(value: Any) -> Any:
    """Dates only as "YYYY-MM-DD" strings (pydantic would also take numbers as Unix timestamps)."""
    if value is not None and not isinstance(value, str):
        raise PydanticCustomError("date_type", "date must be a YYYY-MM-DD string")
    return value


IsoDate = Annotated[date | None, BeforeValidator(_iso_date)]


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    age: StrictInt | None = Field(default=None, ge=0, le=130, examples=[82])
    needs: list[Text] = Field(default_factory=list, max_length=routing.MAX_NEEDS, examples=[["親の介護"]])


class RouteIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"needs": ["親の介護", "ひきこもりの息子"], "consent": True, "as_of": "2025-10-01"},
                {"needs": ["税金の滞納"], "members": [{"age": 45, "needs": ["仕事がない"]}], "consent": None},
            ]
        },
    )
    needs: list[Text] = Field(default_factory=list, max_length=routing.MAX_NEEDS)
    members: list[MemberIn] = Field(default_factory=list, max_length=routing.MAX_MEMBERS)
    consent: StrictBool | None = None
    as_of: IsoDate = None


class WhoHandlesIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"q": "隣の空き家が心配"}]})
    q: Text


class FastJSON(JSONResponse):
    """JSON encoded with orjson: the route answer (≈ 9 KB with explanations) is the hot path."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def _snapshot(request: Request) -> Snapshot:
    """The snapshot this request started with (the Guard pins it), so a swap mid-request cannot mix revisions."""
    pinned = request.scope.get("state", {}).get("snapshot")
    snap: Snapshot = pinned if pinned is not None else request.app.state.snapshot
    return snap


class Guard:
    """ASGI middleware: query-string and body limits, revision header, no-store, CORS for the catalog, access log;
    dispatches the paths of ``direct`` to their plain ASGI endpoints."""

    def __init__(self, app: ASGIApp, max_body: int, direct: Mapping[str, ASGIApp]) -> None:
        self.app = app
        self.max_body = max_body
        self.direct = direct  # path → plain ASGI endpoint answered here, past FastAPI's router (the hot path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path: str = scope["path"]
        status_box = {"status": 0}
        snapshot: Snapshot | None = getattr(scope["app"].state, "snapshot", None) if "app" in scope else None
        if snapshot is not None:
            scope.setdefault("state", {})["snapshot"] = snapshot

        async def send_wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_box["status"] = message["status"]
                headers = list(message.get("headers", []))
                if snapshot is not None:
                    headers.append((b"x-plan-revision", snapshot.revision.encode()))
                    headers.append((b"x-plan-adopted", snapshot.adopted.encode()))
                headers.append((b"x-jyuso-kb-version", __version__.encode()))
                if path.startswith(PRIVATE_PATHS):
                    headers.append((b"cache-control", b"no-store"))
                if path.startswith(CATALOG_PATHS) or path.startswith("/v1/sparql"):
                    headers.append((b"access-control-allow-origin", b"*"))
                message["headers"] = headers
            await send(message)

        try:
            if len(scope.get("query_string", b"")) > MAX_QUERY_STRING:
                await error(
                    414, "query_too_long", "URL の問い合わせ文字列が長すぎます。", "query", "POST で送ってください。"
                )(scope, receive, send_wrapped)
                return
            if scope["method"] == "OPTIONS" and path.startswith(CATALOG_PATHS):
                await Response(
                    status_code=204,
                    headers={"access-control-allow-methods": "GET, OPTIONS", "access-control-allow-headers": "accept"},
                )(scope, receive, send_wrapped)
                return
            declared = dict(scope.get("headers", [])).get(b"content-length")
            if declared is not None and declared.isdigit() and int(declared) > self.max_body:
                await self._too_large(scope, receive, send_wrapped)
                return
            body, complete = await self._read(receive)
            if not complete:
                await self._too_large(scope, receive, send_wrapped)
                return
            await self.direct.get(path, self.app)(scope, _replay(body), send_wrapped)
        finally:
            # An exception on its way out is answered outside this middleware, by the app's 500 handler.
            status = status_box["status"] or (500 if sys.exc_info()[0] is not None else 0)
            ACCESS_LOG.info("%s %s %s %.1fms", scope["method"], path, status, (time.perf_counter() - started) * 1000)

    async def _read(self, receive: Receive) -> tuple[bytes, bool]:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks), True
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                return b"", False
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks), True

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = f"{self.max_body // (1024 * 1024)} MiB"
        await error(
            413,
            "body_too_large",
            f"送信データが大きすぎます(上限 {limit})。",
            "body",
            "計画のデータだけを送ってください。",
        )(scope, receive, send)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    return receive


STATUS_MESSAGES = {
    404: ("not_found", "見つかりません。", "URL を確認してください。/docs に一覧があります。"),
    405: ("method_not_allowed", "この方法(メソッド)は使えません。", "/docs で使える方法を確認してください。"),
    406: ("not_acceptable", "指定された形式では返せません。", "Accept を確認してください。"),
    415: ("unsupported_media_type", "この形式は受け付けません。", "Content-Type を確認してください。"),
}


def _validation_message(errors: Sequence[Any]) -> tuple[str, str]:
    first = errors[0] if errors else {}
    kind = str(first.get("type", ""))
    loc = [str(p) for p in first.get("loc", ()) if p != "body"]
    if kind == "extra_forbidden":
        loc = loc[:-1]  # the unknown key is the client's text: never repeat it
    where = "body" if kind == "json_invalid" else ".".join(loc)
    reasons = {
        "json_invalid": "JSON の構文が正しくありません",
        "missing": "必須の項目がありません",
        "extra_forbidden": "未知の項目があります",
        "too_long": "項目の数または文字数が多すぎます",
        "string_too_long": "文字数が多すぎます",
        "string_too_short": "空の文字列は使えません",
        "date_from_datetime_parsing": "日付を読めません",
        "date_parsing": "日付を読めません",
        "date_from_datetime_inexact": "日付を読めません",
        "greater_than_equal": "値が小さすぎます",
        "bool_type": "真偽値(true / false)で指定してください",
        "int_type": "整数で指定してください",
        "string_type": "文字列で指定してください",
        "date_type": "YYYY-MM-DD 形式の文字列で指定してください",
        "list_type": "配列で指定してください",
        "less_than_equal": "値が大きすぎます",
    }
    reason = reasons.get(kind, "値の型または形式が正しくありません")
    return f"入力が正しくありません: {where or '本文'}({reason})。", where


def create_app(settings: Settings | None = None, plan: PlanSource | None = None) -> FastAPI:
    """The app. The plan is loaded, reasoned and indexed at startup; SPARQL workers are forked then."""
    config = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = Store(config.store) if config.store else None
        source = plan or (load_plan(list(config.data)) if config.data else load_embedded())
        active = store.active_id() if store else None
        if store is not None and active is not None:
            source = PlanSource(source.vocabulary, store.data(active), f"revision {active}")
        snapshot = build_snapshot(source)
        quality.checks()
        validation.shapes_graph()
        app.state.snapshot = snapshot
        app.state.store = store
        app.state.tokens = Tokens.load(config.tokens_file)
        app.state.publish_lock = asyncio.Lock()
        pool = SparqlPool(snapshot.merged, config.sparql_workers, config.sparql_timeout, config.sparql_row_cap)
        pool.start()
        app.state.sparql = pool
        app.state.sparql_config = (config.sparql_workers, config.sparql_timeout, config.sparql_row_cap)
        # The plan's graphs and indexes live as long as the process: keep the cyclic GC from walking them on
        # every full collection (a full walk stalled requests for 100–400 ms under load).
        gc.collect()
        gc.freeze()
        gc.set_threshold(50_000, 50, 1000)
        app.state.validate_lock = threading.Lock()
        follower = asyncio.create_task(_follow_store(app, store, config.store_poll)) if store is not None else None
        try:
            yield
        finally:
            if follower is not None:
                follower.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await follower
            app.state.sparql.close()

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
        return _invalid(exc.errors())

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, message, hint = STATUS_MESSAGES.get(exc.status_code, ("http_error", "要求を処理できません。", ""))
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["allow"] = ", ".join(_allowed_methods(request))
        return error(exc.status_code, code, message, request.url.path, hint, headers)

    @app.exception_handler(InputError)
    async def on_input(request: Request, exc: InputError) -> JSONResponse:
        return error(400, exc.code, exc.message, exc.where, exc.hint)

    @app.exception_handler(UploadError)
    async def on_upload(request: Request, exc: UploadError) -> JSONResponse:
        return error(exc.status, exc.error.code, exc.error.message, exc.error.where, exc.error.hint)

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        logging.getLogger("jyuso_kb").error("unexpected error on %s: %s", request.url.path, type(exc).__name__)
        return error(500, "internal", "内部エラーが発生しました。", "", "時間をおいて再度お試しください。")

    _routes(app)
    mount_web(app)
    _revision_routes(app)
    _document_route(app)
    return app


def _invalid(errors: Sequence[Any]) -> JSONResponse:
    message, where = _validation_message(errors)
    return error(422, "invalid_input", message, where, "/docs のスキーマと例を確認してください。")


async def route_endpoint(scope: Scope, receive: Receive, send: Send) -> None:
    """POST /v1/route, the hot path, as a plain ASGI endpoint: the Guard (limits, headers, access log) hands it the
    buffered body, pydantic-core parses and validates the bytes in one step, and the answer is encoded with orjson.
    Skipping FastAPI's router and dependency resolution halves the framework cost of this request; the errors are
    the same contract (405, 400, 422; anything unexpected reaches the app's 500 handler). Documented in the OpenAPI
    document by ``_document_route``."""
    if scope["method"] != "POST":
        code, text, hint = STATUS_MESSAGES[405]
        await error(405, code, text, scope["path"], hint, {"allow": "POST"})(scope, receive, send)
        return
    message = await receive()
    response: Response
    try:
        body = RouteIn.model_validate_json(message.get("body", b""))
        household = routing.Household(
            needs=tuple(body.needs),
            members=tuple(routing.Member(m.age, tuple(m.needs)) for m in body.members),
            consent=body.consent,
            as_of=body.as_of,
        )
        snap: Snapshot = scope["state"]["snapshot"]
        response = FastJSON({**routing.route(snap.index, household), "revision": snap.revision})
    except ValidationError as err:
        response = _invalid(err.errors())
    except InputError as exc:
        response = error(400, exc.code, exc.message, exc.where, exc.hint)
    await response(scope, receive, send)


def _allowed_methods(request: Request) -> list[str]:
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


def _document_route(app: FastAPI) -> None:
    """POST /v1/route is a plain ASGI endpoint (``route_endpoint``): put its operation, RouteIn and MemberIn into the
    OpenAPI document."""
    schema = RouteIn.model_json_schema(ref_template="#/components/schemas/{model}")
    definitions = schema.pop("$defs", {})
    errors = {
        str(status): {
            "description": ERRORS[status]["description"],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
        }
        for status in (400, 413, 422)
    }
    operation = {
        "tags": ["routing"],
        "summary": "Route",
        "description": "世帯のニーズ(日本語またはニーズID)、本人同意、基準日から、事業・課・会議とその根拠(why)を返す。"
        "答えは `jyuso-kb route --json` と同じ。",
        "operationId": "route_v1_route_post",
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RouteIn"}}},
        },
        "responses": {
            "200": {
                "description": "振り分けの結果",
                "content": {"application/json": {"schema": {"type": "object", "additionalProperties": True}}},
            },
            **errors,
        },
    }
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        document = generate()
        document["paths"] = {"/v1/route": {"post": operation}, **document["paths"]}
        document.setdefault("components", {}).setdefault("schemas", {}).update({"RouteIn": schema, **definitions})
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _not_found(kind: str, where: str, list_path: str) -> JSONResponse:
    return error(
        404, "not_found", f"指定された{kind}は見つかりません。", where, f"{list_path} で一覧を確認してください。"
    )


def _routes(app: FastAPI) -> None:
    @app.get("/health", tags=["service"])
    async def health(request: Request) -> JSONResponse:
        snap = _snapshot(request)
        return JSONResponse(
            {"status": "ok", "version": __version__, "revision": snap.revision, "plan": snap.index.plan_label}
        )

    @app.get("/v1/needs", tags=["catalog"])
    async def needs(request: Request) -> dict[str, Any]:
        return {"needs": list(_snapshot(request).needs)}

    @app.get(
        "/v1/who-handles",
        tags=["routing"],
        responses={**ERRORS, 414: {"model": ErrorResponse, "description": "問い合わせ文字列が長すぎる"}},
    )
    async def who_handles(
        request: Request, q: Annotated[Text, Query(description="住民の言葉の質問", examples=["隣の空き家が心配"])]
    ) -> dict[str, Any]:
        snap = _snapshot(request)
        return {**routing.who_handles(snap.index, q), "revision": snap.revision}

    @app.post("/v1/who-handles", tags=["routing"], responses=ERRORS)
    async def who_handles_post(request: Request, body: Annotated[WhoHandlesIn, Body()]) -> dict[str, Any]:
        snap = _snapshot(request)
        return {**routing.who_handles(snap.index, body.q), "revision": snap.revision}

    @app.get("/v1/programs", tags=["catalog"])
    async def programs(request: Request) -> dict[str, Any]:
        snap = _snapshot(request)
        return {"revision": snap.revision, "programs": list(snap.programs)}

    @app.get("/v1/programs/{program_id}", tags=["catalog"], responses=ERRORS)
    async def program(request: Request, program_id: str) -> Any:
        found = _snapshot(request).program(program_id)
        return found if found is not None else _not_found("事業", "program_id", "/v1/programs")

    @app.get("/v1/departments", tags=["catalog"])
    async def departments(request: Request) -> dict[str, Any]:
        return {"departments": list(_snapshot(request).departments)}

    @app.get("/v1/departments/{department_id}", tags=["catalog"], responses=ERRORS)
    async def department(request: Request, department_id: str) -> Any:
        found = _snapshot(request).department(department_id)
        return found if found is not None else _not_found("課", "department_id", "/v1/departments")

    @app.get("/v1/meetings", tags=["catalog"])
    async def meetings(request: Request) -> dict[str, Any]:
        return {"meetings": list(_snapshot(request).meetings)}

    @app.get("/v1/meetings/{meeting_id}", tags=["catalog"], responses=ERRORS)
    async def meeting(request: Request, meeting_id: str) -> Any:
        found = _snapshot(request).meeting(meeting_id)
        return found if found is not None else _not_found("会議", "meeting_id", "/v1/meetings")

    @app.get("/v1/matrix", tags=["catalog"])
    async def matrix(request: Request) -> dict[str, Any]:
        return _snapshot(request).matrix

    @app.get("/v1/schedule", tags=["catalog"])
    async def schedule(request: Request) -> dict[str, Any]:
        return _snapshot(request).schedule

    @app.get("/v1/legal-items", tags=["catalog"])
    async def legal_items(request: Request) -> dict[str, Any]:
        return {"legal_items": list(_snapshot(request).legal_items)}

    @app.get(
        "/v1/context.jsonld",
        tags=["catalog"],
        response_class=Response,
        responses={200: {"content": {"application/ld+json": {}}, "description": "この計画の JSON-LD @context"}},
    )
    async def context() -> Response:
        return Response(resources.jsonld_context_file().read_bytes(), media_type="application/ld+json")

    @app.get(
        "/v1/catalog",
        tags=["catalog"],
        responses={
            200: {
                "content": {"application/json": {}, "application/ld+json": {}, "text/turtle": {}, "text/csv": {}},
                "description": "事業カタログ(Accept で形式を選ぶ。format= でも指定可)",
            },
            406: {"model": ErrorResponse},
        },
    )
    async def catalog(
        request: Request, format: Annotated[str | None, Query(pattern="^(json|jsonld|ttl|csv)$")] = None
    ) -> Response:
        snap = _snapshot(request)
        chosen = format or _negotiate(request.headers.get("accept", ""), CATALOG_TYPES) or "json"
        if chosen == "jsonld":
            return Response(
                snap.jsonld,
                media_type="application/ld+json",
                headers={"link": '</v1/context.jsonld>; rel="http://www.w3.org/ns/json-ld#context"'},
            )
        if chosen == "ttl":
            return Response(snap.turtle, media_type="text/turtle; charset=utf-8")
        if chosen == "csv":
            return Response(
                snap.csv,
                media_type="text/csv; charset=utf-8",
                headers={"content-disposition": 'attachment; filename="programs.csv"'},
            )
        return JSONResponse({"revision": snap.revision, "plan": snap.index.plan_label, "programs": list(snap.programs)})

    @app.get(
        "/v1/sparql",
        tags=["sparql"],
        responses={
            **ERRORS,
            414: {
                "model": ErrorResponse,
                "description": "問い合わせ文字列が長すぎる(4 KiB を超える URL エンコード後の長さ)",
            },
        },
    )
    async def sparql_get(
        request: Request,
        query: Annotated[
            str,
            Query(
                min_length=1,
                max_length=MAX_QUERY_STRING,
                examples=[
                    "SELECT ?p ?label WHERE { ?p a <https://w3id.org/jyuso-kb/ontology#ImplementingProgram> ; <http://www.w3.org/2000/01/rdf-schema#label> ?label }"
                ],
            ),
        ],
    ) -> Response:
        return await _sparql(request, query)

    @app.post(
        "/v1/sparql",
        tags=["sparql"],
        responses=ERRORS,
        openapi_extra={
            "requestBody": {
                "content": {
                    "application/sparql-query": {"schema": {"type": "string"}},
                    "application/x-www-form-urlencoded": {
                        "schema": {
                            "type": "object",
                            "properties": {"query": {"type": "string", "minLength": 1}},
                            "required": ["query"],
                        }
                    },
                }
            }
        },
    )
    async def sparql_post(request: Request) -> Response:
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        raw = await request.body()
        if kind == "application/sparql-update":
            return error(
                400,
                "read_only",
                "このエンドポイントは読み取り専用です(更新・LOAD はできません)。",
                "body",
                "SELECT / ASK / CONSTRUCT / DESCRIBE を使ってください。",
            )
        if kind == "application/sparql-query":
            text = raw.decode("utf-8", errors="replace")
        elif kind == "application/x-www-form-urlencoded":
            from urllib.parse import parse_qs

            form = parse_qs(raw.decode("utf-8", errors="replace"))
            if "update" in form:
                return error(
                    400,
                    "read_only",
                    "このエンドポイントは読み取り専用です(更新・LOAD はできません)。",
                    "update",
                    "SELECT / ASK / CONSTRUCT / DESCRIBE を使ってください。",
                )
            text = (form.get("query") or [""])[0]
        else:
            return error(
                415,
                "unsupported_media_type",
                "この形式は受け付けません。",
                "Content-Type",
                "application/sparql-query か application/x-www-form-urlencoded で送ってください。",
            )
        if not text.strip():
            return error(400, "no_query", "クエリがありません。", "query", "query にSPARQLを入れてください。")
        return await _sparql(request, text)

    @app.post(
        "/v1/validate",
        tags=["revisions"],
        responses={**ERRORS, 415: {"model": ErrorResponse}},
        openapi_extra={
            "requestBody": {
                "content": {
                    "text/turtle": {"schema": {"type": "string"}},
                    "application/ld+json": {"schema": {"type": "object"}},
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                        "schema": {"type": "string", "format": "binary"}
                    },
                    "application/zip": {"schema": {"type": "string", "format": "binary"}},
                },
                "required": True,
            }
        },
    )
    async def validate_revision(request: Request) -> dict[str, Any]:
        kind = check_type(request.headers.get("content-type"))
        body = await request.body()
        precheck(body, kind)
        snap = _snapshot(request)
        lock: threading.Lock = request.app.state.validate_lock
        return await asyncio.to_thread(_validate_upload, body, kind, snap, lock)


def _revision_routes(app: FastAPI) -> None:
    @app.get("/v1/revisions", tags=["revisions"])
    async def list_revisions(request: Request) -> dict[str, Any]:
        store: Store | None = request.app.state.store
        snap = _snapshot(request)
        history = [r.as_dict() for r in store.history()] if store else []
        return {"active": snap.revision, "revisions": history}

    @app.post(
        "/v1/revisions",
        tags=["revisions"],
        status_code=201,
        responses={
            **ERRORS,
            401: {"model": ErrorResponse},
            403: {"model": ErrorResponse},
            409: {"model": ErrorResponse},
            415: {"model": ErrorResponse},
        },
        openapi_extra={
            "requestBody": {
                "content": {
                    "text/turtle": {"schema": {"type": "string"}},
                    "application/ld+json": {"schema": {"type": "object"}},
                },
                "required": True,
            }
        },
    )
    async def publish(request: Request, note: Annotated[str, Query(max_length=500)] = "") -> Response:
        principal = _policy(request)
        if isinstance(principal, Response):
            return principal
        store: Store | None = request.app.state.store
        if store is None:
            return error(
                409,
                "no_store",
                "版の保存先が設定されていません。",
                "JYUSO_KB_STORE",
                "JYUSO_KB_STORE に保存先のフォルダを指定して起動してください。",
            )
        kind = check_type(request.headers.get("content-type"))
        body = await request.body()
        precheck(body, kind)
        snap = _snapshot(request)
        result = await asyncio.to_thread(_validate_upload, body, kind, snap, request.app.state.validate_lock)
        if not result["conforms"]:
            return JSONResponse(
                {
                    "error": {
                        "code": "not_conforming",
                        "message": "計画が要件を満たしていないため公開できません。",
                        "where": "body",
                        "hint": "findings を直してから再度送ってください。",
                    },
                    "report": result,
                },
                status_code=422,
            )
        async with request.app.state.publish_lock:
            uploaded, _ = await asyncio.to_thread(parse_with_locations, body, kind)
            revision = await asyncio.to_thread(store.publish, uploaded, principal.name, note, True)
            await _swap(
                request.app, PlanSource(snap.plan.vocabulary, store.data(revision.id), f"revision {revision.id}")
            )
        return JSONResponse(
            {"revision": revision.as_dict(), "active": revision.id, "diff": result["diff"]}, status_code=201
        )

    @app.post(
        "/v1/revisions/{revision_id}/activate",
        tags=["revisions"],
        responses={**ERRORS, 401: {"model": ErrorResponse}, 403: {"model": ErrorResponse}},
    )
    async def activate(request: Request, revision_id: str) -> Response:
        principal = _policy(request)
        if isinstance(principal, Response):
            return principal
        store: Store | None = request.app.state.store
        if store is None or store.get(revision_id) is None:
            return _not_found("版", "revision_id", "/v1/revisions")
        async with request.app.state.publish_lock:
            revision = await asyncio.to_thread(store.activate, revision_id, principal.name)
            snap = _snapshot(request)
            await _swap(
                request.app, PlanSource(snap.plan.vocabulary, store.data(revision.id), f"revision {revision.id}")
            )
        return JSONResponse({"revision": revision.as_dict(), "active": revision.id})

    @app.post(
        "/v1/revisions/diff",
        tags=["revisions"],
        responses={**ERRORS, 415: {"model": ErrorResponse}},
        openapi_extra={
            "requestBody": {
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {"old": {"type": "string"}, "new": {"type": "string"}},
                        }
                    },
                    "text/turtle": {"schema": {"type": "string"}},
                    "application/ld+json": {"schema": {"type": "object"}},
                },
                "required": True,
            }
        },
    )
    async def revisions_diff(request: Request) -> Response:
        snap = _snapshot(request)
        store: Store | None = request.app.state.store
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body = await request.body()
        if media == "application/json":
            try:
                wanted = json.loads(body or b"{}")
            except (json.JSONDecodeError, UnicodeDecodeError):
                return error(
                    422,
                    "invalid_input",
                    "入力が正しくありません: 本文(JSON の構文が正しくありません)。",
                    "body",
                    '{"old": "版ID", "new": "版ID"} の形で送ってください。',
                )
            if not isinstance(wanted, dict):
                return error(
                    422,
                    "invalid_input",
                    "入力が正しくありません: 本文(値の型または形式が正しくありません)。",
                    "body",
                    '{"old": "版ID", "new": "版ID"} の形で送ってください。',
                )
            graphs = []
            for key in ("old", "new"):
                ident = str(wanted.get(key) or "active")
                if ident in ("active", snap.revision):
                    graphs.append(snap.plan.data)
                elif store is not None and store.get(ident) is not None:
                    graphs.append(store.data(ident))
                else:
                    return _not_found("版", key, "/v1/revisions")
            old_graph, new_graph = graphs
        else:
            kind = check_type(request.headers.get("content-type"))
            precheck(body, kind)
            old_graph, new_graph = snap.plan.data, (await asyncio.to_thread(parse_with_locations, body, kind))[0]
        result = semantic_diff(old_graph, new_graph, snap.plan.vocabulary)
        return JSONResponse({**result, "text": render_diff(result)})


def _policy(request: Request) -> Principal | Response:
    tokens: Tokens = request.app.state.tokens
    principal = tokens.identify(request.headers.get("authorization"))
    if principal is None:
        return error(
            401,
            "unauthorized",
            "政策担当のトークンが必要です。",
            "Authorization",
            "Authorization: Bearer <トークン> を付けてください。",
            {"www-authenticate": "Bearer"},
        )
    if principal.role != "policy":
        return error(
            403,
            "forbidden",
            "このトークンでは計画を公開・切り替えできません。",
            "Authorization",
            "政策担当(policy)のトークンを使ってください。",
        )
    return principal


async def _follow_store(app: FastAPI, store: Store, interval: float) -> None:
    """Switch to the store's active revision when another process changed it.

    With ``--workers N`` (or several servers on one store) a publish or rollback reaches only the process that
    answered it; every process looks at the store's active pointer every ``interval`` seconds and loads what is
    active, so all of them answer from the same revision within about ``interval`` plus the load time."""
    log = logging.getLogger("jyuso_kb")
    while True:
        await asyncio.sleep(interval)
        active = await asyncio.to_thread(store.active_id)
        if active is None or active == app.state.snapshot.revision:
            continue
        async with app.state.publish_lock:  # this process' own publish or activate finishes first
            if active != app.state.snapshot.revision and store.active_id() == active:
                try:
                    data = await asyncio.to_thread(store.data, active)
                except (OSError, InputError) as err:
                    log.error("cannot load the active revision %s: %s", active, type(err).__name__)
                    continue
                await _swap(app, PlanSource(app.state.snapshot.plan.vocabulary, data, f"revision {active}"))
                log.info("switched to revision %s, made active by another process", active)


async def _swap(app: FastAPI, plan: PlanSource) -> None:
    """Build the new snapshot and SPARQL workers off the event loop, then switch one reference each."""
    snapshot = await asyncio.to_thread(build_snapshot, plan)
    workers, timeout, cap = app.state.sparql_config
    pool = SparqlPool(snapshot.merged, workers, timeout, cap)
    await asyncio.to_thread(pool.start)
    old_pool = app.state.sparql
    app.state.snapshot = snapshot
    app.state.sparql = pool
    await asyncio.to_thread(old_pool.close)


CATALOG_TYPES = {"application/json": "json", "application/ld+json": "jsonld", "text/turtle": "ttl", "text/csv": "csv"}


def _negotiate(accept: str, offered: dict[str, str]) -> str | None:
    """The first offered type in the client's Accept order (q-values respected; */* means the first offer)."""
    choices = []
    for position, part in enumerate(accept.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media, q = pieces[0].lower(), 1.0
        for param in pieces[1:]:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        choices.append((-q, position, media))
    for _, _, media in sorted(choices):
        if media in offered:
            return offered[media]
        if media in ("*/*", "application/*") and offered:
            return next(iter(offered.values()))
    return None


async def _sparql(request: Request, text: str) -> Response:
    pool: SparqlPool = request.app.state.sparql
    accept = (
        _negotiate(request.headers.get("accept", ""), {**{k: k for k in SELECT_TYPES}, **{k: k for k in GRAPH_TYPES}})
        or ""
    )
    try:
        outcome = await pool.run(text, accept)
    except PoolBusy:
        return error(
            503,
            "busy",
            "問い合わせが混み合っています。",
            "query",
            "しばらくしてから再度お試しください。",
            {"retry-after": "5"},
        )
    if outcome is None:
        return error(
            503,
            "query_timeout",
            f"クエリが時間制限({pool.timeout:g}秒)を超えたため中止しました。",
            "query",
            "条件を絞るか LIMIT を付けてください。",
            {"retry-after": "5"},
        )
    if outcome.error is not None:
        code, message, hint = outcome.error
        return error(outcome.status, code, message, "query", hint)
    headers = {"x-result-truncated": "true" if outcome.truncated else "false"}
    return Response(outcome.body, status_code=outcome.status, media_type=outcome.content_type, headers=headers)


def _validate_upload(body: bytes, kind: str, snap: Snapshot, lock: threading.Lock) -> dict[str, Any]:
    uploaded, index = parse_with_locations(body, kind)
    revision = PlanSource(snap.plan.vocabulary, uploaded, "upload")
    with lock:
        report = validation.validate(revision)
        failed = [r for r in quality.run(revision.merged()) if r.check.severity == "error" and not r.passed]
    findings = [replace(f, location=where_in_workbook(index, f.focus, f.path)) for f in report.findings]
    return {
        "conforms": report.conforms and not failed,
        "findings": [f.as_dict() for f in findings],
        "checks": [r.as_dict() for r in failed],
        "revision": revision_of(uploaded),
        "active_revision": snap.revision,
        "diff": semantic_diff(snap.plan.data, uploaded, snap.plan.vocabulary),
    }


def app_factory() -> FastAPI:
    """For ``uvicorn --factory jyuso_kb.api:app_factory`` (used by ``jyuso-kb serve --workers N``)."""
    return create_app()
