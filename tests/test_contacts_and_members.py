"""Contact points of offices and household members in the answers (issue 16, points 2–3).

Contact points (電話番号, 内線, 窓口) are optional data on departments and support bodies: 魚津市's plan gives none
(every field null), the fictional 架空町's test plan gives some. The fields are the ontology's (``jy:contactOrder``).
Members are answered in the order given with their needs, and an age condition names the members of that age.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rdflib import Literal, URIRef
from rdflib.namespace import RDFS

from jyuso_kb.answer import route as routing
from jyuso_kb.cli import main
from jyuso_kb.index import routing as routing_index
from jyuso_kb.namespaces import JY
from jyuso_kb.plan.contact import contact_json, contact_of
from jyuso_kb.plan.source import PlanSource

KASOU = "https://w3id.org/jyuso-kb/data/kasou/"
NONE_GIVEN = [
    {"field": "telephone", "label": "電話番号", "value": None},
    {"field": "extension", "label": "内線", "value": None},
    {"field": "counterLocation", "label": "窓口", "value": None},
]


def contact(telephone: str | None, extension: str | None, window: str | None) -> list[dict[str, Any]]:
    return [
        {"field": "telephone", "label": "電話番号", "value": telephone},
        {"field": "extension", "label": "内線", "value": extension},
        {"field": "counterLocation", "label": "窓口", "value": window},
    ]


def test_uozu_departments_have_no_contact_and_say_so(api: TestClient) -> None:
    """魚津市's plan text gives no telephone numbers: none is invented, each field is null."""
    departments = api.get("/v1/departments").json()["departments"]
    assert len(departments) == 12
    assert all(d["contact"] == NONE_GIVEN for d in departments)
    assert api.get("/v1/departments/dept-shakaifukushi").json()["contact"] == NONE_GIVEN


def test_kasou_departments_give_the_contacts_of_the_plan(kasou_api: TestClient) -> None:
    found = {d["id"]: d["contact"] for d in kasou_api.get("/v1/departments").json()["departments"]}
    assert found["dept-fukushi"] == contact("0000-00-1001", "101", "役場本庁舎1階 1番窓口")
    assert found["dept-hoken-center"] == contact("0000-00-1003", None, "保健センター1階 受付")  # no extension
    assert found["dept-kensetsu"] == NONE_GIVEN
    assert kasou_api.get("/v1/departments/dept-kosodate").json()["contact"] == contact(
        "0000-00-1002", "201", "役場本庁舎1階 3番窓口"
    )


def test_a_support_body_s_contact_is_read_like_a_department_s(kasou: PlanSource) -> None:
    graph = kasou.merged()
    assert contact_json(contact_of(graph, URIRef(KASOU + "body-kodomo-katei-center"))) == contact(
        "0000-00-1004", None, None
    )


def test_the_contact_fields_are_the_ontology_s(kasou: PlanSource) -> None:
    """Relabelling a contact property, or giving another property a jy:contactOrder, changes the fields: no field
    is named in code."""
    graph = kasou.merged()
    graph.set((JY.extension, RDFS.label, Literal("内線番号", lang="ja")))
    graph.add((JY.note, JY.contactOrder, Literal(4)))
    fields = contact_json(contact_of(graph, URIRef(KASOU + "dept-fukushi")))
    assert [(f["field"], f["label"]) for f in fields] == [
        ("telephone", "電話番号"),
        ("extension", "内線番号"),
        ("counterLocation", "窓口"),
        ("note", "備考"),
    ]


def test_route_answers_give_each_department_s_and_body_s_contact(api: TestClient, kasou_api: TestClient) -> None:
    body = {"needs": ["乳幼児健診"], "as_of": "2025-10-01"}
    theirs = kasou_api.post("/v1/route", json=body).json()
    assert {d["id"]: d["contact"] for d in theirs["departments"]} == {
        "dept-kosodate": contact("0000-00-1002", "201", "役場本庁舎1階 3番窓口"),
        "dept-hoken-center": contact("0000-00-1003", None, "保健センター1階 受付"),
    }
    ours = api.post("/v1/route", json={"needs": ["子育ての悩み"], "as_of": "2025-10-01"}).json()
    assert [b["id"] for b in ours["bodies"]] == ["body-kodomo-katei-center"]
    assert ours["bodies"][0]["contact"] == NONE_GIVEN
    assert all(d["contact"] == NONE_GIVEN for d in ours["departments"])
    assert all("contact" not in m for m in ours["meetings"]), "a meeting is not an office"


