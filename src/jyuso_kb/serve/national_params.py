"""The query parameters of the national endpoints, checked by hand: every bad value is a 400 in the service's error
shape (never FastAPI's 422), an unknown or repeated parameter too (a misspelt filter would otherwise widen the
answer silently), and no message repeats what the client sent. The values are only ever compared in memory with the
index (``national_answers.py``): no parameter reaches a query text.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from jyuso_kb.serve.national_index import Vocabulary, short_id, vocabulary, vocabulary_names

MAX_TEXT = 64  # characters of a name or a text filter
DEFAULT_LIMIT, MAX_LIMIT = 100, 1000
MAX_CURSOR = 1024
CODE = re.compile(r"[0-9]{6}")
PREFECTURE_CODE = re.compile(r"[0-9]{2}")
YEAR = re.compile(r"[0-9]{4}")
LIMIT = re.compile(r"[0-9]{1,4}")
CURSOR = re.compile(r"[A-Za-z0-9_-]+")
IRI_TEXT = re.compile(r"[^\x00-\x20<>\"{}|^`\\]{1,2048}")
FIRST_YEAR, LAST_YEAR = 1990, 2100
BY = ("prefecture", "municipality")


class ParamError(Exception):
    """A bad query parameter: answered 400 with this code, message, where (the parameter's name) and hint."""

    def __init__(self, code: str, message: str, where: str, hint: str) -> None:
        super().__init__(code)
        self.code, self.message, self.where, self.hint = code, message, where, hint


@dataclass(frozen=True)
class Filters:
    """The filters every national answer shares (None: not given)."""

    prefecture: str | None = None  # a 2-digit prefecture code or a prefecture's name
    municipality: str | None = None  # a 6-digit code
    legal_items: frozenset[str] | None = None  # the legal item's IRI and those of its parts
    mode: str | None = None  # an implementation mode's IRI
    operator: str | None = None  # text an operator's name contains (NFKC, case-folded)
    fiscal_year: int | None = None


@dataclass(frozen=True)
class ProgramsQuery:
    filters: Filters
    limit: int = DEFAULT_LIMIT
    after: tuple[str, str] | None = None  # (municipality code, programme IRI) of the previous page's last item


@dataclass(frozen=True)
class SummaryQuery:
    filters: Filters
    by: str = "prefecture"


@dataclass(frozen=True)
class CollaborationQuery:
    filters: Filters
    function: str | None = None  # a collaboration function's IRI


FILTERS = ("prefecture", "municipality", "legal_item", "mode", "operator", "fiscal_year")
PROGRAMS = (*FILTERS, "limit", "cursor")
SUMMARY = (*FILTERS, "by")
COLLABORATION = ("prefecture", "municipality", "function")


def normalized(text: str) -> str:
    """How a text filter and the names it is compared with are read: NFKC, case-folded."""
    return unicodedata.normalize("NFKC", text).casefold()


def _invalid(where: str, message: str, hint: str) -> ParamError:
    return ParamError("invalid_parameter", message, where, hint)


def _single(pairs: Iterable[tuple[str, str]], allowed: tuple[str, ...]) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in pairs:
        if name not in allowed:
            raise ParamError(
                "unknown_parameter",
                "この問い合わせでは使えないパラメータが指定されています。",
                "query",
                f"使えるのは {', '.join(allowed)} です。",
            )
        if name in found:
            raise ParamError(
                "duplicate_parameter",
                f"パラメータ {name} が2回以上指定されています。",
                name,
                f"{name} は1回だけ指定してください。",
            )
        found[name] = value
    return found


def _text(given: dict[str, str], name: str) -> str | None:
    value = given.get(name)
    if value is None:
        return None
    if not value.strip() or len(value) > MAX_TEXT or any(unicodedata.category(c) == "Cc" for c in value):
        raise _invalid(
            name,
            f"{name} の値が正しくありません(空、長すぎる、または制御文字を含む)。",
            f"{MAX_TEXT} 文字以内で指定してください。",
        )
    return value.strip()


def _named(given: dict[str, str], name: str, known: dict[str, str], what: str, hint: str) -> str | None:
    value = _text(given, name)
    if value is None:
        return None
    iri = known.get(value) or {normalized(k): v for k, v in known.items()}.get(normalized(value))
    if iri is None:
        raise _invalid(name, f"指定された{what}はありません。", hint)
    return iri


def filters(given: dict[str, str], terms: Vocabulary | None = None) -> Filters:
    terms = terms or vocabulary()
    legal, modes, _ = vocabulary_names()
    prefecture = _text(given, "prefecture")
    municipality = given.get("municipality")
    if municipality is not None and not CODE.fullmatch(municipality):
        raise _invalid(
            "municipality",
            "municipality は6桁の全国地方公共団体コードです。",
            "GET /v1/municipalities の code を指定してください。",
        )
    item = _named(
        given,
        "legal_item",
        legal,
        "法令の項目",
        "GET /v1/legal-items の id(例: a106-4-p2-i2)か条文の表記(例: 社会福祉法第106条の4第2項第2号、第2号)を"
        "指定してください。",
    )
    mode = _named(
        given,
        "mode",
        modes,
        "実施方式",
        "、".join(f"{short_id(t)}({t.label})" for t in terms.modes.values()) + " のいずれかを指定してください。",
    )
    operator = _text(given, "operator")
    year = given.get("fiscal_year")
    if year is not None and not (YEAR.fullmatch(year) and FIRST_YEAR <= int(year) <= LAST_YEAR):
        raise _invalid(
            "fiscal_year",
            "fiscal_year は西暦の年度(4桁)です。",
            f"{FIRST_YEAR} から {LAST_YEAR} まで。例: 令和7年度は fiscal_year=2025",
        )
    return Filters(
        prefecture=prefecture,
        municipality=municipality,
        legal_items=terms.within(item) if item is not None else None,
        mode=mode,
        operator=normalized(operator) if operator is not None else None,
        fiscal_year=int(year) if year is not None else None,
    )


def cursor_of(code: str, iri: str) -> str:
    """The opaque cursor after this item (URL-safe base64 of its sort key, without padding)."""
    raw = json.dumps([code, iri], ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _after(text: str) -> tuple[str, str]:
    bad = _invalid("cursor", "cursor が正しくありません。", "前の応答の next をそのまま指定してください。")
    if len(text) > MAX_CURSOR or not CURSOR.fullmatch(text):
        raise bad
    try:
        key = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise bad from None
    if (
        not isinstance(key, list)
        or len(key) != 2
        or not all(isinstance(k, str) for k in key)
        or not CODE.fullmatch(key[0])
        or not IRI_TEXT.fullmatch(key[1])
    ):
        raise bad
    return key[0], key[1]


def parse_programs(pairs: Iterable[tuple[str, str]] | dict[str, str], terms: Vocabulary | None = None) -> ProgramsQuery:
    given = _single(pairs.items() if isinstance(pairs, dict) else pairs, PROGRAMS)
    limit = given.get("limit")
    if limit is not None and not (LIMIT.fullmatch(limit) and 1 <= int(limit) <= MAX_LIMIT):
        raise _invalid("limit", f"limit は 1 から {MAX_LIMIT} までの整数です。", f"省略時は {DEFAULT_LIMIT} です。")
    cursor = given.get("cursor")
    return ProgramsQuery(
        filters(given, terms),
        int(limit) if limit is not None else DEFAULT_LIMIT,
        _after(cursor) if cursor is not None else None,
    )


def parse_summary(pairs: Iterable[tuple[str, str]] | dict[str, str], terms: Vocabulary | None = None) -> SummaryQuery:
    given = _single(pairs.items() if isinstance(pairs, dict) else pairs, SUMMARY)
    by = given.get("by", "prefecture")
    if by not in BY:
        raise _invalid("by", "by が正しくありません。", "prefecture(都道府県ごと)か municipality(市町村ごと)です。")
    return SummaryQuery(filters(given, terms), by)


def parse_collaboration(
    pairs: Iterable[tuple[str, str]] | dict[str, str], terms: Vocabulary | None = None
) -> CollaborationQuery:
    given = _single(pairs.items() if isinstance(pairs, dict) else pairs, COLLABORATION)
    terms = terms or vocabulary()
    function = _named(
        given,
        "function",
        vocabulary_names()[2],
        "連携の機能",
        "、".join(f"{short_id(t)}({t.label})" for t in terms.functions.values()) + " のいずれかです。",
    )
    return CollaborationQuery(filters(given, terms), function)
