"""GET /v1/national/programs, /v1/national/summary and /v1/national/collaboration: questions across every
municipality of the national store (``JYUSO_KB_NATIONAL_STORE``), answered from its index in memory
(``national_index.py``): 13–90 ms for 1,743 municipalities (bench/bench_national_api.py), where the same joins
in SPARQL take seconds.

They have their own paths rather than more parameters on ``/v1/programs``: that list is one municipality's plan (its
revision in the headers and ETag, the plan chapter it cites, ``/v1/municipalities/{code}/programs`` for each), and a
list across municipalities has another shape (each item names its municipality), pages and a total. Without a
national store they answer 404 ``national_store_not_configured``. The parameters are read by hand
(``national_params.py``) so that every bad value is a 400 in the one error shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from jyuso_kb.serve import national_answers as answers
from jyuso_kb.serve.errors import ErrorResponse, error
from jyuso_kb.serve.national_index import NationalIndex, NationalState, Vocabulary, vocabulary
from jyuso_kb.serve.national_params import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_TEXT,
    ParamError,
    parse_collaboration,
    parse_programs,
    parse_summary,
)

TAG = "national"
Q = TypeVar("Q")
_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "パラメータが正しくない(未知・重複・値の誤り)"},
    404: {"model": ErrorResponse, "description": "全国ストアが設定されていない(national_store_not_configured)"},
    503: {"model": ErrorResponse, "description": "全国ストアの索引を読み直している(Retry-After 秒後に再度)"},
}


def _param(name: str, description: str, schema: dict[str, Any], example: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "in": "query", "required": False, "description": description, "schema": schema}
    if example is not None:
        out["example"] = example
    return out


_TEXT = {"type": "string", "minLength": 1, "maxLength": MAX_TEXT}
PREFECTURE = _param(
    "prefecture", "都道府県: 名称(データの jy:prefecture、例: 富山県)か2桁の都道府県コード(例: 16)", _TEXT, "16"
)
MUNICIPALITY = _param(
    "municipality", "市町村の全国地方公共団体コード(6桁)", {"type": "string", "pattern": "^[0-9]{6}$"}, "011002"
)
FILTERS = [
    PREFECTURE,
    MUNICIPALITY,
    _param(
        "legal_item",
        "法令の項目: GET /v1/legal-items の id(例: a106-4-p2-i2)か条文の表記(社会福祉法第106条の4第2項第2号、第2号)。"
        "その項目の細分(第1号 → 第1号イ〜ニ)を実施する事業も含む",
        _TEXT,
        "a106-4-p2-i5",
    ),
    _param(
        "mode",
        "実施方式: direct(直営)、commissioned(委託)、direct-and-commissioned(直営及び委託)。日本語の名称も可",
        _TEXT,
        "commissioned",
    ),
    _param(
        "operator",
        "委託先・実施場所の名称(別名を含む)に含まれる文字列(NFKC 正規化、大文字小文字を区別しない)",
        _TEXT,
        "社会福祉協議会",
    ),
    _param(
        "fiscal_year",
        "年度(西暦、例: 令和7年度は 2025)。指定すると各事業にその年度に稼働しているか(operating)を付ける",
        {"type": "integer", "minimum": 1990, "maximum": 2100},
        "2025",
    ),
]


def _documented(parameters: list[dict[str, Any]], example: dict[str, Any]) -> dict[str, Any]:
    return {
        "parameters": parameters,
        "responses": {"200": {"content": {"application/json": {"schema": {"type": "object"}, "example": example}}}},
    }


def _state(request: Request) -> NationalState | None:
    state: NationalState | None = getattr(request.app.state, "national_index", None)
    return state


def not_configured() -> JSONResponse:
    return error(
        404,
        "national_store_not_configured",
        "全国ストアが設定されていないため、市町村をまたぐ問い合わせには答えられません。",
        "path",
        "環境変数 JYUSO_KB_NATIONAL_STORE に全国ストアのフォルダを指定してサービスを起動してください"
        "(1つの市町村の事業は GET /v1/programs)。",
    )


async def _answer(
    request: Request,
    parse: Callable[[list[tuple[str, str]]], Q],
    answer: Callable[[NationalIndex, Q, Vocabulary], dict[str, Any]],
) -> JSONResponse:
    """One national answer: 404 without a national store, 400 for a bad parameter, else ``answer`` over the index."""
    state = _state(request)
    if state is None:
        return not_configured()
    try:
        q = parse(request.query_params.multi_items())
    except ParamError as err:
        return error(400, err.code, err.message, err.where, err.hint)
    try:
        index = await state.current(request.app.state.executors.national)
    except TimeoutError:
        return error(
            503,
            "national_index_loading",
            "全国ストアの索引を読み直しています。",
            "",
            "数秒後に再度お試しください。",
            {"retry-after": "5"},
        )
    return JSONResponse(answer(index, q, vocabulary()))


def add_routes(app: FastAPI) -> None:
    @app.get(
        "/v1/national/programs",
        tags=[TAG],
        summary="全国の事業の一覧(市町村をまたぐ)",
        description="全国ストアのすべての市町村の実施事業を、法令の項目・都道府県・市町村・実施方式・委託先で絞り込んで"
        "返す。並びは市町村コード、事業の IRI の順。total は条件に合う事業の数、next は次のページの cursor"
        f"(最後のページでは null)。limit は 1〜{MAX_LIMIT}(既定 {DEFAULT_LIMIT})。",
        responses=_ERRORS,
        openapi_extra=_documented(
            [
                *FILTERS,
                _param(
                    "limit",
                    f"1ページの件数(1〜{MAX_LIMIT}、既定 {DEFAULT_LIMIT})",
                    {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
                ),
                _param(
                    "cursor",
                    "前の応答の next(次のページの位置。中身は決めずにそのまま渡す)",
                    {"type": "string", "maxLength": 1024, "pattern": "^[A-Za-z0-9_-]+$"},
                ),
            ],
            {"total": 1, "fiscal_year": None, "items": [], "next": None},
        ),
    )
    async def national_programs(request: Request) -> JSONResponse:
        return await _answer(request, parse_programs, answers.programs)

    @app.get(
        "/v1/national/summary",
        tags=[TAG],
        summary="全国の集計(都道府県・市町村ごと、法令の項目ごと)",
        description="条件に合う事業の数と、それを持つ市町村の数を、都道府県ごと(by=prefecture、既定)か市町村ごと"
        "(by=municipality)に、法令の項目ごとの内訳とともに返す。絞り込みは /v1/national/programs と同じ。"
        "fiscal_year を付けると、その年度に稼働している事業の数と市町村の数も返す。市町村の絞り込みに残るすべての"
        "市町村が数に入る(条件に合う事業がない市町村も 0 として)。",
        responses=_ERRORS,
        openapi_extra=_documented(
            [
                *FILTERS,
                _param(
                    "by",
                    "集計の単位: prefecture(都道府県ごと)か municipality(市町村ごと)",
                    {"type": "string", "enum": ["prefecture", "municipality"]},
                ),
            ],
            {"by": "prefecture", "fiscal_year": None, "total": {}, "rows": []},
        ),
    )
    async def national_summary(request: Request) -> JSONResponse:
        return await _answer(request, parse_summary, answers.summary)

    @app.get(
        "/v1/national/collaboration",
        tags=[TAG],
        summary="全国の庁内連携体制(機能ごとの参加課)",
        description="各市町村の庁内連携体制の表で、機能(相談支援・参加支援・地域づくり・庁内連携会議等)ごとに○のある"
        "課とその数を返す。function で1つの機能に絞れる。",
        responses=_ERRORS,
        openapi_extra=_documented(
            [
                PREFECTURE,
                MUNICIPALITY,
                _param(
                    "function",
                    "連携の機能: consultation(相談支援)、participation(参加支援)、community(地域づくり)、"
                    "liaison(庁内連携会議等)。日本語の名称も可",
                    _TEXT,
                    "participation",
                ),
            ],
            {"functions": [], "total": 0, "items": []},
        ),
    )
    async def national_collaboration(request: Request) -> JSONResponse:
        return await _answer(request, parse_collaboration, answers.collaboration)
