"""The GIF export: the programmes as 制度 of デジタル庁's implementation data model 行政サービス・制度 (GIF DS-451-4,
CC0 1.0), for 魚津市 and the fictional 架空町 alike: every mandatory field of 表1 (3.2) filled within its length, the
制度ID of a municipality's own scheme combined with its 地方公共団体コード (2.2 の 4)), お困りごと from the thesaurus."""

from __future__ import annotations

import io
import json
import re
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import RDFS, SKOS, XSD

from jyuso_kb import cli, resources
from jyuso_kb.formats.standards import standard
from jyuso_kb.namespaces import JY
from jyuso_kb.plan.source import PlanSource
from jyuso_kb.plan.workbook.template import check_digit

from .conftest import KASOU_DIR

UOZU = "https://w3id.org/jyuso-kb/data/uozu/"

# GIF DS-451-4 3.2 表1: every item name of the 制度 class (必 = mandatory), and the items of the core data model's 連絡先
# (DS-432 表1), which 連絡先情報 holds.
MANDATORY = ("制度所管組織", "タイトル（制度名）", "概要", "内容", "連絡先情報")
MODEL_ITEMS = {
    *MANDATORY,
    *"サブタイトル（通称） 制度番号 元制度番号 制度変更区分 根拠法令 地域群 地域 対象者 用途・対象物 収入条件 家族構成条件".split(),
    *"対象者条件 従業員条件 資本金条件 創業年条件 給付上限額 最大金利 借入限度額 償還期限 最大補助率 費用 予算枠の有無".split(),
    *"申請届出方法 募集時期 公募開始日 公募終了日 公募備考 手続書類 電子申請の有無 添付ファイルの名称 添付ファイル名".split(),
    *"詳細参照先 詳細URL 標準産業分類 ステージとアクション 事業ステージ お困りごと サービス種別 災害名 キーワード".split(),
    *"実施組織・支援機関 お問い合わせ先 お問合わせ先一覧 公開開始日 公開終了日 最終更新日 表示優先度".split(),
}
CONTACT_ITEMS = set(
    "連絡先名称 連絡先用途 連絡先電話番号 連絡先メールアドレス 連絡先URL 連絡先SNS 連絡先住所 連絡先備考".split()
)
LIMITS = {"タイトル（制度名）": 40, "概要": 100, "内容": 500}  # 40 is 推奨, 100 and 500 are 以内


def schemes(merged: Graph) -> list[dict[str, Any]]:
    document = standard("gif").document(merged)
    assert list(document) == ["制度"]
    return document["制度"]


def by_id(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["制度番号"]: item for item in items}


def ja(graph: Graph, node: Any, prop: URIRef = RDFS.label) -> set[str]:
    return {str(o) for o in graph.objects(node, prop) if isinstance(o, Literal) and o.language == "ja"}


@pytest.fixture(params=["uozu", "kasou"])
def plan(request: pytest.FixtureRequest) -> PlanSource:
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]


def test_every_programme_is_a_scheme_with_every_mandatory_field(plan: PlanSource) -> None:
    merged = plan.merged()
    items = schemes(merged)
    programmes = set(plan.data.subjects(RDF.type, JY.ImplementingProgram))
    assert len(items) == len(programmes) == len(by_id(items))
    for item in items:
        assert set(item) <= MODEL_ITEMS, set(item) - MODEL_ITEMS
        for field in MANDATORY:
            assert item.get(field), (item["制度番号"], field)
        contact = item["連絡先情報"]
        assert isinstance(contact, dict) and set(contact) <= CONTACT_ITEMS and contact["連絡先名称"].strip()
        for field, limit in LIMITS.items():
            assert isinstance(item[field], str) and 0 < len(item[field]) <= limit, (item["制度番号"], field)


def test_the_scheme_id_combines_the_local_government_code(plan: PlanSource) -> None:
    city = next(plan.data.subjects(RDF.type, JY.Municipality))
    code = str(plan.data.value(city, JY.localGovernmentCode))
    assert re.fullmatch(r"\d{6}", code) and int(code[5]) == check_digit(code[:5])
    names = ja(plan.data, city)
    programmes = {str(p).rsplit("/", 1)[1] for p in plan.data.subjects(RDF.type, JY.ImplementingProgram)}
    items = schemes(plan.merged())
    assert {item["制度番号"] for item in items} == {f"{code}-{local}" for local in programmes}
    for item in items:
        assert re.fullmatch(rf"{code}-[a-z0-9-]+", item["制度番号"])
        assert item["地域"].split(";") == [code]
        assert item["制度所管組織"] in names
        assert item["連絡先情報"]["連絡先名称"].startswith(item["制度所管組織"] + " ")


