"""Checking an uploaded plan revision before and after parsing: type, size, literal length, triple count."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import Graph, Literal

from .errors import InputError
from .rdf_input import parse_jsonld, parse_turtle

MAX_BODY = 10 * 1024 * 1024
MAX_LITERAL = 64 * 1024
MAX_TRIPLES = 200_000
TURTLE_TYPES = {"text/turtle", "application/x-turtle"}
JSONLD_TYPES = {"application/ld+json"}
_LONG_RUN = re.compile(rb"[^\"'\\\n]{%d,}" % (MAX_LITERAL + 1))
_DELIMITERS = re.compile(rb"[.;,\]\}]")


@dataclass(frozen=True)
class UploadError(Exception):
    status: int
    error: InputError


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


def precheck(body: bytes) -> None:
    """Cheap checks on the raw bytes: a single literal over 64 KiB, or far more statements than allowed (422)."""
    if _LONG_RUN.search(body):
        raise UploadError(
            422,
            InputError("literal_too_long", "64 KiB を超える文字列があります。", "body", "長い文章は分けてください。"),
        )
    if len(_DELIMITERS.findall(body)) > MAX_TRIPLES * 3:
        raise UploadError(
            422,
            InputError(
                "too_many_triples",
                f"トリプルが多すぎます(上限 {MAX_TRIPLES:,})。",
                "body",
                "計画のデータだけを送ってください。",
            ),
        )


def parse(body: bytes, kind: str) -> Graph:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise UploadError(
            400, InputError("encoding", "UTF-8 として読めません。", "body", "UTF-8 で送ってください。")
        ) from err
    try:
        graph = parse_turtle(text, "body") if kind == "turtle" else parse_jsonld(text, "body")
    except InputError as err:
        raise UploadError(400, err) from err
    if len(graph) > MAX_TRIPLES:
        raise UploadError(
            422,
            InputError(
                "too_many_triples",
                f"トリプルが多すぎます(上限 {MAX_TRIPLES:,})。",
                "body",
                "計画のデータだけを送ってください。",
            ),
        )
    for _, _, o in graph:
        if isinstance(o, Literal) and len(o) > MAX_LITERAL:
            raise UploadError(
                422,
                InputError(
                    "literal_too_long", "64 KiB を超える文字列があります。", "body", "長い文章は分けてください。"
                ),
            )
    return graph
