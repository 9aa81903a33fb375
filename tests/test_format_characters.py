"""Invisible format characters never split a word: a need typed with a zero-width space, a joiner, a BOM, a soft
hyphen, a bidi mark or a variation selector inside it matches exactly like the need typed without it.

Text matching drops Unicode category Cf and the variation selectors once, where it normalises (index/textmatch.py),
for the question and the thesaurus labels alike; the ideographic space is a space. A need made of nothing but such
characters is as empty as the empty string, and refused the same way. Every test runs for 魚津市 and for the
fictional 架空町 (the thesaurus is shared; each plan has its own routing).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rdflib import SKOS, Literal, URIRef

import jyuso_kb
from jyuso_kb import cli
from jyuso_kb.index.routing import RoutingIndex, build, index_of
from jyuso_kb.index.textmatch import normalize
from jyuso_kb.plan.source import PlanSource

from .api_support import assert_error
from .conftest import KASOU_DIR

NEED = "https://w3id.org/jyuso-kb/needs/"
DAY = date(2025, 10, 1)
AS_OF = DAY.isoformat()

# Every character the matching must see through (the ideographic space is a space, the rest are invisible).
CHARACTERS = {
    "\u200b": "ZERO WIDTH SPACE",
    "\u200c": "ZERO WIDTH NON-JOINER",
    "\u200d": "ZERO WIDTH JOINER",
    "\u2060": "WORD JOINER",
    "\ufeff": "ZERO WIDTH NO-BREAK SPACE",  # the BOM
    "\u00ad": "SOFT HYPHEN",
    "\u200e": "LEFT-TO-RIGHT MARK",
    "\u200f": "RIGHT-TO-LEFT MARK",
    "\u202a": "LEFT-TO-RIGHT EMBEDDING",
    "\u202b": "RIGHT-TO-LEFT EMBEDDING",
    "\u202c": "POP DIRECTIONAL FORMATTING",
    "\u202d": "LEFT-TO-RIGHT OVERRIDE",
    "\u202e": "RIGHT-TO-LEFT OVERRIDE",
    "\u2066": "LEFT-TO-RIGHT ISOLATE",
    "\u2067": "RIGHT-TO-LEFT ISOLATE",
    "\u2068": "FIRST STRONG ISOLATE",
    "\u2069": "POP DIRECTIONAL ISOLATE",
    "\ufe00": "VARIATION SELECTOR-1",
    "\ufe0f": "VARIATION SELECTOR-16",
    "\U000e0100": "VARIATION SELECTOR-17",  # ideographic variation sequences (異体字セレクタ)
    "\u3000": "IDEOGRAPHIC SPACE",
}

# (what the clerk typed, the same without the character, the need it must match, the label it matched by).
# Each typed text but the last three matched nothing, or something else, before the characters were dropped.
TABLE = [
    ("ひき\u200bこもり", "ひきこもり", "hikikomori", "ひきこもり"),
    ("不\u200c登校", "不登校", "school-refusal", "不登校"),
    ("認\u200d知症", "認知症", "dementia", "認知症"),
    ("虐\u2060待", "虐待", "abuse", "虐待"),
    ("妊\ufeff娠", "妊娠", "pregnancy-childbirth", "妊娠"),
    ("成年後\u00ad見", "成年後見", "adult-guardianship", "成年後見"),
    ("ゴミ\u200e屋敷", "ゴミ屋敷", "hoarding", "ごみ屋敷"),
    ("借\u200f金が返せない", "借金が返せない", "debt", "借金が返せない"),
    ("8050\u202a問題", "8050問題", "problem-8050", "8050問題"),
    ("子\u202b育てがつらい", "子育てがつらい", "child-rearing", "子育てがつらい"),
    ("居場所\u202cがほしい", "居場所がほしい", "ibasho", "居場所がほしい"),
    ("認知\u202d症", "認知症", "dementia", "認知症"),
    ("妊\u202e娠", "妊娠", "pregnancy-childbirth", "妊娠"),
    ("虐\u2066待", "虐待", "abuse", "虐待"),
    ("ひきこ\u2067もり", "ひきこもり", "hikikomori", "ひきこもり"),
    ("家\u2068賃が払えない", "家賃が払えない", "housing-loss", "家賃が払えない"),
    ("仕\u2069事がない", "仕事がない", "employment", "仕事がない"),
    ("親の介\ufe00護", "親の介護", "care-of-parent", "親の介護"),
    ("不登\ufe0f校", "不登校", "school-refusal", "不登校"),
    ("虐\U000e0100待", "虐待", "abuse", "虐待"),
    ("\ufeffひ\u200bき\u200dこ\u2060も\u00adり\ufe0f", "ひきこもり", "hikikomori", "ひきこもり"),
    ("\ufeffひきこもり", "ひきこもり", "hikikomori", "ひきこもり"),  # a BOM pasted from a file
    ("ひき\u3000こもり", "ひきこもり", "hikikomori", "ひきこもり"),
]
ROWS = [pytest.param(*row, id=f"U+{ord(next(c for c in row[0] if c in CHARACTERS)):04X}-{row[1]}") for row in TABLE]

# Needs made of format characters (and spaces) only.
BLANKS = ["\u200b", "\ufeff", "\u00ad", "\u200d\u2060", "\u200e\u202a\u2066", "\ufe0f", "\u3000\u200b", " \U000e0100 "]
EMPTY_NEED = {
    "code": "invalid_input",
    "message": "入力が正しくありません: needs.0(空の文字列は使えません)。",
    "where": "needs.0",
    "hint": "/docs のスキーマと例を確認してください。",
}
BAD_NEED = {
    "code": "bad_need",
    "message": "ニーズは1〜200文字の文字列で指定してください。",
    "where": "needs",
    "hint": "短い言葉で入力してください。",
}
BAD_QUERY = {
    "code": "bad_query",
    "message": "質問は1〜200文字で入力してください。",
    "where": "q",
    "hint": "短い言葉で入力してください。",
}


@dataclass(frozen=True)
class Town:
    name: str
    plan: PlanSource
    index: RoutingIndex
    client: TestClient
    data_args: tuple[str, ...]  # `--data` for the CLI (none: the embedded plan)


@pytest.fixture(scope="module", params=["uozu", "kasou"])
def town(request: pytest.FixtureRequest, uozu: PlanSource) -> Town:
    if request.param == "uozu":
        return Town("uozu", uozu, build(uozu), request.getfixturevalue("api"), ())
    kasou: PlanSource = request.getfixturevalue("kasou")
    return Town("kasou", kasou, build(kasou), request.getfixturevalue("kasou_api"), ("--data", str(KASOU_DIR)))


def _post(town: Town, body: dict[str, Any]) -> Any:
    return town.client.post("/v1/route", json=body)


def _without_inputs(answer: dict[str, Any]) -> dict[str, Any]:
    """The answer but the needs' ``input`` (which echoes what was typed, invisible characters and all)."""
    return {**answer, "needs": [{k: v for k, v in n.items() if k != "input"} for n in answer["needs"]]}


