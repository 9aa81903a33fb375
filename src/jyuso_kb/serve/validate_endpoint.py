"""POST /v1/validate: a revised plan → the Japanese SHACL report, failed checks and the diff to the active plan."""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import FastAPI, Request

from jyuso_kb.serve.bounded import Jobs, client_gone
from jyuso_kb.serve.current import snapshot_of
from jyuso_kb.serve.errors import UPLOAD_ERRORS
from jyuso_kb.serve.upload_jobs import validate_job
from jyuso_kb.serve.uploads import check_type


def add_routes(app: FastAPI) -> None:

    @app.post(
        "/v1/validate",
        tags=["revisions"],
        responses=UPLOAD_ERRORS,
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
        jobs: Jobs = request.app.state.jobs
        report: dict[str, Any] = await jobs.run(
            partial(validate_job, body, kind, snapshot_of(request)), partial(client_gone, request.receive)
        )
        return report