def test_members_are_answered_with_who_has_which_need(api: TestClient) -> None:
    answer = api.post(
        "/v1/route",
        json={
            "needs": ["親の介護"],
            "members": [
                {"label": "母", "age": 82, "needs": ["足腰が弱ってきた", "認知症"]},
                {"label": "長男", "age": 52, "needs": ["ひきこもりの息子", "ぴよぴよ"]},
                {"age": 56},
            ],
            "consent": True,
            "as_of": "2025-10-01",
        },
    ).json()
    assert answer["members"] == [
        {
            "label": "母",
            "age": 82,
            "needs": [{"id": "care-prevention", "label": "介護予防"}, {"id": "dementia", "label": "認知症"}],
            "unmatched": [],
        },
        {"label": "長男", "age": 52, "needs": [{"id": "hikikomori", "label": "ひきこもり"}], "unmatched": ["ぴよぴよ"]},
        {"label": "", "age": 56, "needs": [], "unmatched": []},
    ]
    assert answer["unmatched"] == ["ぴよぴよ"]


def _age_whys(answer: dict[str, Any]) -> dict[tuple[str, str], list[int]]:
    return {
        (item["id"], why["rule"]): why["members"]
        for item in answer["programs"]
        for why in item["why"]
        if "members" in why
    }


@pytest.fixture(scope="module")
def index(uozu: PlanSource) -> routing_index.RoutingIndex:
    return routing_index.build(uozu)


def test_an_age_condition_names_the_members_of_that_age(index: routing_index.RoutingIndex) -> None:
    household = routing.Household(
        needs=("借金が返せない",),
        members=(
            routing.Member(70, (), "祖母"),
            routing.Member(30, (), "母"),
            routing.Member(1, ("乳幼児健診",), "孫"),
        ),
        consent=True,
        as_of=date(2025, 10, 1),
    )
    assert _age_whys(routing.route(index, household)) == {
        ("prog-chiiki-kosodate-kyoten", "community-by-max-age"): [2],
        ("prog-ippan-kaigoyobo", "community-by-min-age"): [0],
        ("prog-seikatsu-shien-taisei", "community-by-min-age"): [0],
    }
    two_old = routing.Household(
        needs=("借金が返せない",), members=(routing.Member(65), routing.Member(90)), as_of=date(2025, 10, 1)
    )
    assert _age_whys(routing.route(index, two_old)) == {
        ("prog-ippan-kaigoyobo", "community-by-min-age"): [0, 1],
        ("prog-seikatsu-shien-taisei", "community-by-min-age"): [0, 1],
    }
    young = routing.Household(needs=("借金が返せない",), members=(routing.Member(64),), as_of=date(2025, 10, 1))
    assert _age_whys(routing.route(index, young)) == {}


@pytest.mark.parametrize(
    ("member", "status", "code"),
    [
        ({"label": "あ" * 21, "age": 3}, 422, "invalid_input"),
        ({"label": 5, "age": 3}, 422, "invalid_input"),
    ],
)
def test_a_member_label_is_short_text(api: TestClient, member: dict[str, Any], status: int, code: str) -> None:
    response = api.post("/v1/route", json={"needs": ["ひきこもり"], "members": [member]})
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["where"].startswith("members")


def test_the_engine_refuses_a_long_member_label(index: routing_index.RoutingIndex) -> None:
    with pytest.raises(routing.InputError) as refused:
        routing.route(index, routing.Household(members=(routing.Member(3, ("ひきこもり",), "あ" * 21),)))
    assert refused.value.code == "bad_member_label"
    assert refused.value.message == "世帯員の続柄・呼び名は20文字までです。"


def test_cli_members_with_their_relation(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "route",
            "--need",
            "親の介護",
            "--member",
            "母=82:足腰が弱ってきた",
            "--member",
            "52:ひきこもりの息子",
            "--consent",
            "yes",
            "--as-of",
            "2025-10-01",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "世帯員: 母(82歳) 介護予防\n世帯員: 世帯員2(52歳) ひきこもり\n" in out
