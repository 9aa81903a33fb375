"""Checking an uploaded plan revision before and after parsing: type, size, literal length, triple count.

Cheap checks run on the decoded text before any RDF parser: a single string literal over 64 KiB (in UTF-8 bytes,
like the check after parsing) or clearly more than 200,000 statements is refused at once (422), so a
large or hostile upload never reaches the slow parser.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rdflib import Graph, Literal

from .errors import InputError
from .rdf_input import parse_jsonld, parse_turtle

MAX_BODY = 10 * 1024 * 1024
MAX_LITERAL = 64 * 1024
MAX_TRIPLES = 200_000
TURTLE_TYPES = {"text/turtle", "application/x-turtle"}
JSONLD_TYPES = {"application/ld+json"}
# Turtle string tokens (long and short forms) and IRIs: what is removed before counting statement delimiters.
_STRINGS = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'')
_IRIS = re.compile(r"<[^<>\s]*>")
_DELIMITERS = re.compile(r"[;,]|\.(?![0-9])|\](?=\s*[.;,\]])")


class UploadError(Exception):
    """An upload refused with an HTTP status (415, 422, 400) and the error to answer."""

    def __init__(self, status: int, error: InputError) -> None:
        super().__init__(status, error.code)
        self.status = status
        self.error = error


def media_type(header: str | None) -> str:
    return (header or "").split(";")[0].strip().lower()


def check_type(header: str | None) -> str:
    """'turtle' or 'jsonld'; anything else is refused before any parser runs (415)."""
    kind = media_type(header)
    if kind in TURTLE_TYPES:
        return "turtle"
    if kind in JSONLD_TYPES:
        return "jsonld"
    raise UploadError(
        415,
        InputError(
            "unsupported_media_type",
            f"この形式({kind or '指定なし'})は受け付けません。",
            "Content-Type",
            "Content-Type: text/turtle または application/ld+json で送ってください(RDF/XML は受け付けません)。",
        ),
    )


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise UploadError(
            400, InputError("encoding", "UTF-8 として読めません。", "body", "UTF-8 で送ってください。")
        ) from err


def _too_long() -> UploadError:
    return UploadError(
        422, InputError("literal_too_long", "64 KiB を超える文字列があります。", "body", "長い文章は分けてください。")
    )


def _too_many() -> UploadError:
    return UploadError(
        422,
        InputError(
            "too_many_triples",
            f"トリプルが多すぎます(上限 {MAX_TRIPLES:,})。",
            "body",
            "計画のデータだけを送ってください。",
        ),
    )


def _json_scalars(node: Any) -> int:
    if isinstance(node, dict):
        return sum(_json_scalars(v) for k, v in node.items() if k != "@context")
    if isinstance(node, list):
        return sum(_json_scalars(v) for v in node)
    return 1


def _json_long_string(node: Any) -> bool:
    if isinstance(node, str):
        return len(node) > MAX_LITERAL // 4 and len(node.encode("utf-8")) > MAX_LITERAL
    if isinstance(node, dict):
        return any(_json_long_string(v) for v in node.values())
    if isinstance(node, list):
        return any(_json_long_string(v) for v in node)
    return False


def precheck(body: bytes, kind: str = "turtle") -> str:
    """The decoded text, after the cheap checks (422 for an over-long literal or too many statements)."""
    text = _decode(body)
    if kind == "jsonld":
        try:
            document = json.loads(text)
        except (json.JSONDecodeError, RecursionError):
            return text  # the parser reports the syntax error with its line
        if _json_long_string(document):
            raise _too_long()
        if _json_scalars(document) > MAX_TRIPLES:
            raise _too_many()
        return text
    for match in _STRINGS.finditer(text):
        token = match.group()
        if len(token) > MAX_LITERAL // 4 and len(token.encode("utf-8")) - 2 > MAX_LITERAL:
            raise _too_long()
    stripped = _IRIS.sub("<>", _STRINGS.sub('""', text))
    statements = len(_DELIMITERS.findall(stripped))
    if statements > MAX_TRIPLES:
        raise _too_many()
    return text


def parse(body: bytes, kind: str) -> Graph:
    text = _decode(body)
    try:
        graph = parse_turtle(text, "body") if kind == "turtle" else parse_jsonld(text, "body")
    except InputError as err:
        raise UploadError(400, err) from err
    if len(graph) > MAX_TRIPLES:
        raise _too_many()
    for _, _, o in graph:
        if isinstance(o, Literal) and len(o) > MAX_LITERAL // 4 and len(str(o).encode("utf-8")) > MAX_LITERAL:
            raise _too_long()
    return graph
