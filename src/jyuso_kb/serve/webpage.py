"""The Japanese web page for 窓口 staff and policy staff: ``/`` serves ``web/index.html``, ``/web/…`` its assets.

Plain static files (ES modules, CSS; no build step, nothing fetched from other origins) that call the same-origin
API. A strict Content-Security-Policy lets the browser itself refuse anything else. Nothing about a household is
stored: the page keeps a routing result in memory only and posts needs in request bodies, never in URLs.

The page explains a "why" with ``GET /v1/rules`` (each rule's Japanese name, intent and the section of the chosen
municipality's plan it cites) and offers the consent states with their labels in the ontology. It answers for the
municipality chosen on the page (``?municipality=CODE``, remembered in the browser): every API path it calls is then
``/v1/municipalities/CODE/…``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

WEB_DIR = Path(__file__).resolve().parent / "web"

SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        "font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
    # The page changes with each release and has no household data; revalidate rather than cache stale code.
    "cache-control": "no-cache",
}


class _Headers:
    """ASGI wrapper adding the page's security headers to every response of the wrapped app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.decode("latin-1") not in SECURITY_HEADERS]
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def mount_web(app: FastAPI) -> None:
    """Serve the page at ``/`` and its static assets under ``/web/``."""
    index = WEB_DIR / "index.html"

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(index, media_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)

    app.mount("/web", _Headers(StaticFiles(directory=WEB_DIR)), name="web")
