"""Several municipalities in one service: each answers from its own plan alone, with its own store and tokens.

Three are served at once: 魚津市 (the embedded plan), 架空町 (the fictional plan) and 試験村 (999016), built here from
the blank workbook of `jyuso-kb workbook template`, filled in with rows of its own.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rdflib import RDF

from jyuso_kb import cli
from jyuso_kb.errors import InputError
from jyuso_kb.formats import workbook as workbook_format
from jyuso_kb.namespaces import JY
from jyuso_kb.plan.load import load_plan
from jyuso_kb.plan.municipalities import load_plans, plan_units
from jyuso_kb.plan.source import PlanSource
from jyuso_kb.serve.app import create_app
from jyuso_kb.serve.settings import Settings

from .conftest import KASOU_DIR

UOZU, KASOU, SHIKEN = "162043", "999008", "999016"
DATA = "https://w3id.org/jyuso-kb/data/"
NAMESPACE = {UOZU: f"{DATA}uozu/", KASOU: f"{DATA}kasou/", SHIKEN: f"{DATA}{SHIKEN}/"}
KASOU_TOKEN, ANY_TOKEN = "kasou-policy-token-4f1a", "any-policy-token-9c2e"
HOUSEHOLD = {"needs": ["ひきこもり", "親の介護", "生活困窮", "子育て"], "consent": True, "as_of": "2025-10-01"}
RENAMES = (  # 架空町's rows, as the policy staff of 試験村 would fill them in for their own village
    ("kasou:town", "city:city"),
    ("kasou:plan", "city:plan"),
    ("kasou:", "city:shiken-"),
    ("架空町", "試験村"),
    ("Kasou Town", "Shiken Village"),
    ("架空県", "試験県"),
    ("Kasou Prefecture", "Shiken Prefecture"),
)


def _renamed(text: str, renames: Sequence[tuple[str, str]] = RENAMES) -> str:
    for old, new in renames:
        text = text.replace(old, new)
    return text


def filled_template(
    kasou: PlanSource,
    folder: Path,
    *,
    code: str = SHIKEN,
    name: str = "試験村",
    renames: Sequence[tuple[str, str]] = RENAMES,
    write: Callable[[workbook_format.Tables, Path], object] = workbook_format.write_csv,
) -> Path:
    """The blank workbook of 試験村 with every sheet filled in (CSV folder, as `workbook template --out DIR` writes).

    ``code``, ``name`` and ``renames`` make it another municipality's; ``write`` is ``write_xlsx`` for a ``.xlsx``."""
    blank = workbook_format.template_tables(code, name)
    rows = {t.name: t for t in workbook_format.export_tables(kasou.data).tables}
    for table in blank.tables:
        source = rows.get(table.name)
        if source is None or table.name in ("prefixes", "extra"):
            continue
        assert source.header == table.header, table.name
        filled = [[_renamed(cell, renames) for cell in row] for row in source.rows]
        if table.name == "municipality":
            filled = [[code if cell == "999008" else cell for cell in row] for row in filled]
        table.rows = filled
    write(blank, folder)
    return folder


@pytest.fixture(scope="module")
def shiken(kasou: PlanSource, tmp_path_factory: pytest.TempPathFactory) -> PlanSource:
    return load_plan([filled_template(kasou, tmp_path_factory.mktemp("shiken") / "workbook")])


@pytest.fixture(scope="module")
def three(uozu: PlanSource, kasou: PlanSource, shiken: PlanSource) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(sparql_workers=1), plans=[uozu, kasou, shiken])) as client:
        yield client


def _own(plan: PlanSource, cls: Any) -> set[str]:
    return {str(s).rsplit("/", 1)[-1] for s in plan.data.subjects(RDF.type, cls)}


def test_the_filled_template_validates(shiken: PlanSource) -> None:
    from jyuso_kb.check.validation import validate

    result = validate(shiken)
    assert result.conforms, [f.message for f in result.report.findings if f.severity == "violation"]


def test_the_list_names_every_municipality_served(three: TestClient) -> None:
    body = three.get("/v1/municipalities").json()
    got = [(m["code"], m["name"], m["prefecture"], m["default"]) for m in body["municipalities"]]
    assert got == [
        (UOZU, "魚津市", "富山県", True),
        (KASOU, "架空町", "架空県", False),
        (SHIKEN, "試験村", "試験県", False),
    ]
    assert body["default"] == UOZU
    kasou = body["municipalities"][1]
    assert kasou["plan"] == "架空町重層的支援体制整備事業実施計画（令和7年度～令和9年度）"
    assert kasou["period"] == {
        "start_fiscal_year": 2025,
        "end_fiscal_year": 2027,
        "label": "令和7年度から令和9年度までの3年間",
    }
    assert kasou["revision"] == three.get(f"/v1/municipalities/{KASOU}/programs").headers["x-plan-revision"]
    assert three.get(f"/v1/municipalities/{KASOU}").json() == kasou