def test_the_table_covers_every_character() -> None:
    typed = {char for row in TABLE for char in row[0]}
    assert sorted(set(CHARACTERS) - typed) == []
    for char, name in CHARACTERS.items():
        assert unicodedata.name(char) == name
    assert all(row[0] != row[1] and "".join(c for c in row[0] if c not in CHARACTERS) == row[1] for row in TABLE)


# ---- POST /v1/route ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "clean", "need", "matched"), ROWS)
def test_the_route_endpoint_matches_as_without_the_character(
    town: Town, typed: str, clean: str, need: str, matched: str
) -> None:
    response = _post(town, {"needs": [typed], "consent": True, "as_of": AS_OF})
    assert response.status_code == 200
    answer = response.json()
    assert [(n["input"], n["id"], n["matched"]) for n in answer["needs"]] == [(typed, need, matched)]
    assert answer["unmatched"] == []
    expected = _post(town, {"needs": [clean], "consent": True, "as_of": AS_OF}).json()
    assert _without_inputs(answer) == _without_inputs(expected)


def test_a_member_s_need_matches_as_without_the_character(town: Town) -> None:
    answer = _post(town, {"needs": ["親の\u200b介護"], "members": [{"age": 52, "needs": ["ひき\u2060こもり"]}]}).json()
    assert [(n["id"], n["matched"]) for n in answer["needs"]] == [
        ("care-of-parent", "親の介護"),
        ("hikikomori", "ひきこもり"),
    ]
    assert answer["unmatched"] == []


# ---- the Python API ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "clean", "need", "matched"), ROWS)
def test_the_python_api_matches_as_without_the_character(
    town: Town, typed: str, clean: str, need: str, matched: str
) -> None:
    answer = jyuso_kb.route(town.index, [typed], consent=False, as_of=DAY)
    assert [(n["input"], n["id"], n["matched"]) for n in answer["needs"]] == [(typed, need, matched)]
    expected = jyuso_kb.route(town.index, [clean], consent=False, as_of=DAY)
    assert _without_inputs(answer) == _without_inputs(expected)


