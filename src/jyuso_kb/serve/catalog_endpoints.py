"""Catalog endpoints: health, needs, programmes, departments, meetings, matrix, schedule, legal items, catalog, the
active plan as a workbook, and the blank workbook (template) for any municipality."""

from __future__ import annotations

import asyncio
import io
import re
from functools import lru_cache
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response

from jyuso_kb import __version__, resources
from jyuso_kb.errors import InputError
from jyuso_kb.formats import export, standards
from jyuso_kb.formats.workbook import template_tables, write_xlsx
from jyuso_kb.serve.current import snapshot_of
from jyuso_kb.serve.errors import ERRORS, ErrorResponse, error, not_found
from jyuso_kb.serve.executors import run_in
from jyuso_kb.serve.negotiate import CATALOG_TYPES, negotiate

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DCAT_TYPES = {"text/turtle": "ttl", "application/ld+json": "jsonld"}
HOST = re.compile(r"[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]{2,45}\](:[0-9]{1,5})?")
TEMPLATE_WAITING = 4  # blank workbooks being built or waiting for the one builder thread; more get 503 busy
WORKBOOK_WAITING = 4  # plan workbooks being built or waiting for their thread; more get 503 busy


@lru_cache(maxsize=32)
def template_xlsx(code: str, name: str) -> bytes:
    """The blank workbook of one municipality as .xlsx bytes (about 110 kB; the last few are kept)."""
    buffer = io.BytesIO()
    write_xlsx(template_tables(code, name), buffer)
    return buffer.getvalue()


def service_base(request: Request) -> str | None:
    """The service's own URL for the links of the DCAT record, or None (the permanent w3id.org URLs) when the Host
    header is not a plain host name and port."""
    base = str(request.base_url)
    return base if HOST.fullmatch(request.url.netloc) else None


