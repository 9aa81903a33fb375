"""GET|POST /v1/sparql: the SPARQL 1.1 Protocol, read-only, answered by the worker pool (the municipality's plan
graph, or with a national store every municipality; ``/v1/municipalities/{code}/sparql`` then asks that one)."""

from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI, Query, Request
from fastapi.responses import Response

from jyuso_kb.serve.current import is_scoped, tenant_of
from jyuso_kb.serve.errors import ERRORS, ErrorResponse, error
from jyuso_kb.serve.guard import MAX_QUERY_STRING
from jyuso_kb.serve.negotiate import negotiate
from jyuso_kb.serve.sparql_pool import PoolBusy, SparqlPool, run_current
from jyuso_kb.serve.sparql_query import GRAPH_TYPES, SELECT_TYPES


def add_routes(app: FastAPI) -> None:

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


async def _sparql(request: Request, text: str) -> Response:
    accept = (
        negotiate(request.headers.get("accept", ""), {**{k: k for k in SELECT_TYPES}, **{k: k for k in GRAPH_TYPES}})
        or ""
    )
    tenant = tenant_of(request)
    national: SparqlPool | None = request.app.state.national
    if national is not None:  # the national store: every municipality, or the one the path names
        pool, current, scope = national, (lambda: national), (tenant.code if is_scoped(request) else None)
    else:
        own = tenant.sparql
        assert own is not None  # without the national store, every municipality has its own workers
        pool, current, scope = own, (lambda: tenant.sparql or own), None
    try:
        outcome = await run_current(current, text, accept, scope)
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
