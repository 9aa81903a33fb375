"""Request bodies of the routing endpoints (pydantic models; strict, no extra keys)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    StringConstraints,
)
from pydantic_core import PydanticCustomError

from jyuso_kb.answer import members
from jyuso_kb.answer import route as routing
from jyuso_kb.index.textmatch import is_blank


def _not_blank(value: str) -> str:
    """A text of spaces and invisible format characters only (ZWSP, BOM …) is refused like the empty string."""
    if is_blank(value):
        raise PydanticCustomError(
            "string_too_short", "String should have at least {min_length} character", {"min_length": 1}
        )
    return value


Text = Annotated[StrictStr, StringConstraints(min_length=1, max_length=routing.MAX_TEXT), AfterValidator(_not_blank)]


def _iso_date(value: Any) -> Any:
    """Dates only as "YYYY-MM-DD" strings (pydantic would also take numbers as Unix timestamps)."""
    if value is not None and not isinstance(value, str):
        raise PydanticCustomError("date_type", "date must be a YYYY-MM-DD string")
    return value


IsoDate = Annotated[date | None, BeforeValidator(_iso_date)]


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    age: StrictInt | None = Field(default=None, ge=0, le=130, examples=[82])
    label: StrictStr = Field(
        default="",
        max_length=members.MAX_MEMBER_LABEL,
        description="続柄・呼び名(本人、母、長男 など。氏名は書かない)。回答の members に同じ順で返る。",
        examples=["母"],
    )
    needs: list[Text] = Field(default_factory=list, max_length=routing.MAX_NEEDS, examples=[["親の介護"]])


class RouteIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"needs": ["親の介護", "ひきこもりの息子"], "consent": True, "as_of": "2025-10-01"},
                {
                    "needs": ["税金の滞納"],
                    "members": [{"label": "本人", "age": 45, "needs": ["仕事がない"]}],
                    "consent": None,
                },
            ]
        },
    )
    needs: list[Text] = Field(default_factory=list, max_length=routing.MAX_NEEDS)
    members: list[MemberIn] = Field(default_factory=list, max_length=routing.MAX_MEMBERS)
    consent: StrictBool | None = None
    as_of: IsoDate = Field(
        default=None,
        description="基準日 YYYY-MM-DD(省略時は今日)。受け付ける範囲は as_of_first_fiscal_year 年度の4月1日(計画の"
        "初年度がそれより前ならその年度の4月1日)から、計画の最終年度の as_of_years_after_plan 年度後の年度末まで"
        "(rules/parameters.yaml)。範囲の外は 422。",
    )


class WhoHandlesIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"q": "隣の空き家が心配"}]})
    q: Text
