"""The command line as policy staff use it: validate, export, programs, check, route — exit codes 0 / 1 / 2."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from rdflib import RDF, Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import SH

from jyuso_kb import cli, resources
from jyuso_kb.check import owl as consistency
from jyuso_kb.check import shacl
from jyuso_kb.cli import route
from jyuso_kb.cli import validate as cli_validate
from jyuso_kb.formats.export import csv_cell
from jyuso_kb.namespaces import JY
from jyuso_kb.plan.load import load_plan
from jyuso_kb.plan.source import PlanSource

from .conftest import KASOU_DIR

UOZU = "https://w3id.org/jyuso-kb/data/uozu/"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write_variant(tmp_path: Path, uozu: PlanSource, drop: list[tuple[str, str | None, str | None]]) -> Path:
    """The 魚津市 data as one Turtle file, minus the triples matching each (subject, predicate, object) pattern."""
    graph = Graph()
    graph += uozu.data
    for s, p, o in drop:
        pattern = (URIRef(UOZU + s), JY[p] if p else None, URIRef(o) if o else None)
        assert (pattern[0], pattern[1], pattern[2]) in graph or list(graph.triples(pattern)), pattern
        graph.remove(pattern)
    path = tmp_path / "revision.ttl"
    graph.serialize(path, format="turtle")
    return path


def test_validate_embedded_plan_conforms(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate")
    assert code == 0
    assert out.strip() == "適合: 計画はすべての要件を満たしています。"


# One revision broken five ways, as a policy officer might send it; validating it once names every mistake.
BROKEN = [
    ("prog-chiiki-houkatsu", "responsibleDepartment", None),  # a programme without its 所管課
    ("prog-chiiki-katsudo-center", "implementsProvision", None),  # a programme without its legal item
    ("prog-outreach", None, None),  # the only programme of item 4, gone
    ("prog-jiritsu-soudan", "operator", None),  # commissioned, without its contractor
    ("org-ayuminosato", None, None),  # a contractor two programmes still name, gone
]
NO_CONTRACTOR = "委託で実施する事業に委託先(実施主体)がありません。"


@pytest.fixture(scope="module")
def broken_revision(tmp_path_factory: pytest.TempPathFactory, uozu: PlanSource) -> Path:
    return write_variant(tmp_path_factory.mktemp("broken"), uozu, BROKEN)


def test_validate_names_each_broken_requirement(capsys: pytest.CaptureFixture[str], broken_revision: Path) -> None:
    code, out, _ = run(capsys, "validate", str(broken_revision))
    assert code == 1
    assert out.startswith("不適合: 違反 5件、警告 0件、情報 0件\n")
    # what the node is and its name, the requirement, the item, how to fix it: in staff's words, no RDF names
    assert (
        "[違反] 実施事業「地域包括支援センター運営事業」\n"
        "  要件: 事業に所管課がないか、所管課が既知の課ではありません。\n"
        "  項目: 所管課\n"
        "  直し方: 事業に所管課を1つ指定してください(計画で定義された課から)。\n"
    ) in out
    assert (
        "[違反] 法令の規定「第106条の4第2項第4号」\n"
        "  要件: 社会福祉法第106条の4第2項第4号 を実施する事業が計画にありません。\n"
    ) in out
    assert f"[違反] 実施事業「自立相談支援事業」\n  要件: {NO_CONTRACTOR}\n" in out
    # and the failed quality checks of severity error, with what they found
    assert "[違反] 品質チェック: 定義されていない対象への参照\n" in out
    assert "  対象: 障がい者相談支援事業 委託先・実施場所 org-ayuminosato\n" in out


def test_validate_json_has_exactly_the_violations_and_failed_checks(
    capsys: pytest.CaptureFixture[str], broken_revision: Path
) -> None:
    code, out, _ = run(capsys, "validate", "--json", str(broken_revision))
    assert code == 1
    report = json.loads(out)
    assert report["conforms"] is False
    found = {(f["focus"], f["shape"], f["message"]) for f in report["findings"] if f["severity"] == "violation"}
    assert found == {
        (
            "uozu:prog-chiiki-houkatsu",
            "jysh:ProgramDepartment",
            "事業に所管課がないか、所管課が既知の課ではありません。",
        ),
        (
            "uozu:prog-chiiki-katsudo-center",
            "jysh:ProgramLegalItem",
            "事業に根拠となる社会福祉法第106条の4第2項の号(法令の項目)がありません。",
        ),
        ("uozu:prog-chiiki-katsudo-center", "jysh:CommissionedOperatorShape", NO_CONTRACTOR),  # its contractor went
        ("uozu:prog-jiritsu-soudan", "jysh:CommissionedOperatorShape", NO_CONTRACTOR),
        (
            "law:a106-4-p2-i4",
            "jysh:ProvisionCoverageShape",
            "社会福祉法第106条の4第2項第4号 を実施する事業が計画にありません。",
        ),
    }
    assert {c["name"]: c["rows"] for c in report["checks"]} == {
        "component-without-program": [["jy:component-outreach"]],
        "undefined-reference": [
            ["uozu:challenge-7", "jy:addressedBy", "uozu:prog-outreach"],
            ["uozu:goal-3", "jy:addressedBy", "uozu:prog-outreach"],
            ["uozu:prog-chiiki-katsudo-center", "jy:operator", "uozu:org-ayuminosato"],
            ["uozu:prog-shogaisha-soudan", "jy:operator", "uozu:org-ayuminosato"],
        ],
    }


def test_turtle_syntax_error_exits_2_with_file_and_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text('@prefix jy: <https://w3id.org/jyuso-kb/ontology#> .\n\njy:a jy:b "x" \njy:c jy:d jy:e .\n', "utf-8")
    code, out, err = run(capsys, "validate", str(bad))
    assert code == 2
    assert out == ""
    assert "エラー: Turtle の構文エラー(行 4)" in err
    assert f"場所: ファイル {bad}、行 4、列 1" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("name", "content", "code_text"),
    [
        ("plan.rdf", '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><r/>', "この形式(.rdf)は読み込めません。"),
        ("plan.jsonld", '{"@context": "http://127.0.0.1:9/ctx.jsonld", "@id": "x"}', "外部の @context"),
        ("plan.jsonld", '{"@context": "/etc/passwd", "@id": "x"}', "外部の @context"),
        ("plan.jsonld", '{"@context": {"@import": "http://127.0.0.1:9/"}, "@id": "x"}', "外部の @context"),
        ("plan.jsonld", '{"@context": {', "JSON の構文エラー(行 1)"),
        ("missing.ttl", None, "ファイルが見つかりません。"),
    ],
)
def test_bad_input_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, content: str | None, code_text: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content, "utf-8")
    code, _, err = run(capsys, "validate", str(path))
    assert code == 2
    assert code_text in err
    assert "Traceback" not in err


class Canary:
    """A loopback listener that counts connections: nothing we parse may reach it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.hits += 1
            conn.close()

    def close(self) -> int:
        self.stop.set()
        self.thread.join()
        self.sock.close()
        return self.hits


