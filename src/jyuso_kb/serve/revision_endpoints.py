"""Plan revisions: list, publish (policy token), activate, diff."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response

from jyuso_kb.formats.diff import render_text as render_diff
from jyuso_kb.formats.diff import semantic_diff
from jyuso_kb.plan.source import PlanSource
from jyuso_kb.serve.current import snapshot_of
from jyuso_kb.serve.errors import ERRORS, ErrorResponse, error, not_found
from jyuso_kb.serve.lifecycle import swap
from jyuso_kb.serve.uploads import check_type, parse_with_locations, precheck
from jyuso_kb.serve.validate_endpoint import validate_upload
from jyuso_kb.store.revisions import Store
from jyuso_kb.store.tokens import Principal, Tokens


def add_routes(app: FastAPI) -> None:
    @app.get("/v1/revisions", tags=["revisions"])
    async def list_revisions(request: Request) -> dict[str, Any]:
        store: Store | None = request.app.state.store
        snap = snapshot_of(request)
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
        snap = snapshot_of(request)
        result = await asyncio.to_thread(validate_upload, body, kind, snap, request.app.state.validate_lock)
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
            await swap(
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
            return not_found("版", "revision_id", "/v1/revisions")
        async with request.app.state.publish_lock:
            revision = await asyncio.to_thread(store.activate, revision_id, principal.name)
            snap = snapshot_of(request)
            await swap(
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
        snap = snapshot_of(request)
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
                    return not_found("版", key, "/v1/revisions")
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