def test_fields_come_from_the_plan_and_the_thesaurus(plan: PlanSource) -> None:
    merged = plan.merged()
    thesaurus = Graph()
    for path in resources.thesaurus_files():
        thesaurus.parse(path)
    labels = {str(o) for o in thesaurus.objects(None, SKOS.prefLabel) if isinstance(o, Literal) and o.language == "ja"}
    items = by_id(schemes(merged))
    code = str(plan.data.value(next(plan.data.subjects(RDF.type, JY.Municipality)), JY.localGovernmentCode))
    tagged = 0
    for programme in plan.data.subjects(RDF.type, JY.ImplementingProgram):
        item = items[f"{code}-{str(programme).rsplit('/', 1)[1]}"]
        assert {item["タイトル（制度名）"]} == ja(merged, programme)
        needs = {
            label for need in merged.objects(programme, JY.servesNeed) for label in ja(merged, need, SKOS.prefLabel)
        }
        assert set(item["お困りごと"]) == needs and set(item["お困りごと"]) <= labels
        assert len(item["お困りごと"]) == len(needs)
        tagged += bool(needs)
        citations = {
            str(c)
            for law in merged.objects(programme, JY.implementsProvision)
            for c in merged.objects(law, JY.citation)
        }
        assert set(item["根拠法令"]) == citations and citations
        departments = [d for d in merged.objects(programme, JY.responsibleDepartment)]
        assert all(name in item["連絡先情報"]["連絡先名称"] for d in departments for name in ja(merged, d))
        assert item["お問い合わせ先"] == item["連絡先情報"]["連絡先名称"]
        groups = [name for g in sorted(merged.objects(programme, JY.targetGroup)) for name in ja(merged, g)]
        assert item.get("対象者") == ("、".join(groups) if groups else None)
        contractors = {
            name
            for o in merged.objects(programme, JY.operator)
            for c in ([o] if (o, RDF.type, JY.Contractor) in merged else list(merged.objects(o, JY.operatedBy)))
            for name in ja(merged, c)
        }
        # a list with no value is left out, not written []
        if contractors:
            assert set(item["実施組織・支援機関"]) == contractors
            assert len(item["実施組織・支援機関"]) == len(contractors)
        else:
            assert "実施組織・支援機関" not in item
        assert all(value != [] for value in item.values())
        assert "最終更新日" not in item  # only a stored revision has provenance
    assert tagged == len(items)


def test_exact_values_for_the_multi_agency_programme(uozu: PlanSource) -> None:
    items = by_id(schemes(uozu.merged()))
    item = items["162043-prog-takikan-kyodo"]
    assert item["タイトル（制度名）"] == "多機関協働事業"
    assert item["制度所管組織"] == "魚津市"
    assert item["連絡先情報"] == {"連絡先名称": "魚津市 社会福祉課"}
    assert item["地域"] == "162043"
    assert item["根拠法令"] == ["社会福祉法第106条の4第2項第5号", "社会福祉法第106条の4第2項第6号"]
    assert item["概要"] == "重層的支援体制整備事業の中核を担い、全体調整を行います。"
    (description,) = ja(uozu.data, URIRef(UOZU + "prog-takikan-kyodo"), JY.description)
    assert item["内容"].startswith(description)
    assert item["内容"].endswith(
        "事業内容：連携会議・連絡会の設置、多機関協働マネージャーの配置を通じた会議の運営実施、"
        "各相談支援関係機関や担当課等と連携・調整、重層的支援会議の開催、支援の方向性や役割分担の決定、支援プランの作成。"
    )
    assert item["対象者"] == "複雑化・複合化した課題や制度の狭間にある人とその世帯等"
    assert {"複雑化・複合化した課題", "制度の狭間", "8050問題", "ダブルケア"} <= set(item["お困りごと"])
    assert "実施組織・支援機関" not in item and item["キーワード"] == "多機関協働"
    assert list(item)[:3] == ["制度所管組織", "タイトル（制度名）", "制度番号"]  # 表1's order
    assert items["162043-prog-riyosha-shien"]["連絡先情報"] == {"連絡先名称": "魚津市 こども課・健康センター"}
    assert items["162043-prog-konkyu-chiikizukuri"]["実施組織・支援機関"] == [
        "魚津市社会福祉協議会",
        "上野方地域振興会",
    ]
    # a programme run at sites: the sites are not organisations, and the plan names no 委託先 for them
    assert "実施組織・支援機関" not in items["162043-prog-chiiki-kosodate-kyoten"]
    without = [n for n, i in items.items() if "実施組織・支援機関" not in i]
    assert without == [
        "162043-prog-chiiki-houkatsu",
        "162043-prog-riyosha-shien",
        "162043-prog-takikan-kyodo",
        "162043-prog-outreach",
        "162043-prog-chiiki-kosodate-kyoten",
    ]