def add_routes(app: FastAPI) -> None:
    template_slots = asyncio.Semaphore(TEMPLATE_WAITING)
    workbook_slots = asyncio.Semaphore(WORKBOOK_WAITING)

    @app.get("/health", tags=["service"])
    async def health(request: Request) -> JSONResponse:
        snap = snapshot_of(request)
        return JSONResponse(
            {"status": "ok", "version": __version__, "revision": snap.revision, "plan": snap.index.plan_label}
        )

    @app.get("/v1/needs", tags=["catalog"])
    async def needs(request: Request) -> dict[str, Any]:
        return {"needs": list(snapshot_of(request).needs)}

    @app.get("/v1/programs", tags=["catalog"])
    async def programs(request: Request) -> dict[str, Any]:
        snap = snapshot_of(request)
        return {"revision": snap.revision, "programs": list(snap.programs), "source": snap.chapters["programs"]}

    @app.get("/v1/programs/{program_id}", tags=["catalog"], responses=ERRORS)
    async def program(request: Request, program_id: str) -> Any:
        found = snapshot_of(request).program(program_id)
        return found if found is not None else not_found("事業", "program_id", "/v1/programs")

    @app.get("/v1/departments", tags=["catalog"])
    async def departments(request: Request) -> dict[str, Any]:
        snap = snapshot_of(request)
        return {"departments": list(snap.departments), "source": snap.chapters["departments"]}

    @app.get("/v1/departments/{department_id}", tags=["catalog"], responses=ERRORS)
    async def department(request: Request, department_id: str) -> Any:
        found = snapshot_of(request).department(department_id)
        return found if found is not None else not_found("課", "department_id", "/v1/departments")

    @app.get("/v1/meetings", tags=["catalog"])
    async def meetings(request: Request) -> dict[str, Any]:
        snap = snapshot_of(request)
        return {"meetings": list(snap.meetings), "source": snap.chapters["meetings"]}

    @app.get("/v1/meetings/{meeting_id}", tags=["catalog"], responses=ERRORS)
    async def meeting(request: Request, meeting_id: str) -> Any:
        found = snapshot_of(request).meeting(meeting_id)
        return found if found is not None else not_found("会議", "meeting_id", "/v1/meetings")

    @app.get("/v1/matrix", tags=["catalog"])
    async def matrix(request: Request) -> dict[str, Any]:
        return snapshot_of(request).matrix

    @app.get("/v1/schedule", tags=["catalog"])
    async def schedule(request: Request) -> dict[str, Any]:
        return snapshot_of(request).schedule

    @app.get("/v1/legal-items", tags=["catalog"])
    async def legal_items(request: Request) -> dict[str, Any]:
        return {"legal_items": list(snapshot_of(request).legal_items)}

    @app.get(
        "/v1/context.jsonld",
        tags=["catalog"],
        response_class=Response,
        responses={200: {"content": {"application/ld+json": {}}, "description": "この計画の JSON-LD @context"}},
    )
    @app.get(
        "/context.jsonld",
        tags=["iri"],
        response_class=Response,
        responses={
            200: {
                "content": {"application/ld+json": {}},
                "description": "JSON-LD の @context の IRI(https://w3id.org/jyuso-kb/context.jsonld)。/v1/context.jsonld と同じ",
            }
        },
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
        snap = snapshot_of(request)
        chosen = format or negotiate(request.headers.get("accept", ""), CATALOG_TYPES) or "json"
        described_at = f"/v1/municipalities/{snap.municipality.code}/dcat"  # publisher, licence, period, distributions
        # the answer depends on Accept: caches keep one per format
        described = {"link": f'<{described_at}>; rel="describedby"; type="text/turtle"', "vary": "Accept"}
        if chosen == "jsonld":
            return Response(
                snap.jsonld,
                media_type="application/ld+json",
                headers={
                    **described,
                    "link": f'</v1/context.jsonld>; rel="http://www.w3.org/ns/json-ld#context", {described["link"]}',
                },
            )
        if chosen == "ttl":
            return Response(snap.turtle, media_type="text/turtle; charset=utf-8", headers=described)
        if chosen == "csv":
            return Response(
                snap.csv,
                media_type="text/csv; charset=utf-8",
                headers={**described, "content-disposition": 'attachment; filename="programs.csv"'},
            )
        return JSONResponse(
            {
                "revision": snap.revision,
                "plan": snap.index.plan_label,
                "dcat": described_at,
                "programs": list(snap.programs),
            },
            headers=described,
        )

    @app.get(
        "/v1/export/{standard}",
        tags=["catalog"],
        responses={
            200: {
                "content": {"text/turtle": {}, "application/ld+json": {}, "application/json": {}},
                "description": "この計画の事業を公共サービスの標準で(cpsv-ap: CPSV-AP 3.2 の Turtle、hsds: Open Referral"
                " HSDS 3.0 の JSON、schema-org: schema.org の JSON-LD、gif: デジタル庁 GIF 行政サービス・制度の JSON、"
                "dcat: DCAT 3 のデータセット説明)",
            },
            404: {"model": ErrorResponse},
        },
    )
    async def export_standard(request: Request, standard: str) -> Response:
        if standard not in standards.names():
            return not_found("標準の書き出し", "standard", "/openapi.json の /v1/export/{standard}")
        snap = snapshot_of(request)
        body = snap.cached_export(standard) or await run_in(request.app.state.executors.exports, snap.export, standard)
        return Response(body, media_type=f"{standards.standard(standard).media_type}; charset=utf-8")

    @app.get(
        "/v1/dcat",
        tags=["catalog"],
        response_class=Response,
        responses={
            200: {
                "content": {"text/turtle": {}, "application/ld+json": {}},
                "description": "データセットの説明(DCAT 3: 発行者、ライセンス、計画期間、形式ごとの配布、SPARQL エンドポイント)",
            },
            406: {"model": ErrorResponse},
        },
    )
    async def dcat(request: Request, format: Annotated[str | None, Query(pattern="^(jsonld|ttl)$")] = None) -> Response:
        chosen = format or negotiate(request.headers.get("accept", ""), DCAT_TYPES) or "ttl"
        snap = snapshot_of(request)
        graph = await run_in(request.app.state.executors.exports, snap.dataset, service_base(request))
        vary = {"vary": "Accept"}  # the answer depends on Accept: caches keep one per format
        if chosen == "jsonld":
            body = graph.serialize(format="json-ld", context=dict(standards.PREFIXES), auto_compact=True, indent=2)
            return Response(body.encode(), media_type="application/ld+json", headers=vary)
        return Response(export.to_turtle(graph).encode(), media_type="text/turtle; charset=utf-8", headers=vary)

    @app.get(
        "/v1/workbook/template",
        tags=["workbook"],
        response_class=Response,
        responses={
            200: {"content": {XLSX: {}}, "description": "空の計画ワークブック(説明シートとドロップダウン付きの .xlsx)"},
            422: {"model": ErrorResponse, "description": "全国地方公共団体コードまたは市町村名が正しくない"},
            503: {"model": ErrorResponse, "description": "ひな形の作成が混み合っている(Retry-After 秒後に再度)"},
        },
    )
    async def workbook_template(
        request: Request,
        code: Annotated[str, Query(max_length=16, description="全国地方公共団体コード(6 桁、検査数字付き)")],
        name: Annotated[str, Query(max_length=64, description="市町村名")],
    ) -> Response:
        if template_slots.locked():
            return error(
                503,
                "busy",
                "ひな形の作成が混み合っています。",
                "",
                "数秒後に再度お試しください。",
                {"retry-after": "5"},
            )
        async with template_slots:
            try:
                body = await run_in(request.app.state.executors.template, template_xlsx, code, name)
            except InputError as err:
                return error(422, err.code, err.message, "query." + err.where.lstrip("-"), err.hint)
        return Response(
            body, media_type=XLSX, headers={"content-disposition": 'attachment; filename="workbook-template.xlsx"'}
        )

    @app.get(
        "/v1/workbook",
        tags=["workbook"],
        response_class=Response,
        responses={
            200: {
                "content": {XLSX: {}},
                "description": "現在の計画のワークブック(jyuso-kb workbook export と同じ .xlsx)",
            },
            503: {"model": ErrorResponse, "description": "ワークブックの作成が混み合っている(Retry-After 秒後に再度)"},
        },
    )
    async def workbook(request: Request) -> Response:
        snap = snapshot_of(request)
        body = snap.__dict__.get("workbook")  # built once per snapshot (a cached property)
        if body is None:
            if workbook_slots.locked():
                return error(
                    503,
                    "busy",
                    "ワークブックの作成が混み合っています。",
                    "",
                    "数秒後に再度お試しください。",
                    {"retry-after": "5"},
                )
            async with workbook_slots:
                body = await run_in(request.app.state.executors.workbook, lambda: snap.workbook)
        name = f"plan-{snap.municipality.code}-{snap.revision}.xlsx"
        return Response(body, media_type=XLSX, headers={"content-disposition": f'attachment; filename="{name}"'})
