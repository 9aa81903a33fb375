"""Household members in the route answer: who has which need, and which members an age condition is about.

Like the rest of the answer, a pure function of the request: nothing is logged or stored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jyuso_kb.errors import InputError
from jyuso_kb.index.routing import Need, Routing

MAX_MEMBER_LABEL = 20


@dataclass(frozen=True)
class Member:
    """One household member: age, needs and how the clerk calls them (``label``: 本人, 母, 長男 …; may be empty)."""

    age: int | None = None
    needs: tuple[str, ...] = ()
    label: str = ""


def check_label(member: Member) -> None:
    """A member's label is a relation or a short name, never a long text."""
    if len(member.label) > MAX_MEMBER_LABEL:
        raise InputError(
            "bad_member_label",
            f"世帯員の続柄・呼び名は{MAX_MEMBER_LABEL}文字までです。",
            "members.label",
            "「母」「長男」のように短く書いてください(氏名は書かないでください)。",
        )


def members_answer(
    members: Sequence[Member], resolve: Callable[[str], tuple[str, str] | None], needs: Mapping[str, Need]
) -> list[dict[str, Any]]:
    """Who has which need: each member in the order given, with the needs their words named (once each, ``resolve``
    giving a text's need IRI) and the words that named none; ``label`` as given ("" when the clerk gave none)."""
    out = []
    for member in members:
        named: list[dict[str, str]] = []
        unnamed: list[str] = []
        for text in member.needs:
            resolved = resolve(text)
            need = needs[resolved[0]] if resolved is not None else None
            if need is None:
                unnamed.append(text)
            elif all(n["id"] != need.id for n in named):
                named.append({"id": need.id, "label": need.label})
        out.append({"label": member.label, "age": member.age, "needs": named, "unmatched": unnamed})
    return out


def of_age(routing: Routing, age: int | None) -> bool:
    """Whether a member of this age meets the routing's age condition."""
    if age is None:
        return False
    return (routing.min_age is None or age >= routing.min_age) and (routing.max_age is None or age <= routing.max_age)


def name_members(
    members: Sequence[Member], routings: Sequence[Routing], held: Sequence[bool], buckets: Sequence[Mapping[str, Any]]
) -> None:
    """An age condition applies to the members of that age: the reasons of the household routings that held by age
    (``held``, one per routing) name them — ``why.members``, their positions in the request's ``members``."""
    for routing, done in zip(routings, held, strict=True):
        if not done or (routing.min_age is None and routing.max_age is None):
            continue
        who = [i for i, member in enumerate(members) if of_age(routing, member.age)]
        for bucket in buckets:
            hit = bucket.get(routing.target)
            for why in hit.why if hit is not None else ():
                if why["rule"] == routing.rule:
                    why["members"] = who
