"""The municipalities served, the routing rules as one plan cites them, and the per-municipality paths in OpenAPI."""

from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from jyuso_kb.serve.current import snapshot_of
from jyuso_kb.serve.errors import ERRORS, not_found
from jyuso_kb.serve.tenants import SCOPE, Tenants

# Paths that are the same for every municipality: not repeated under /v1/municipalities/{code}/.
UNSCOPED = ("/v1/municipalities", "/v1/context.jsonld", "/v1/workbook/template", "/v1/national/")
CODE_PARAMETER = {
    "name": "code",
    "in": "path",
    "required": True,
    "description": "市町村の全国地方公共団体コード(6桁)。GET /v1/municipalities の code。",
    "schema": {"type": "string", "pattern": "^[0-9]{6}$"},
}


def _entry(tenants: Tenants, code: str) -> dict[str, Any]:
    tenant = tenants.by_code[code]
    snap = tenant.snapshot
    return {
        **(snap.listing() if snap is not None else (tenant.about or {})),
        "default": tenant is tenants.default,
        "links": {"self": f"{SCOPE}{code}", "api": f"{SCOPE}{code}/"},
    }


def add_routes(app: FastAPI) -> None:
    @app.get("/v1/municipalities", tags=["municipalities"])
    async def municipalities(request: Request) -> dict[str, Any]:
        """Every municipality this service answers for, in the order given at start; ``default`` is the one the
        paths without /v1/municipalities/{code} answer for. Served from the national store, a municipality not
        loaded yet is listed with its code, names and prefecture and ``"loaded": false``."""
        tenants: Tenants = request.app.state.tenants
        return {
            "municipalities": [_entry(tenants, t.code) for t in tenants],
            "default": tenants.default.code,
        }

    @app.get("/v1/municipalities/{code}", tags=["municipalities"], responses=ERRORS)
    async def municipality(request: Request, code: str) -> Any:
        tenants: Tenants = request.app.state.tenants
        if tenants.get(code) is None:
            return not_found("市町村", "code", "/v1/municipalities")
        return _entry(tenants, code)

    @app.get("/v1/rules", tags=["catalog"])
    async def rules(request: Request) -> JSONResponse:
        """Every routing rule (id, Japanese name, intent, legal item, example) with the section of this plan it
        reads, and the consent states a route request takes."""
        snap = snapshot_of(request)
        consent = [{"value": value, "label": text} for value, text in snap.index.consent_labels.items()]
        return JSONResponse({"rules": list(snap.rules), "consent": consent})


def document_scoped_paths(app: FastAPI) -> None:
    """Put every plan-scoped operation into the OpenAPI document a second time, under /v1/municipalities/{code}."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = generate()
        paths: dict[str, Any] = document["paths"]
        scoped: dict[str, Any] = {}
        for path, operations in paths.items():
            if not path.startswith("/v1/") or path.startswith(UNSCOPED):
                continue
            copied = copy.deepcopy(operations)
            for operation in copied.values():
                operation["operationId"] = f"{operation.get('operationId', path)}_of_municipality"
                operation["parameters"] = [CODE_PARAMETER, *operation.get("parameters", [])]
                operation.setdefault("responses", {}).setdefault(
                    "404", {"description": ERRORS[404]["description"], **_error_content()}
                )
            scoped[f"{SCOPE}{{code}}/{path[len('/v1/') :]}"] = copied
        document["paths"] = {**paths, **scoped}
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _error_content() -> dict[str, Any]:
    return {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}}
