"""POST /v1/route, the hot path, as a plain ASGI endpoint, and its OpenAPI operation."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import Body, FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import (
    ValidationError,
)
from starlette.types import Receive, Scope, Send

from jyuso_kb.answer import route as routing
from jyuso_kb.answer.who_handles import who_handles as ask
from jyuso_kb.errors import InputError
from jyuso_kb.serve.current import snapshot_of
from jyuso_kb.serve.errors import ERRORS, STATUS_MESSAGES, ErrorResponse, error, invalid
from jyuso_kb.serve.models import RouteIn, Text, WhoHandlesIn
from jyuso_kb.serve.snapshot import Snapshot


class FastJSON(JSONResponse):
    """JSON encoded with orjson: the route answer (≈ 9 KB with explanations) is the hot path."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


async def route_endpoint(scope: Scope, receive: Receive, send: Send) -> None:
    """POST /v1/route, the hot path, as a plain ASGI endpoint: the Guard (limits, headers, access log) hands it the
    buffered body, pydantic-core parses and validates the bytes in one step, and the answer is encoded with orjson.
    Skipping FastAPI's router and dependency resolution halves the framework cost of this request; the errors are
    the same contract (405, 400, 422 — a reference date outside ``routing.as_of_range`` is 422 too; anything
    unexpected reaches the app's 500 handler). Documented in the OpenAPI document by ``document_route``."""
    if scope["method"] != "POST":
        code, text, hint = STATUS_MESSAGES[405]
        await error(405, code, text, scope["path"], hint, {"allow": "POST"})(scope, receive, send)
        return
    message = await receive()
    response: Response
    try:
        body = RouteIn.model_validate_json(message.get("body", b""))
        snap: Snapshot = scope["state"]["snapshot"]
        # A reference date outside the window the plan can answer is a bad value, like an age out of range: 422.
        refused = None if body.as_of is None else routing.as_of_error(snap.index, body.as_of)
        if refused is not None:
            response = error(422, refused.code, refused.message, refused.where, refused.hint)
        else:
            household = routing.Household(
                needs=tuple(body.needs),
                members=tuple(routing.Member(m.age, tuple(m.needs), m.label) for m in body.members),
                consent=body.consent,
                as_of=body.as_of,
            )
            response = FastJSON({**routing.route(snap.index, household), "revision": snap.revision})
    except ValidationError as err:
        response = invalid(err.errors())
    except InputError as exc:
        response = error(400, exc.code, exc.message, exc.where, exc.hint)
    await response(scope, receive, send)


def document_route(app: FastAPI) -> None:
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
        "答えは `jyuso-kb route --json` と同じ。基準日が計画期間の外なら最も近い年度の予定で答えて notice を付け、"
        "受け付ける範囲(rules/parameters.yaml の as_of_first_fiscal_year と as_of_years_after_plan)の外なら 422。",
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


def add_routes(app: FastAPI) -> None:
    """GET and POST /v1/who-handles (POST /v1/route is the plain ASGI endpoint above)."""

    @app.get(
        "/v1/who-handles",
        tags=["routing"],
        responses={**ERRORS, 414: {"model": ErrorResponse, "description": "問い合わせ文字列が長すぎる"}},
    )
    async def who_handles(
        request: Request, q: Annotated[Text, Query(description="住民の言葉の質問", examples=["隣の空き家が心配"])]
    ) -> dict[str, Any]:
        snap = snapshot_of(request)
        return {**ask(snap.index, q), "revision": snap.revision}

    @app.post("/v1/who-handles", tags=["routing"], responses=ERRORS)
    async def who_handles_post(request: Request, body: Annotated[WhoHandlesIn, Body()]) -> dict[str, Any]:
        snap = snapshot_of(request)
        return {**ask(snap.index, body.q), "revision": snap.revision}
