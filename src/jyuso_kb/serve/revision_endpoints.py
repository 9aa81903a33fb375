"""Plan revisions: list, publish (policy token), activate, diff."""

from __future__ import annotations

import asyncio
import json
from functools import partial
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response

from jyuso_kb.plan.source import PlanSource
from jyuso_kb.serve.bounded import Jobs, client_gone
from jyuso_kb.serve.current import snapshot_of, tenant_of
from jyuso_kb.serve.errors import ERRORS, UPLOAD_ERRORS, ErrorResponse, error, not_found
from jyuso_kb.serve.executors import Executors, run_in
from jyuso_kb.serve.lifecycle import swap
from jyuso_kb.serve.snapshot import Snapshot
from jyuso_kb.serve.upload_jobs import diff_job, publish_job, stored_diff, stored_diff_job, trial_load_job
from jyuso_kb.serve.uploads import check_type
from jyuso_kb.store.revisions import Store
from jyuso_kb.store.tokens import Principal, Tokens

CHANGES_WAITING = 4  # change-feed diffs being built or waiting for their thread; more get 503 busy
CHANGES_KEPT = 64  # answers kept per active revision (one per ``since`` asked for)
BUSY = {"retry-after": "5"}


def add_routes(app: FastAPI) -> None:
    @app.get("/v1/revisions", tags=["revisions"], responses={**ERRORS, 401: {"model": ErrorResponse}})
    async def list_revisions(request: Request) -> Response:
        """Every stored revision. Who published it and the note (staff names are personal data) only with a
        token; without one, the rest (id, hash, time, size, conforms)."""
        header = request.headers.get("authorization")
        tokens: Tokens = request.app.state.tokens
        if header is not None and tokens.identify(header) is None:
            return _unauthorized("有効なトークンが必要です(トークンなしでも作成者と注記を除いた一覧は見られます)。")
        store: Store | None = tenant_of(request).store
        snap = snapshot_of(request)
        history = await run_in(request.app.state.executors.store, store.history) if store else []
        rows = [r.as_dict() if header is not None else r.public_dict() for r in history]
        return JSONResponse({"active": snap.revision, "revisions": rows})

    @app.post(
        "/v1/revisions",
        tags=["revisions"],
        status_code=201,
        responses={
            **UPLOAD_ERRORS,
            401: {"model": ErrorResponse},
            403: {"model": ErrorResponse},
            409: {"model": ErrorResponse},
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
        store: Store | None = tenant_of(request).store
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
        snap = snapshot_of(request)
        jobs: Jobs = request.app.state.jobs
        result, payload = await jobs.run(partial(publish_job, body, kind, snap), partial(client_gone, request.receive))
        if payload is None:
            return JSONResponse(
                {
                    "error": {
                        "code": "not_conforming",
                        "message": "計画が要件を満たしていないため公開できません。",
                        "where": "body",
                        "hint": "検証結果の指摘事項を直してから再度送ってください。",
                    },
                    "report": result,
                },
                status_code=422,
            )
        if result["municipality"]["code"] != snap.municipality.code:
            return _other_municipality(result["municipality"], snap)
        tenant = tenant_of(request)
        executors: Executors = request.app.state.executors
        async with tenant.publish_lock:
            revision = await run_in(executors.store, store.publish_canonical, payload, principal.name, note, True)
            data = await run_in(executors.store, store.data, revision.id)
            plan = PlanSource(snap.plan.vocabulary, data, f"revision {revision.id}")
            await swap(executors, tenant, plan, revision.id, request.app.state.national_store)
        return JSONResponse(
            {"revision": revision.as_dict(), "active": revision.id, "diff": result["diff"]}, status_code=201
        )

    @app.post(
        "/v1/revisions/{revision_id}/activate",
        tags=["revisions"],
        responses={**UPLOAD_ERRORS, 401: {"model": ErrorResponse}, 403: {"model": ErrorResponse}},
    )
    async def activate(request: Request, revision_id: str) -> Response:
        principal = _policy(request)
        if isinstance(principal, Response):
            return principal
        store: Store | None = tenant_of(request).store
        if store is None or store.get(revision_id) is None:
            return not_found("版", "revision_id", "/v1/revisions")
        snap = snapshot_of(request)
        jobs: Jobs = request.app.state.jobs
        await jobs.run(partial(trial_load_job, store, revision_id, snap), partial(client_gone, request.receive))
        tenant = tenant_of(request)
        executors: Executors = request.app.state.executors
        async with tenant.publish_lock:
            revision = await run_in(executors.store, store.activate, revision_id, principal.name)
            data = await run_in(executors.store, store.data, revision.id)
            plan = PlanSource(snap.plan.vocabulary, data, f"revision {revision.id}")
            await swap(executors, tenant, plan, revision.id, request.app.state.national_store)
        return JSONResponse({"revision": revision.as_dict(), "active": revision.id})

    @app.post(
        "/v1/revisions/diff",
        tags=["revisions"],
        responses=UPLOAD_ERRORS,
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
        store: Store | None = tenant_of(request).store
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body = await request.body()
        if media == "application/json":
            try:
                wanted = json.loads(body or b"{}")
            except RecursionError:
                return error(
                    422,
                    "too_deep",
                    "入れ子が深すぎて読めません。",
                    "body",
                    '{"old": "版ID", "new": "版ID"} の形で送ってください。',
                )
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
            idents: list[str | None] = []
            for key in ("old", "new"):
                ident = str(wanted.get(key) or "active")
                if ident in ("active", snap.revision):
                    idents.append(None)
                elif store is not None and store.get(ident) is not None:
                    idents.append(ident)
                else:
                    return not_found("版", key, "/v1/revisions")
            job: Any = partial(stored_diff_job, store, idents[0], idents[1], snap)
        else:
            job = partial(diff_job, body, check_type(request.headers.get("content-type")), snap)
        jobs: Jobs = request.app.state.jobs
        return JSONResponse(await jobs.run(job, partial(client_gone, request.receive)))


def add_change_feed(app: FastAPI) -> None:
    waiting = asyncio.Semaphore(CHANGES_WAITING)

    @app.get(
        "/v1/changes",
        tags=["revisions"],
        responses={**ERRORS, 503: {"model": ErrorResponse, "description": "差分の作成が混み合っている(Retry-After)"}},
    )
    async def changes(
        request: Request, since: Annotated[str, Query(min_length=1, max_length=64, pattern="^[0-9a-z-]+$")]
    ) -> Response:
        """What changed in the plan since a stored revision (``since``: an id of GET /v1/revisions): the semantic
        diff from it to the active revision, with ``since`` and ``revision`` named. The active one gives no change.
        Each answer is built once per active revision, in its own thread (polling never waits behind uploads), and
        carries an ETag: ``If-None-Match`` gives 304 until a new revision is active."""
        snap = snapshot_of(request)
        kept = snap.changes_since.get(since)
        if kept is not None:
            return Response(kept, media_type="application/json")
        store: Store | None = tenant_of(request).store
        current = since == snap.revision
        if not current and (store is None or store.get(since) is None):
            return not_found("版", "since", "/v1/revisions")
        if waiting.locked():
            return error(503, "busy", "差分の作成が混み合っています。", "", "数秒後に再度お試しください。", BUSY)
        async with waiting:
            result = await run_in(
                request.app.state.executors.changes, stored_diff, store, None if current else since, None, snap
            )
        body = JSONResponse({"since": since, "revision": snap.revision, **result}).body
        if len(snap.changes_since) >= CHANGES_KEPT:
            snap.changes_since.pop(next(iter(snap.changes_since)))
        snap.changes_since[since] = bytes(body)
        return Response(body, media_type="application/json")


def _policy(request: Request) -> Principal | Response:
    tokens: Tokens = request.app.state.tokens
    principal = tokens.identify(request.headers.get("authorization"))
    if principal is None:
        return _unauthorized("政策担当のトークンが必要です。")
    if principal.role != "policy":
        return error(
            403,
            "forbidden",
            "このトークンでは計画を公開・切り替えできません。",
            "Authorization",
            "政策担当(policy)のトークンを使ってください。",
        )
    municipality = snapshot_of(request).municipality
    if not principal.allows(municipality.code):
        return error(
            403,
            "forbidden",
            f"このトークンでは{municipality.name}の計画を公開・切り替えできません。",
            "Authorization",
            "その市町村を受け持つ政策担当のトークンを使ってください。",
        )
    return principal


def _other_municipality(uploaded: dict[str, str], snap: Snapshot) -> Response:
    target = snap.municipality
    return error(
        422,
        "other_municipality",
        f"送られた計画は{uploaded['name'] or '別の市町村'}(全国地方公共団体コード {uploaded['code'] or 'なし'})の計画で、"
        f"{target.name}({target.code})の計画ではありません。",
        "body",
        f"/v1/municipalities/{uploaded['code']}/revisions に送るか、{target.name}の計画を送ってください。"
        if uploaded["code"]
        else "計画に市町村の全国地方公共団体コードを書いてください。",
    )


def _unauthorized(message: str) -> Response:
    return error(
        401,
        "unauthorized",
        message,
        "Authorization",
        "Authorization: Bearer <トークン> を付けてください。",
        {"www-authenticate": "Bearer"},
    )