def test_a_programme_described_by_its_activities_only(kasou: PlanSource) -> None:
    item = by_id(schemes(kasou.merged()))["999008-prog-tsunagari-houmon"]
    assert item["制度所管組織"] == "架空町" and item["地域"] == "999008"
    assert item["概要"] == "民生委員や地域からの情報による対象者の把握、定期的な訪問による関係づくりを行います。"
    assert item["内容"] == "事業内容：民生委員や地域からの情報による対象者の把握、定期的な訪問による関係づくり。"
    assert item["連絡先情報"] == {"連絡先名称": "架空町 福祉課"}
    items = by_id(schemes(kasou.merged()))
    # a contractor reached through the site it runs (and named by the programme too): once
    assert items["999008-prog-hidamari-center"]["実施組織・支援機関"] == ["NPO法人ひだまり"]
    # 直営 at a site (親子ひろば「すくすく」), and 直営 programmes: no 実施組織・支援機関 at all
    without = [n for n, i in items.items() if "実施組織・支援機関" not in i]
    assert without == ["999008-prog-kosodate-concierge", "999008-prog-team-shien", "999008-prog-oyako-hiroba"]
    assert items["999008-prog-anshin-soudan"]["実施組織・支援機関"] == ["架空町社会福祉協議会"]


def test_the_documented_example_is_what_the_export_writes(uozu: PlanSource) -> None:
    """docs/gif.md shows 多機関協働事業 as the export writes it: the same keys in the same order, the same values."""
    text = (Path(__file__).resolve().parents[1] / "docs" / "gif.md").read_text(encoding="utf-8")
    after = text[text.index("Example (魚津市, 多機関協働事業)") :]
    block = after[after.index("```json\n") + len("```json\n") : after.index("\n```\n")]
    documented = json.loads(block)
    item = by_id(schemes(uozu.merged()))["162043-prog-takikan-kyodo"]
    assert list(documented.items()) == list(item.items())


def test_long_texts_are_cut_to_the_model_limits(uozu: PlanSource) -> None:
    merged = Graph()
    merged += uozu.merged()
    programme = URIRef(UOZU + "prog-takikan-kyodo")
    merged.remove((programme, JY.description, None))
    merged.add((programme, JY.description, Literal("あ" * 150 + "。" + "い" * 600, lang="ja")))
    item = by_id(schemes(merged))["162043-prog-takikan-kyodo"]
    assert item["概要"] == "あ" * 99 + "…"
    assert len(item["内容"]) == 500 and item["内容"] == "あ" * 150 + "。" + "い" * 348 + "…"


def test_the_last_change_becomes_the_update_date_in_japan(uozu: PlanSource) -> None:
    merged = Graph()
    merged += uozu.merged()
    at = {"prog-takikan-kyodo": "2025-06-01T16:30:00+00:00", "prog-outreach": "2025-06-01T10:30:00+09:00"}
    for local, time in at.items():
        merged.add((URIRef(UOZU + local), JY.lastChangedAt, Literal(time, datatype=XSD.dateTime)))
        merged.add((URIRef(UOZU + local), JY.lastChangedRevision, Literal("0123abcd")))
    items = by_id(schemes(merged))
    assert items["162043-prog-takikan-kyodo"]["最終更新日"] == "2025-06-02"  # 01:30 on 2 June in Japan
    assert items["162043-prog-outreach"]["最終更新日"] == "2025-06-01"
    assert sum("最終更新日" in item for item in items.values()) == 2


def test_the_cli_and_the_api_give_the_same_export(api: TestClient, uozu: PlanSource, kasou: PlanSource) -> None:
    expected = json.loads(standard("gif").render(uozu.merged()))
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli.main(["export", "--format", "gif"]) == 0
    assert json.loads(out.getvalue()) == expected
    out = io.StringIO()
    with redirect_stdout(out):
        argv = ["export", "--format", "gif", "--data", str(KASOU_DIR), "--data", str(resources.municipality_dir())]
        assert cli.main([*argv, "--municipality", "999008"]) == 0
    assert json.loads(out.getvalue()) == standard("gif").document(kasou.merged())
    served = api.get("/v1/export/gif")
    assert served.status_code == 200 and served.headers["content-type"] == "application/json; charset=utf-8"
    assert served.json() == expected
    assert api.get("/v1/municipalities/162043/export/gif").json() == expected
