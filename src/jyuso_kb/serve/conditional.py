"""Conditional GET for the catalog and the exports: an ``ETag`` (a hash of the answer) and ``Last-Modified`` (when
this process began to serve the revision) on every 200, and ``304 Not Modified`` without a body when the client's
``If-None-Match`` names the same ETag. Tools that poll the catalog then transfer it only when the plan changed."""

from __future__ import annotations

import hashlib

from starlette.types import Message, Send

# The answers that depend on the plan revision alone (and on the format asked for, which the ETag's hash covers).
VALIDATED = (
    "/v1/needs",
    "/v1/programs",
    "/v1/departments",
    "/v1/meetings",
    "/v1/matrix",
    "/v1/schedule",
    "/v1/legal-items",
    "/v1/catalog",
    "/v1/export/",
    "/v1/dcat",
    "/v1/changes",
    "/v1/rules",
    "/v1/context.jsonld",
    "/context.jsonld",
    "/v1/resources/",
    "/ontology",
    "/shapes",
    "/needs/",
    "/law/",
    "/rules/",
)


def validated(method: str, path: str) -> bool:
    return method == "GET" and path.startswith(VALIDATED)


def etag_of(body: bytes) -> bytes:
    return b'"' + hashlib.sha256(body).hexdigest()[:32].encode() + b'"'


def matches(if_none_match: bytes | None, etag: bytes) -> bool:
    """Whether ``If-None-Match`` names this ETag (weak or strong, or ``*``)."""
    if not if_none_match:
        return False
    tags = [t.strip().removeprefix(b"W/") for t in if_none_match.split(b",")]
    return b"*" in tags or etag in tags


async def send_validated(messages: list[Message], send: Send, if_none_match: bytes | None, modified: str) -> None:
    """A held answer, with its validators; 304 (no body) when the client has it already."""
    start, bodies = messages[0], messages[1:]
    body = b"".join(m.get("body", b"") for m in bodies)
    if start["status"] != 200:
        await send(start)
        await send({"type": "http.response.body", "body": body, "more_body": False})
        return
    etag = etag_of(body)
    headers = [*start["headers"], (b"etag", etag), (b"last-modified", modified.encode())]
    if matches(if_none_match, etag):
        kept = [(k, v) for k, v in headers if k.lower() not in (b"content-length", b"content-type")]
        await send({**start, "status": 304, "headers": kept})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return
    await send({**start, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