@pytest.mark.slow
def test_check_runs_every_quality_check_and_follows_no_import(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The plan's folder (validated as a folder) plus a file whose owl:imports name a loopback canary and a local
    file: every check passes and nothing is fetched. ``check`` reads the plan as ``validate`` does and runs what
    ``validate`` runs (SHACL, the quality checks), then HermiT, the one step that could follow an import."""
    canary = Canary()
    shutil.copytree(resources.municipality_dir(), tmp_path / "plan")
    (tmp_path / "plan" / "imports.ttl").write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        f"<urn:x> a owl:Ontology ; owl:imports <http://127.0.0.1:{canary.port}/evil.ttl> , <file:///etc/passwd> .\n",
        "utf-8",
    )
    code, out, _ = run(capsys, "check", "--json", "--data", str(tmp_path / "plan"))
    assert canary.close() == 0
    report = json.loads(out)
    assert code == 0
    assert report["conforms"] is True
    assert report["owl"]["consistent"] is True
    assert [c["name"] for c in report["checks"] if not c["passed"]] == []
    assert report["counts"]["実施事業"] == 12
    assert report["counts"]["連携マトリクスのセル"] == 48


def test_export_turtle_reparses_to_the_plan(capsys: pytest.CaptureFixture[str], uozu: PlanSource) -> None:
    code, out, _ = run(capsys, "export", "--format", "ttl")
    assert code == 0
    assert isomorphic(Graph().parse(data=out, format="turtle"), uozu.data)


def test_export_jsonld_reads_back_as_the_plan(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, uozu: PlanSource
) -> None:
    """Read back the way ``validate plan.jsonld`` reads it: the same graph, so it validates as the plan does."""
    code, out, _ = run(capsys, "export", "--format", "jsonld")
    assert code == 0
    path = tmp_path / "plan.jsonld"
    path.write_text(out, "utf-8")
    assert isomorphic(load_plan([path]).data, uozu.data)


def test_export_csv_is_the_program_catalog(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "export", "--format", "csv")
    lines = out.splitlines()
    assert code == 0
    assert lines[0] == (
        "id,label,label_en,legal_basis,pillar,component,target_group,activities,implementation,operators,"
        "departments,fields,new,source,last_changed_revision,last_changed_at"
    )
    assert len(lines) == 13
    assert lines[7].startswith("prog-sanka-shien,社会参加支援事業,")
    assert lines[7].endswith(",社会福祉課,属性不問,true,4.(2),,")  # plan files have no revision history


@pytest.mark.parametrize(
    ("cell", "safe"), [("=1+1", "'=1+1"), ("+81", "'+81"), ("-x", "'-x"), ("@SUM", "'@SUM"), ("ok", "ok")]
)
def test_csv_cells_cannot_be_formulas(cell: str, safe: str) -> None:
    assert csv_cell(cell) == safe


def test_programs_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "programs", "--json")
    programs = json.loads(out)["programs"]
    assert code == 0
    assert [p["id"] for p in programs][:4] == [
        "prog-chiiki-houkatsu",
        "prog-shogaisha-soudan",
        "prog-riyosha-shien",
        "prog-jiritsu-soudan",
    ]
    contract = {"id", "label", "legal_basis", "pillar", "target_group", "activities", "implementation", "operators"}
    contract |= {"departments", "new", "source"}
    for program in programs:
        assert contract <= set(program)
    kosodate = next(p for p in programs if p["id"] == "prog-chiiki-kosodate-kyoten")
    assert kosodate["implementation"] == "直営及び委託"
    assert [o["label"] for o in kosodate["operators"]] == [
        "子育て支援センター「のびのび」",
        "子育て支援センター「にこにこ」",
        "児童センター親子教室",
    ]
    assert kosodate["departments"] == [
        {"id": "dept-kodomo", "label": "こども課"},
        {"id": "dept-kenko-center", "label": "健康センター"},
    ]


AKIYA = {  # `route --need 空き家`: one department, whose duty covers the need
    "uozu": [
        "ニーズ: 空き家",
        "",
        "■ 担当課",
        "・都市計画課(担当課)  機能: 相談支援",
        "    なぜ: 都市計画課の業務「空き家対策」が「空き家」に対応します。(計画7.、社会福祉法第106条の4第2項第1号"
        "(包括的に相談を受け止め、つなぎを行う)、ルール duty-covers-need)",
    ],
    "kasou": [
        "ニーズ: 空き家",
        "",
        "■ 担当課",
        "・建設課(担当課)  機能: 相談支援",
        "    なぜ: 建設課の業務「空き家対策」が「空き家」に対応します。(計画6.、社会福祉法第106条の4第2項第1号"
        "(包括的に相談を受け止め、つなぎを行う)、ルール duty-covers-need)",
    ],
}


@pytest.mark.parametrize(
    ("town", "as_of", "header", "notice"),
    [
        (
            "uozu",
            "2023-06-01",
            "基準日: 2023-06-01  年度: 2023年度(令和5年度)  本人同意: 同意不明",
            "注意: 基準日(2023-06-01)は計画期間(2024〜2026年度、令和6〜8年度)の外です。2024年度(令和6年度)の予定で判断しました。",
        ),
        (
            "uozu",
            "2031-06-01",
            "基準日: 2031-06-01  年度: 2031年度(令和13年度)  本人同意: 同意不明",
            "注意: 基準日(2031-06-01)は計画期間(2024〜2026年度、令和6〜8年度)の外です。2026年度(令和8年度)の予定で判断しました。",
        ),
        ("uozu", "2025-06-01", "基準日: 2025-06-01  年度: 2025年度(令和7年度)  本人同意: 同意不明", None),
        (
            "kasou",
            "2022-06-01",
            "基準日: 2022-06-01  年度: 2022年度(令和4年度)  本人同意: 同意不明",
            "注意: 基準日(2022-06-01)は計画期間(2025〜2027年度、令和7〜9年度)の外です。2025年度(令和7年度)の予定で判断しました。",
        ),
        (
            "kasou",
            "2030-06-01",
            "基準日: 2030-06-01  年度: 2030年度(令和12年度)  本人同意: 同意不明",
            "注意: 基準日(2030-06-01)は計画期間(2025〜2027年度、令和7〜9年度)の外です。2027年度(令和9年度)の予定で判断しました。",
        ),
        ("kasou", "2026-06-01", "基準日: 2026-06-01  年度: 2026年度(令和8年度)  本人同意: 同意不明", None),
    ],
)
def test_route_text_prints_the_notice_under_the_header(
    capsys: pytest.CaptureFixture[str], town: str, as_of: str, header: str, notice: str | None
) -> None:
    """A reference date outside the plan period: the text says so on the line after 基準日, as JSON and the web
    page do; inside the period there is no such line."""
    data = ["--data", str(KASOU_DIR)] if town == "kasou" else []
    code, out, err = run(capsys, "route", "--need", "空き家", "--as-of", as_of, *data)
    assert (code, err) == (0, "")
    assert out.splitlines() == [header, *([notice] if notice else []), *AKIYA[town]]


@pytest.mark.parametrize("town", ["uozu", "kasou"])
def test_route_text_prints_the_json_notice_exactly_once(capsys: pytest.CaptureFixture[str], town: str) -> None:
    data = ["--data", str(KASOU_DIR)] if town == "kasou" else []
    args = ["route", "--need", "ひきこもりの息子", "--need", "親の介護", "--as-of", "2021-04-01", *data]
    code, out, _ = run(capsys, *args, "--json")
    notice = json.loads(out)["notice"]
    assert code == 0
    assert notice.startswith("基準日(2021-04-01)は計画期間(")
    code, out, _ = run(capsys, *args)
    assert code == 0
    assert [line for line in out.splitlines() if "計画期間" in line] == [f"注意: {route.with_era(notice)}"]
    assert out.splitlines()[1] == f"注意: {route.with_era(notice)}"  # the JSON's notice, with 令和 years beside


def test_hermit_finds_an_inconsistent_plan(uozu: PlanSource) -> None:
    """A programme both direct and commissioned (the plan itself is consistent: see the check test above)."""
    broken = uozu.merged()
    broken.add((URIRef(UOZU + "prog-outreach"), JY.implementationMode, JY["mode-commissioned"]))
    assert consistency.check(broken).consistent is False


def test_validation_keeps_shapes_out_of_the_data_and_ignores_shapes_in_uploads(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(resources.municipality_dir(), tmp_path / "plan")
    (tmp_path / "plan" / "evil-shape.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n@prefix jy: <https://w3id.org/jyuso-kb/ontology#> .\n"
        "<urn:evil> a sh:NodeShape ; sh:targetClass jy:ImplementingProgram ;\n"
        "    sh:property [ sh:path jy:nothing ; sh:minCount 1 ] .\n",
        "utf-8",
    )
    # Keep hold of the plan the command loads (and a copy of it as loaded), to look at it after validation.
    loaded: list[tuple[PlanSource, Graph, Graph]] = []
    real_load = cli_validate.load_with_locations

    def load_and_keep(paths: list[str]) -> tuple[PlanSource, list[object]]:
        plan, indexes = real_load(paths)
        loaded.append((plan, plan.data + Graph(), plan.vocabulary + Graph()))
        return plan, indexes

    monkeypatch.setattr(cli_validate, "load_with_locations", load_and_keep)
    assert run(capsys, "validate", str(tmp_path / "plan"))[0] == 0  # the upload's shape was not applied
    [(plan, data, vocabulary)] = loaded
    assert (URIRef("urn:evil"), RDF.type, SH.NodeShape) in plan.data  # the upload's shape is data, as written
    assert isomorphic(plan.data, data)  # validation wrote nothing into the data (no project shape, no report)
    assert isomorphic(plan.vocabulary, vocabulary)
    shapes = shacl.shapes_graph()
    assert (URIRef("urn:evil"), None, None) not in shapes  # nor anything of the upload into the project's shapes
    assert (None, SH.path, URIRef("https://w3id.org/jyuso-kb/ontology#nothing")) not in shapes


def test_console_script_exit_codes_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("this is not turtle", "utf-8")
    exe = Path(sys.executable).with_name("jyuso-kb")
    done = subprocess.run([str(exe), "validate", str(bad)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    done = subprocess.run([str(exe), "nonsense"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2


def test_validate_a_workbook_names_sheet_row_and_column(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from .conftest import csv_workbook_without_outreach_department

    folder = csv_workbook_without_outreach_department(tmp_path / "plan-csv")
    capsys.readouterr()
    code, out, _ = run(capsys, "validate", str(folder))
    assert code == 1
    assert "[違反] 実施事業「アウトリーチ等を通じた継続的支援事業」" in out
    assert "  場所: シート programs、行 7、列 所管課" in out
