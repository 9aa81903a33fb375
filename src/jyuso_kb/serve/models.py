"""Request bodies of the routing endpoints (pydantic models; strict, no extra keys)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import (
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

from jyuso_kb.answer import route as routing

Text = Annotated[StrictStr, StringConstraints(min_length=1, max_length=routing.MAX_TEXT)]


def _iso_date(value: Any) -> Any:
    """Dates only as "YYYY-MM-DD" strings (pydantic would also take numbers as Unix timestamps)."""
    if value is not None and not isinstance(value, str):
        raise PydanticCustomError("date_type", "date must be a YYYY-MM-DD string")
    return value


IsoDate = Annotated[date | None, BeforeValidator(_iso_date)]


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    age: StrictInt | None = Field(default=None, ge=0, le=130, examples=[82])
    needs: list[Text] = Field(default_factory=list, max_length=routing.MAX_NEEDS, examples=[["親の介護"]])


class RouteIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"needs": ["親の介護", "ひきこもりの息子"], "consent": True, "as_of": "2025-10-01"},
                {"needs": ["税金の滞納"], "members": [{"age": 45, "needs": ["仕事がない"]}], "consent": None},
            ]
        },
    )
    needs: list[Text] = Field(default_factory=list, max_length=routing.MAX_NEEDS)
    members: list[MemberIn] = Field(default_factory=list, max_length=routing.MAX_MEMBERS)
    consent: StrictBool | None = None
    as_of: IsoDate = None


class WhoHandlesIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"q": "隣の空き家が心配"}]})
    q: Text