@pytest.mark.parametrize("typed", ["\ufeffhikikomori", "hiki\u200bkomori", "need:\u2060hikikomori", "hikikomori\u200e"])
def test_a_need_id_reads_through_the_characters(town: Town, typed: str) -> None:
    answer = _post(town, {"needs": [typed], "as_of": AS_OF}).json()
    assert [(n["input"], n["id"], n["matched"]) for n in answer["needs"]] == [(typed, "hikikomori", "id")]
    answer = jyuso_kb.route(town.index, [typed], as_of=DAY)
    assert [(n["input"], n["id"], n["matched"]) for n in answer["needs"]] == [(typed, "hikikomori", "id")]


@pytest.mark.parametrize(
    ("typed", "clean"), [("隣の空き家が\u200b心配", "隣の空き家が心配"), ("ゴミ\u2060屋敷", "ゴミ屋敷")]
)
def test_who_handles_reads_through_the_characters(town: Town, typed: str, clean: str) -> None:
    got = town.client.get("/v1/who-handles", params={"q": typed}).json()
    expected = town.client.get("/v1/who-handles", params={"q": clean}).json()
    assert got["query"] == typed
    assert got["results"] and got["unmatched"] == []
    assert {**got, "query": clean} == expected
    assert jyuso_kb.who_handles(town.index, typed)["results"] == expected["results"]


def test_normalising_drops_the_characters_before_nfkc() -> None:
    """Dropped first, so that what they separated composes: か + ZWSP + the combining voiced mark is が."""
    for typed, clean, _, _ in TABLE:
        assert normalize(typed) == normalize(clean), typed
    assert normalize("か\u200b\u3099") == normalize("が") == "が"
    assert normalize("親の介護と子育て") == "親の介護と子育て"


def test_a_label_with_a_format_character_matches_the_word_typed_without_it(town: Town) -> None:
    """Labels are normalised like questions: a thesaurus label carrying a ZWSP is found by the plain word."""
    graph = town.plan.merged()
    graph.add((URIRef(NEED + "hikikomori"), SKOS.hiddenLabel, Literal("押し入れに\u200bこもる", lang="ja")))
    index = index_of(graph)
    answer = jyuso_kb.route(index, ["押し入れにこもる"], as_of=DAY)
    assert [(n["id"], n["matched"]) for n in answer["needs"]] == [("hikikomori", "押し入れに\u200bこもる")]


# ---- a need of format characters only is an empty need -----------------------------------------------------------


@pytest.mark.parametrize("blank", BLANKS)
def test_the_route_endpoint_refuses_it_like_the_empty_string(town: Town, blank: str) -> None:
    assert assert_error(_post(town, {"needs": [""]}), 422) == EMPTY_NEED
    assert assert_error(_post(town, {"needs": [blank]}), 422) == EMPTY_NEED
    member = assert_error(_post(town, {"needs": ["親の介護"], "members": [{"needs": [blank]}]}), 422)
    assert member == assert_error(_post(town, {"needs": ["親の介護"], "members": [{"needs": [""]}]}), 422)
    assert member["where"] == "members.0.needs.0"


@pytest.mark.parametrize("blank", BLANKS)
def test_who_handles_refuses_it_like_the_empty_string(town: Town, blank: str) -> None:
    for empty in ("", blank):
        got = assert_error(town.client.get("/v1/who-handles", params={"q": empty}), 422)
        assert got == {
            **EMPTY_NEED,
            "message": "入力が正しくありません: query.q(空の文字列は使えません)。",
            "where": "query.q",
        }
        posted = assert_error(town.client.post("/v1/who-handles", json={"q": empty}), 422)
        assert posted == {**EMPTY_NEED, "message": "入力が正しくありません: q(空の文字列は使えません)。", "where": "q"}


@pytest.mark.parametrize("blank", BLANKS)
def test_the_python_api_refuses_it_like_the_empty_string(town: Town, blank: str) -> None:
    for empty in ("", blank):
        with pytest.raises(jyuso_kb.InputError) as raised:
            jyuso_kb.route(town.index, ["親の介護", empty], as_of=DAY)
        assert raised.value.as_dict() == BAD_NEED
        with pytest.raises(jyuso_kb.InputError) as asked:
            jyuso_kb.who_handles(town.index, empty)
        assert asked.value.as_dict() == BAD_QUERY


def test_the_cli_refuses_it_like_the_empty_string(town: Town, capsys: pytest.CaptureFixture[str]) -> None:
    expected = "エラー: ニーズは1〜200文字の文字列で指定してください。\n  場所: needs\n  ヒント: 短い言葉で入力してください。\n"
    for empty in ("", "\u200b\ufeff"):
        code = cli.main(["route", "--need", empty, "--as-of", AS_OF, "--json", *town.data_args])
        out, err = capsys.readouterr()
        assert (code, out, err) == (2, "", expected), repr(empty)
