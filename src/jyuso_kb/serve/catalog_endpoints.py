"""Catalog endpoints: health, needs, programmes, departments, meetings, matrix, schedule, legal items, catalog."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response

from jyuso_kb import __version__, resources
from jyuso_kb.serve.current import snapshot_of
from jyuso_kb.serve.errors import ERRORS, ErrorResponse, not_found
from jyuso_kb.serve.negotiate import CATALOG_TYPES, negotiate


def add_routes(app: FastAPI) -> None:
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
