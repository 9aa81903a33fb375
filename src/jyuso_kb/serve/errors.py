"""The API's one error shape ``{"error": {code, message, where, hint}}``, Japanese first, never quoting input."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import (
    BaseModel,
    Field,
)


def error(
    status: int, code: str, message: str, where: str = "", hint: str = "", headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message, "where": where, "hint": hint}}, status_code=status, headers=headers
    )


class ErrorBody(BaseModel):
    code: str = Field(examples=["not_found"])
    message: str = Field(examples=["指定された事業は見つかりません。"])
    where: str = Field(examples=["id"])
    hint: str = Field(examples=["/v1/programs で一覧を確認してください。"])


class ErrorResponse(BaseModel):
    error: ErrorBody


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "入力が正しくない"},
    404: {"model": ErrorResponse, "description": "見つからない"},
    413: {"model": ErrorResponse, "description": "本文が大きすぎる"},
    422: {"model": ErrorResponse, "description": "入力の形が正しくない"},
}

UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    413: {"model": ErrorResponse, "description": "本文が大きすぎる、または処理に必要なメモリが上限を超えた"},
    415: {"model": ErrorResponse, "description": "受け付けない形式"},
    422: {"model": ErrorResponse, "description": "入力の形が正しくない、入れ子が深すぎる、処理が時間の上限を超えた"},
    503: {"model": ErrorResponse, "description": "検証が混み合っている(Retry-After 秒後に再度)"},
}


STATUS_MESSAGES = {
    404: ("not_found", "見つかりません。", "URL を確認してください。/docs に一覧があります。"),
    405: ("method_not_allowed", "この方法(メソッド)は使えません。", "/docs で使える方法を確認してください。"),
    406: ("not_acceptable", "指定された形式では返せません。", "Accept を確認してください。"),
    415: ("unsupported_media_type", "この形式は受け付けません。", "Content-Type を確認してください。"),
}


def validation_message(errors: Sequence[Any]) -> tuple[str, str]:
    first = errors[0] if errors else {}
    kind = str(first.get("type", ""))
    loc = [str(p) for p in first.get("loc", ()) if p != "body"]
    if kind == "extra_forbidden":
        loc = loc[:-1]  # the unknown key is the client's text: never repeat it
    where = "body" if kind == "json_invalid" else ".".join(loc)
    reasons = {
        "json_invalid": "JSON の構文が正しくありません",
        "missing": "必須の項目がありません",
        "extra_forbidden": "未知の項目があります",
        "too_long": "項目の数または文字数が多すぎます",
        "string_too_long": "文字数が多すぎます",
        "string_too_short": "空の文字列は使えません",
        "date_from_datetime_parsing": "日付を読めません",
        "date_parsing": "日付を読めません",
        "date_from_datetime_inexact": "日付を読めません",
        "greater_than_equal": "値が小さすぎます",
        "bool_type": "真偽値(true / false)で指定してください",
        "int_type": "整数で指定してください",
        "string_type": "文字列で指定してください",
        "date_type": "YYYY-MM-DD 形式の文字列で指定してください",
        "list_type": "配列で指定してください",
        "less_than_equal": "値が大きすぎます",
    }
    reason = reasons.get(kind, "値の型または形式が正しくありません")
    return f"入力が正しくありません: {where or '本文'}({reason})。", where


def invalid(errors: Sequence[Any]) -> JSONResponse:
    message, where = validation_message(errors)
    return error(422, "invalid_input", message, where, "/docs のスキーマと例を確認してください。")


def not_found(kind: str, where: str, list_path: str) -> JSONResponse:
    return error(
        404, "not_found", f"指定された{kind}は見つかりません。", where, f"{list_path} で一覧を確認してください。"
    )