@pytest.mark.parametrize("code", [UOZU, KASOU, SHIKEN])
def test_each_municipality_answers_from_its_own_plan_alone(
    three: TestClient, code: str, uozu: PlanSource, kasou: PlanSource, shiken: PlanSource
) -> None:
    plan = {UOZU: uozu, KASOU: kasou, SHIKEN: shiken}[code]
    base = f"/v1/municipalities/{code}"
    programs, departments = _own(plan, JY.ImplementingProgram), _own(plan, JY.Department)
    meetings = _own(plan, JY.Meeting)
    answer = three.post(f"{base}/route", json=HOUSEHOLD)
    assert answer.status_code == 200 and answer.headers["x-municipality-code"] == code
    route = answer.json()
    assert route["programs"] and {p["id"] for p in route["programs"]} <= programs
    assert route["departments"] and {d["id"] for d in route["departments"]} <= departments
    assert {m["id"] for m in route["meetings"]} <= meetings and route["meetings"]
    who = three.post(f"{base}/who-handles", json={"q": "母の介護と息子のひきこもり"}).json()
    assert who["results"] and {r["department"]["id"] for r in who["results"]} <= departments
    assert {p["id"] for p in three.get(f"{base}/programs").json()["programs"]} == programs
    assert {d["id"] for d in three.get(f"{base}/departments").json()["departments"]} == departments
    assert {m["id"] for m in three.get(f"{base}/meetings").json()["meetings"]} == meetings
    catalog = three.get(f"{base}/catalog", headers={"accept": "text/turtle"}).text
    others = [ns for other, ns in NAMESPACE.items() if other != code]
    assert NAMESPACE[code] in catalog and not any(ns in catalog for ns in others)
    query = "SELECT DISTINCT ?s WHERE { ?s a ?type }"
    rows = three.post(f"{base}/sparql", data={"query": query}, headers={"accept": "application/sparql-results+json"})
    subjects = {b["s"]["value"] for b in rows.json()["results"]["bindings"]}
    assert any(s.startswith(NAMESPACE[code]) for s in subjects)
    assert not any(s.startswith(ns) for s in subjects for ns in others)


def test_the_paths_without_a_municipality_answer_for_the_default(three: TestClient) -> None:
    assert three.get("/v1/programs").json() == three.get(f"/v1/municipalities/{UOZU}/programs").json()
    assert three.get("/health").headers["x-municipality-code"] == UOZU


def test_the_default_municipality_can_be_chosen(uozu: PlanSource, kasou: PlanSource) -> None:
    settings = Settings(sparql_workers=1, default_municipality=KASOU)
    with TestClient(create_app(settings, plans=[uozu, kasou])) as client:
        assert client.get("/v1/municipalities").json()["default"] == KASOU
        assert client.get("/v1/programs").json() == client.get(f"/v1/municipalities/{KASOU}/programs").json()


def test_an_unknown_municipality_is_a_404_in_the_error_shape(three: TestClient) -> None:
    for path in ("/v1/municipalities/123456/programs", "/v1/municipalities/123456"):
        got = three.get(path)
        assert got.status_code == 404
        assert got.json() == {
            "error": {
                "code": "not_found",
                "message": "指定された市町村は見つかりません。",
                "where": "path" if "programs" in path else "code",
                "hint": "/v1/municipalities で一覧を確認してください。",
            }
        }


def test_the_openapi_document_lists_every_plan_scoped_path_per_municipality(three: TestClient) -> None:
    paths = three.get("/openapi.json").json()["paths"]
    scoped = {p for p in paths if p.startswith("/v1/municipalities/{code}/")}
    plain = {p for p in paths if p.startswith("/v1/") and not p.startswith("/v1/municipalities")}
    shared = {"/v1/context.jsonld", "/v1/workbook/template"}
    shared |= {"/v1/national/programs", "/v1/national/summary", "/v1/national/collaboration"}
    assert {p.replace("/v1/municipalities/{code}/", "/v1/") for p in scoped} == plain - shared
    operation = paths["/v1/municipalities/{code}/programs/{program_id}"]["get"]
    assert [p["name"] for p in operation["parameters"]] == ["code", "program_id"]


# ---- the store, tokens and the start log, per municipality -----------------------------------------------------


