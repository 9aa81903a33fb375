"""POST /v1/validate: a revised plan → the Japanese SHACL report, failed checks and the diff to the active plan."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace
from typing import Any

from fastapi import FastAPI, Request

from jyuso_kb.check.validation import validate
from jyuso_kb.formats.diff import semantic_diff
from jyuso_kb.plan.source import PlanSource
from jyuso_kb.serve.current import snapshot_of
from jyuso_kb.serve.errors import ERRORS, ErrorResponse
from jyuso_kb.serve.snapshot import Snapshot, revision_of
from jyuso_kb.serve.uploads import check_type, parse_with_locations, precheck, where_in_workbook


def add_routes(app: FastAPI) -> None:

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
        snap = snapshot_of(request)
        lock: threading.Lock = request.app.state.validate_lock
        return await asyncio.to_thread(validate_upload, body, kind, snap, lock)


def validate_upload(body: bytes, kind: str, snap: Snapshot, lock: threading.Lock) -> dict[str, Any]:
    uploaded, index = parse_with_locations(body, kind)
    revision = PlanSource(snap.plan.vocabulary, uploaded, "upload")
    with lock:
        result = validate(revision)
    findings = [replace(f, location=where_in_workbook(index, f.focus, f.path)) for f in result.report.findings]
    return {
        "conforms": result.conforms,
        "findings": [f.as_dict() for f in findings],
        "checks": [r.as_dict() for r in result.failed_checks],
        "revision": revision_of(uploaded),
        "active_revision": snap.revision,
        "diff": semantic_diff(snap.plan.data, uploaded, snap.plan.vocabulary),
    }
