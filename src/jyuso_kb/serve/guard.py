"""The Guard: ASGI middleware in front of every endpoint (limits, headers, access log)."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import sys
import time
from collections.abc import Mapping

from fastapi.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jyuso_kb import __version__
from jyuso_kb.serve.conditional import VALIDATED, send_validated, validated
from jyuso_kb.serve.errors import error, not_found
from jyuso_kb.serve.logsafety import printable
from jyuso_kb.serve.resident import Resident
from jyuso_kb.serve.snapshot import Snapshot
from jyuso_kb.serve.tenants import Tenants, scoped

ACCESS_LOG = logging.getLogger("jyuso_kb.access")
MAX_QUERY_STRING = 4096
PRIVATE_PATHS = ("/v1/route", "/v1/who-handles", "/v1/validate", "/v1/revisions")
# Open to other origins (CORS): the catalog answers that conditional GET validates, and the other public lists.
CATALOG_PATHS = (
    *VALIDATED,
    "/v1/changes",
    "/v1/municipalities",
    "/v1/workbook/template",
    "/v1/national/",
    "/health",
    "/data/",
)
# The Swagger UI pages (fastapi_offline): their script and style sheet come from /docs/assets, and each page has one
# inline script, allowed by its hash (computed from the page as served, so it always matches).
DOCS_PAGES = ("/docs", "/docs/oauth2-redirect")
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
NOSNIFF = (b"x-content-type-options", b"nosniff")


def docs_policy(page: bytes) -> bytes:
    """The Content-Security-Policy of a /docs page: its own origin only, and its inline scripts by their hashes.

    Swagger UI needs ``data:`` images (the icons of its style sheet) and no inline style: React sets styles through
    the DOM, which ``style-src`` does not govern."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode("ascii") + "'"
        for script in _INLINE_SCRIPT.findall(page)
    )
    script_src = f"script-src 'self' {hashes}" if hashes else "script-src 'self'"
    return (
        f"default-src 'self'; {script_src}; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ).encode("ascii")


class Guard:
    """ASGI middleware: the municipality a request is for (``/v1/municipalities/{code}/…`` is passed on as ``/v1/…``
    with that municipality and its snapshot pinned; an unknown code is a 404), query-string and body limits, revision
    and municipality headers, no-store, CORS for the catalog, ``nosniff`` on every response, a Content-Security-Policy
    on the /docs pages, access log (with the path as asked); dispatches the paths of ``direct`` to their plain ASGI
    endpoints."""

    def __init__(self, app: ASGIApp, max_body: int, direct: Mapping[str, ASGIApp]) -> None:
        self.app = app
        self.max_body = max_body
        self.direct = direct  # path → plain ASGI endpoint answered here, past FastAPI's router (the hot path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        asked: str = scope["path"]  # as the client wrote it (the access log's path)
        status_box = {"status": 0}
        tenants: Tenants | None = getattr(scope["app"].state, "tenants", None) if "app" in scope else None
        within = scoped(asked)
        tenant = None
        if tenants is not None:
            tenant = tenants.get(within[0]) if within is not None else tenants.default
        if within is not None and tenant is not None:
            scope = {**scope, "path": within[1], "raw_path": within[1].encode()}
        path: str = scope["path"]
        resident: Resident | None = getattr(scope["app"].state, "resident", None) if "app" in scope else None
        snapshot: Snapshot | None = tenant.snapshot if tenant is not None else None
        if tenant is not None and resident is not None:
            snapshot = await resident.ready(tenant)  # loaded when first asked; None: still loading past 1 s
        if tenant is not None:
            state = scope.setdefault("state", {})
            state["tenant"] = tenant
            state["snapshot"] = snapshot
            state["scoped"] = within is not None
        held: list[Message] = []  # a /docs page's or a validated answer's start and body, until it is complete
        conditional = snapshot is not None and validated(scope["method"], path)

        async def send_wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_box["status"] = message["status"]
                headers = list(message.get("headers", []))
                if snapshot is not None:
                    headers.append((b"x-plan-revision", snapshot.revision.encode()))
                    headers.append((b"x-plan-adopted", snapshot.adopted.encode()))
                    headers.append((b"x-municipality-code", snapshot.municipality.code.encode()))
                headers.append((b"x-jyuso-kb-version", __version__.encode()))
                if path.startswith(PRIVATE_PATHS):
                    headers.append((b"cache-control", b"no-store"))
                if path.startswith(CATALOG_PATHS) or path.startswith("/v1/sparql"):
                    headers.append((b"access-control-allow-origin", b"*"))
                if not any(name.lower() == NOSNIFF[0] for name, _ in headers):
                    headers.append(NOSNIFF)
                message["headers"] = headers
                if path in DOCS_PAGES or conditional:
                    held.append(message)
                    return
            elif held and message["type"] == "http.response.body":
                held.append(message)
                if message.get("more_body", False):
                    return
                if conditional and snapshot is not None:
                    asked_for = dict(scope.get("headers", [])).get(b"if-none-match")
                    await send_validated(held, send, asked_for, snapshot.served_since)
                else:
                    await _send_docs_page(held, send)
                held.clear()
                return
            await send(message)

        try:
            if within is not None and tenants is not None and tenant is None:
                await not_found("市町村", "path", "/v1/municipalities")(scope, receive, send_wrapped)
                return
            if tenant is not None and snapshot is None and resident is not None and tenant.code in resident.failed:
                await error(
                    503,
                    "plan_unavailable",
                    "この市町村の計画を読み込めませんでした。",
                    "path",
                    "計画のファイルを確かめるよう管理者に連絡してください(サーバーのログに理由があります)。",
                    {"retry-after": "30"},
                )(scope, receive, send_wrapped)
                return
            if tenant is not None and snapshot is None:
                await error(
                    503,
                    "plan_loading",
                    "この市町村の計画を読み込んでいます。",
                    "path",
                    "数秒後にもう一度お試しください(Retry-After の秒数)。",
                    {"retry-after": "3"},
                )(scope, receive, send_wrapped)
                return
            if len(scope.get("query_string", b"")) > MAX_QUERY_STRING:
                await error(
                    414, "query_too_long", "URL の問い合わせ文字列が長すぎます。", "query", "POST で送ってください。"
                )(scope, receive, send_wrapped)
                return
            if scope["method"] == "OPTIONS" and path.startswith(CATALOG_PATHS):
                await Response(
                    status_code=204,
                    headers={"access-control-allow-methods": "GET, OPTIONS", "access-control-allow-headers": "accept"},
                )(scope, receive, send_wrapped)
                return
            declared = dict(scope.get("headers", [])).get(b"content-length")
            if declared is not None and declared.isdigit() and int(declared) > self.max_body:
                await self._too_large(scope, receive, send_wrapped)
                return
            body, complete = await self._read(receive)
            if not complete:
                await self._too_large(scope, receive, send_wrapped)
                return
            await self.direct.get(path, self.app)(scope, _replay(body, receive), send_wrapped)
        finally:
            # An exception on its way out is answered outside this middleware, by the app's 500 handler.
            status = status_box["status"] or (500 if sys.exc_info()[0] is not None else 0)
            elapsed = (time.perf_counter() - started) * 1000
            # The path is the client's text, percent-decoded: escaped, so that it cannot forge a line or a field.
            ACCESS_LOG.info("%s %s %s %.1fms", printable(scope["method"]), printable(asked), status, elapsed)

    async def _read(self, receive: Receive) -> tuple[bytes, bool]:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks), True
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                return b"", False
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks), True

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = f"{self.max_body // (1024 * 1024)} MiB"
        await error(
            413,
            "body_too_large",
            f"送信データが大きすぎます(上限 {limit})。",
            "body",
            "計画のデータだけを送ってください。",
        )(scope, receive, send)


async def _send_docs_page(messages: list[Message], send: Send) -> None:
    """A held /docs page, sent with the Content-Security-Policy of its inline scripts (HTML only)."""
    start, bodies = messages[0], messages[1:]
    page = b"".join(m.get("body", b"") for m in bodies)
    headers = list(start["headers"])
    content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
    if content_type.startswith(b"text/html"):
        headers.append((b"content-security-policy", docs_policy(page)))
    await send({**start, "headers": headers})
    await send({"type": "http.response.body", "body": page, "more_body": False})


def _replay(body: bytes, original: Receive) -> Receive:
    """The body read by the Guard, then the client's own messages (so an endpoint sees ``http.disconnect``)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await original()

    return receive