def _tokens(path: Path) -> Path:
    entries = [
        {
            "name": "架空町 政策担当",
            "role": "policy",
            "sha256": hashlib.sha256(KASOU_TOKEN.encode()).hexdigest(),
            "municipalities": [KASOU],
        },
        {"name": "政策担当", "role": "policy", "sha256": hashlib.sha256(ANY_TOKEN.encode()).hexdigest()},
    ]
    path.write_text(json.dumps({"tokens": entries}, ensure_ascii=False), encoding="utf-8")
    return path


def _turtle(plan: PlanSource) -> bytes:
    return plan.data.serialize(format="turtle").encode()


def test_each_municipality_has_its_own_store_and_tokens(
    uozu: PlanSource, kasou: PlanSource, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(store=tmp_path / "store", tokens_file=_tokens(tmp_path / "tokens.json"), sparql_workers=1)
    caplog.set_level(logging.INFO, logger="jyuso_kb")
    with TestClient(create_app(settings, plans=[uozu, kasou])) as client:
        started = [r.getMessage() for r in caplog.records if r.name == "jyuso_kb"]
        assert f"162043 魚津市: serves {uozu.origin} (nothing active in the store {tmp_path}/store/162043)" in started
        assert f"999008 架空町: serves {kasou.origin} (nothing active in the store {tmp_path}/store/999008)" in started
        before = client.get("/v1/programs").headers["x-plan-revision"]
        kasou_auth = {"authorization": f"Bearer {KASOU_TOKEN}", "content-type": "text/turtle"}
        refused = client.post("/v1/revisions", content=_turtle(uozu), headers=kasou_auth)
        assert refused.status_code == 403
        assert refused.json()["error"]["message"] == "このトークンでは魚津市の計画を公開・切り替えできません。"
        wrong = client.post(f"/v1/municipalities/{KASOU}/revisions", content=_turtle(uozu), headers=kasou_auth)
        assert wrong.status_code == 422
        assert wrong.json()["error"] == {
            "code": "other_municipality",
            "message": "送られた計画は魚津市(全国地方公共団体コード 162043)の計画で、架空町(999008)の計画ではありません。",
            "where": "body",
            "hint": "/v1/municipalities/162043/revisions に送るか、架空町の計画を送ってください。",
        }
        published = client.post(f"/v1/municipalities/{KASOU}/revisions", content=_turtle(kasou), headers=kasou_auth)
        assert published.status_code == 201, published.text
        revision = published.json()["active"]
        assert client.get(f"/v1/municipalities/{KASOU}/revisions").json()["active"] == revision
        assert [r["id"] for r in client.get(f"/v1/municipalities/{KASOU}/revisions").json()["revisions"]] == [revision]
        assert client.get("/v1/revisions").json() == {"active": before, "revisions": []}
        assert client.get("/v1/programs").headers["x-plan-revision"] == before  # 魚津市 did not move
    assert sorted(p.name for p in (tmp_path / "store").iterdir()) == [UOZU, KASOU]
    audit = (tmp_path / "store" / KASOU / "audit.log").read_text("utf-8").splitlines()
    assert [json.loads(line)["event"] for line in audit] == ["publish", "activate"]
    assert (
        not (tmp_path / "store" / UOZU / "audit.log").exists()
        or not (tmp_path / "store" / UOZU / "audit.log").read_text()
    )
    caplog.clear()
    with TestClient(create_app(settings, plans=[uozu, kasou])) as client:
        started = [r.getMessage() for r in caplog.records if r.name == "jyuso_kb"]
        assert (
            f"999008 架空町: serves the stored revision {revision}, active in {tmp_path}/store/999008 "
            f"(it takes precedence over {kasou.origin})"
        ) in started
        assert client.get(f"/v1/municipalities/{KASOU}/programs").headers["x-plan-revision"] == revision


def test_a_store_of_one_municipality_stays_the_default_s(uozu: PlanSource, kasou: PlanSource, tmp_path: Path) -> None:
    """A store written before several municipalities were served holds its revisions at its top: they stay the
    default municipality's, and nothing published is lost."""
    from jyuso_kb.store.revisions import Store

    old = Store(tmp_path / "store").publish(uozu.data, "政策担当", "当初の計画", True)
    with TestClient(create_app(Settings(store=tmp_path / "store", sparql_workers=1), plans=[uozu, kasou])) as client:
        assert client.get("/v1/revisions").json()["active"] == old.id
        assert client.get(f"/v1/municipalities/{KASOU}/revisions").json()["revisions"] == []


# ---- loading several plans -------------------------------------------------------------------------------------


def _folder_of_plans(tmp_path: Path, kasou: PlanSource, shiken_folder: Path | None = None) -> Path:
    import shutil

    root = tmp_path / "plans"
    shutil.copytree(KASOU_DIR, root / "kasou")
    shutil.copytree(Path(__file__).resolve().parents[1] / "data" / "uozu", root / "uozu")
    if shiken_folder is not None:
        shutil.copytree(shiken_folder, root / "shiken")
    return root


def test_a_folder_of_plan_folders_is_one_plan_each(tmp_path: Path, kasou: PlanSource) -> None:
    root = _folder_of_plans(tmp_path, kasou, filled_template(kasou, tmp_path / "shiken"))
    assert [p.name for p in plan_units([root])] == ["kasou", "shiken", "uozu"]
    assert [p.municipality.code for p in load_plans([root])] == [KASOU, SHIKEN, UOZU]
    plans = load_plans([root / "uozu", root / "kasou"])
    assert [p.municipality.name for p in plans] == ["魚津市", "架空町"]
    assert plans[0].plan.vocabulary is plans[1].plan.vocabulary  # one ontology in memory, however many plans


def test_two_plans_of_one_municipality_are_refused(tmp_path: Path, kasou: PlanSource) -> None:
    root = _folder_of_plans(tmp_path, kasou)
    with pytest.raises(InputError) as caught:
        load_plans([root / "kasou", KASOU_DIR])
    assert caught.value.as_dict() == {
        "code": "duplicate_municipality",
        "message": "全国地方公共団体コード 999008 の計画が2つあります。",
        "where": f"{root / 'kasou'}, {KASOU_DIR}",
        "hint": "市町村ごとに計画を1つだけ指定してください。",
    }


def test_a_plan_without_its_municipality_is_refused(tmp_path: Path) -> None:
    (tmp_path / "part").mkdir()
    (tmp_path / "part" / "programs.ttl").write_bytes((KASOU_DIR / "programs.ttl").read_bytes())
    with pytest.raises(InputError) as caught:
        load_plans([tmp_path / "part"])
    assert (caught.value.code, caught.value.message) == (
        "no_municipality",
        "計画に市町村(jy:Municipality)がありません。",
    )


def test_the_cli_chooses_a_municipality(tmp_path: Path, kasou: PlanSource, capsys: pytest.CaptureFixture[str]) -> None:
    root = _folder_of_plans(tmp_path, kasou)
    assert cli.main(["programs", "--json", "--data", str(root), "--municipality", KASOU]) == 0
    ids = {p["id"] for p in json.loads(capsys.readouterr().out)["programs"]}
    assert ids == _own(kasou, JY.ImplementingProgram)
    assert (
        cli.main(
            [
                "route",
                "--need",
                "ひきこもり",
                "--data",
                str(root / "uozu"),
                "--data",
                str(root / "kasou"),
                "--municipality",
                KASOU,
                "--json",
            ]
        )
        == 0
    )
    assert {p["id"] for p in json.loads(capsys.readouterr().out)["programs"]} <= ids
    assert cli.main(["programs", "--data", str(root)]) == 2
    err = capsys.readouterr().err
    assert "複数の市町村の計画が読み込まれました。" in err
    assert "--municipality で全国地方公共団体コードを指定してください(読み込んだ計画: 162043、999008)。" in err
    assert cli.main(["programs", "--data", str(root), "--municipality", "999016"]) == 2
    assert "読み込んだ計画の市町村: 999008 架空町、162043 魚津市" in capsys.readouterr().err
    assert cli.main(["validate", str(root), "--municipality", KASOU]) == 0
    capsys.readouterr()
    assert cli.main(["programs", "--data", str(KASOU_DIR)]) == 0  # one plan behaves as before


# ---- no municipality in the engine's published context ----------------------------------------------------------


def test_the_published_context_names_no_municipality(three: TestClient, kasou: PlanSource) -> None:
    context = three.get("/v1/context.jsonld").json()["@context"]
    assert not any(isinstance(v, str) and v.startswith(DATA) for v in context.values())
    exported = three.get(f"/v1/municipalities/{KASOU}/catalog", headers={"accept": "application/ld+json"}).json()
    assert exported["@context"]["kasou"] == NAMESPACE[KASOU]
    assert "uozu" not in exported["@context"]
    ids = {node["@id"] for node in exported["@graph"]}
    assert "kasou:town" in ids


def test_the_engine_names_no_municipality() -> None:
    """Nothing in src/ (code, page, published context) names a municipality: every one is a guest of its data."""
    src = Path(__file__).resolve().parents[1] / "src" / "jyuso_kb"
    context = Path(__file__).resolve().parents[1] / "ontology" / "context.jsonld"
    names = ("uozu", "魚津", "162043", "kasou", "架空", "999008")
    files = [p for p in src.rglob("*") if p.suffix in (".py", ".js", ".html", ".css") and "kb" not in p.parts]
    for path in [*files, context]:
        text = path.read_text(encoding="utf-8")
        assert not [n for n in names if n in text], path
