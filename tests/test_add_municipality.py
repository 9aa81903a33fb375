"""The README's walk-through 「自分の市町村を加える / Add your municipality」, followed step by step.

Every line of the section's ```sh blocks is run in order, in a temporary folder: ``jyuso-kb …`` through
``cli.main``, ``jyuso-kb serve`` as an in-process app with the same settings, each ``curl`` as the same request to it,
``export`` and ``printf '%s' … | sha256sum`` as the shell would. A line's ``# → N [code]`` is its expected exit code or
HTTP status (and error code). The ```text blocks are what the commands print or log, the ```json block is the tokens
file. Step 2 (policy staff filling in the sheets) is done here by filling the blank workbook with 架空町's rows, renamed
to 春日井市. Editing the README without this test, or this test without the README, fails.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import re
import shlex
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from httpx import Response
from rdflib import RDF

from jyuso_kb import cli
from jyuso_kb.formats import workbook as workbook_format
from jyuso_kb.namespaces import JY
from jyuso_kb.plan.source import PlanSource
from jyuso_kb.serve.app import create_app
from jyuso_kb.serve.settings import Settings

from .conftest import KASOU_DIR
from .test_municipalities import filled_template
from .workbook_support import title_of, worksheet

ROOT = Path(__file__).resolve().parents[1]
HEADING = "## 自分の市町村を加える / Add your municipality"
STEPS = ("ひな形を書き出す", "計画を書き込む", "検証する", "魚津市と並べて動かす", "確かめる", "改定を公開する")
CODE, NAME, UOZU = "232068", "春日井市", "162043"
SERVER = "http://127.0.0.1:8000"
RENAMES = (  # 架空町's rows, as the policy staff of 春日井市 would fill them in
    ("kasou:town", "city:city"),
    ("kasou:plan", "city:plan"),
    ("kasou:", "city:"),
    ("架空町", NAME),
    ("Kasou Town", "Kasugai City"),
    ("架空県", "愛知県"),
    ("Kasou Prefecture", "Aichi Prefecture"),
)


@dataclass
class Step:
    title: str
    blocks: list[tuple[str, str]]  # (language, text) of each fenced block, in order
    text: str

    def of(self, language: str) -> list[str]:
        return [body for lang, body in self.blocks if lang == language]


def section_steps() -> list[Step]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(rf"^{re.escape(HEADING)}\n(.*?)(?=^## |\Z)", readme, re.M | re.S)
    assert found is not None, f"README has no section {HEADING!r}"
    parts = re.split(r"^### (\d+)\. (.+)\n", found.group(1), flags=re.M)[1:]
    steps = []
    for number, title, body in zip(parts[::3], parts[1::3], parts[2::3], strict=True):
        assert int(number) == len(steps) + 1, title
        blocks = re.findall(r"^```(\w*)\n(.*?)^```$", body, re.M | re.S)
        steps.append(Step(title.strip(), blocks, body))
    return steps


@dataclass
class Ran:
    line: str
    argv: list[str]
    code: int  # exit code, or HTTP status
    stdout: str = ""
    stderr: str = ""
    response: Response | None = None

    def json(self) -> Any:
        assert self.response is not None, self.line
        return self.response.json()


@dataclass
class Shell:
    """Runs the README's lines the way a shell in the walk-through's folder would, against an in-process server."""

    monkeypatch: pytest.MonkeyPatch
    caplog: pytest.LogCaptureFixture
    env: dict[str, str] = field(default_factory=dict)
    digests: list[str] = field(default_factory=list)
    client: TestClient | None = None
    log: list[str] = field(default_factory=list)
    stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    def block(self, text: str) -> list[Ran]:
        return [self.line(line) for line in text.splitlines() if line.strip()]

    def line(self, line: str) -> Ran:
        argv = [self._expand(word) for word in shlex.split(line, comments=True)]
        expected = re.search(r"#\s*→\s*(\d+)(?:\s+([a-z_]+))?", line)
        if argv[0] == "export":
            for assignment in argv[1:]:
                name, _, value = assignment.partition("=")
                self.env[name] = value
                self.monkeypatch.setenv(name, value)
            ran = Ran(line, argv, 0)
        elif argv[0] == "printf":
            assert argv[:2] == ["printf", "%s"] and argv[3:] == ["|", "sha256sum"], line
            self.digests.append(hashlib.sha256(argv[2].encode()).hexdigest())
            ran = Ran(line, argv, 0, stdout=f"{self.digests[-1]}  -\n")
        elif argv[0] == "jyuso-kb" and argv[1] == "serve":
            ran = self._serve(line, argv)
        elif argv[0] == "jyuso-kb":
            ran = self._command(line, argv)
        elif argv[0] == "curl":
            ran = self._curl(line, argv)
        else:
            raise AssertionError(f"the walk-through has a line the test cannot follow: {line}")
        if expected is not None:
            assert ran.code == int(expected.group(1)), (
                line,
                ran.stdout,
                ran.stderr,
                ran.response and ran.response.text,
            )
            if expected.group(2):
                assert ran.json()["error"]["code"] == expected.group(2), line
        return ran

    def _expand(self, word: str) -> str:
        return re.sub(r"\$\{?(\w+)\}?", lambda m: self.env[m.group(1)], word)

    def _command(self, line: str, argv: list[str]) -> Ran:
        target = None
        if ">" in argv:
            at = argv.index(">")
            argv, target = argv[:at], argv[at + 1]
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(argv[1:])
        if target is not None:
            Path(target).write_text(out.getvalue(), encoding="utf-8")
        return Ran(line, argv, code, out.getvalue(), err.getvalue())

    def _serve(self, line: str, argv: list[str]) -> Ran:
        """What ``cmd_serve`` does before uvicorn: its options become the environment the app reads."""
        args = cli.build_parser().parse_args(argv[1:])
        if args.data:
            self.monkeypatch.setenv("JYUSO_KB_DATA", ":".join(args.data))
        if args.default_municipality:
            self.monkeypatch.setenv("JYUSO_KB_DEFAULT_MUNICIPALITY", args.default_municipality)
        self.stack.close()
        self.caplog.clear()
        self.caplog.set_level(logging.INFO, logger="jyuso_kb")
        # an upload time limit no loaded machine reaches: this checks what the README's commands answer, not how fast
        # two busy cores validate a plan (CI refused a publish as too_slow)
        app = create_app(replace(Settings.from_env(), sparql_workers=1, upload_timeout=120))
        self.client = self.stack.enter_context(TestClient(app))
        self.log = [r.getMessage() for r in self.caplog.records if r.name == "jyuso_kb"]
        return Ran(line, argv, 0)

    def _curl(self, line: str, argv: list[str]) -> Ran:
        assert self.client is not None, f"no server runs for {line}"
        method, headers, body, url = "GET", {}, b"", ""
        words = iter(argv[1:])
        for word in words:
            if word == "-X":
                method = next(words)
            elif word == "-H":
                name, _, value = next(words).partition(":")
                headers[name.strip()] = value.strip()
            elif word in ("-d", "--data-binary"):
                data = next(words)
                body = Path(data[1:]).read_bytes() if data.startswith("@") else data.encode()
                method = "POST" if method == "GET" else method
            else:
                assert word.startswith(SERVER + "/") and not url, line
                url = word[len(SERVER) :]
        response = self.client.request(method, url, headers=headers, content=body or None)
        return Ran(line, argv, response.status_code, response=response)


def _own(plan: PlanSource, cls: Any) -> set[str]:
    return {str(s).rsplit("/", 1)[-1] for s in plan.data.subjects(RDF.type, cls)}


def _cell(path: Path, sheet: str, row: int, header: str, value: object = None) -> object:
    """Writes ``value`` in the cell of that sheet, row and column header, as staff would in Excel; the old value."""
    book = openpyxl.load_workbook(path)
    column = next(c.column for c in worksheet(book, sheet)[1] if c.value == header)
    cell = worksheet(book, sheet).cell(row=row, column=column)
    old, cell.value = cell.value, value
    book.save(path)
    return old


def test_the_section_has_its_steps_with_commands() -> None:
    steps = section_steps()
    assert tuple(s.title for s in steps) == STEPS
    assert [len(s.of("sh")) for s in steps] == [1, 0, 1, 1, 1, 3]


def test_adding_a_municipality_as_the_readme_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, kasou: PlanSource
) -> None:
    template, filling, validation, serving, checking, publishing = section_steps()
    monkeypatch.chdir(tmp_path)
    for name in ("JYUSO_KB_DATA", "JYUSO_KB_DEFAULT_MUNICIPALITY", "JYUSO_KB_STORE", "JYUSO_KB_TOKENS_FILE"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "uozu").symlink_to(ROOT / "data" / "uozu")  # the README runs in the repository's folder
    shell = Shell(monkeypatch, caplog)
    workbook = Path("kasugai.xlsx")
    try:
        # 1. the blank workbook: the guide first, the template's sheets and headers, the municipality filled in
        [made] = shell.block(template.of("sh")[0])
        assert made.argv[made.argv.index("--out") + 1] == str(workbook)
        blank = openpyxl.load_workbook(workbook)
        expected = workbook_format.template_tables(CODE, NAME)
        assert blank.sheetnames == [t.title or t.name for t in expected.tables]  # Japanese sheet names
        assert blank.sheetnames[0] == "説明"
        for table in expected.tables:
            assert [c.value for c in worksheet(blank, table.name)[1]] == table.header, table.name
        municipality = {c.value: v.value for c, v in zip(blank["市町村"][1], blank["市町村"][2], strict=True)}
        assert (municipality["全国地方公共団体コード"], municipality["名称"]) == (CODE, NAME)
        assert blank["実施事業"].max_row == 1  # no programme yet

        # 2. policy staff fill in the sheets (here: 架空町's rows, renamed to 春日井市)
        assert filling.of("sh") == []
        named = re.findall(r"「([^」]+)」\(`([a-z_]+)`\)", filling.text)
        assert len(named) == 16
        for title, name in named:
            assert title in blank.sheetnames and title_of(name) == title, (title, name)
        filled_template(kasou, workbook, code=CODE, name=NAME, renames=RENAMES, write=workbook_format.write_xlsx)

        # 3. validate: a cell left empty → exit 1 naming sheet, row and column; filled again → 0; then the checks
        [example] = validation.of("text")
        place = re.search(r"場所: シート (\S+)、行 (\d+)、列 (\S+)", example)
        assert place is not None
        old = _cell(workbook, place.group(1), int(place.group(2)), place.group(3))
        assert old  # the example names a cell that was filled in
        validate, check = validation.of("sh")[0].strip().splitlines()
        broken = shell.line(validate)
        assert broken.code == 1
        assert [line for line in example.splitlines() if line not in broken.stdout.splitlines()] == []
        _cell(workbook, place.group(1), int(place.group(2)), place.group(3), old)
        fixed = shell.line(validate)
        assert fixed.code == 0, fixed.stdout
        assert fixed.stdout.startswith("適合: 計画はすべての要件を満たしています。")
        assert "総合: 適合" in shell.line(check).stdout

        # 4. served beside 魚津市: the start log says what each municipality serves and why
        shell.block(serving.of("sh")[0])
        [log] = serving.of("text")
        assert [line for line in log.splitlines() if line not in shell.log] == []

        # 5. the list, 春日井市's programmes and a route answered from 春日井市's plan alone
        listing, programs, route, cli_route = shell.block(checking.of("sh")[0])
        body = listing.json()
        assert [(m["code"], m["name"], m["prefecture"], m["default"]) for m in body["municipalities"]] == [
            (UOZU, "魚津市", "富山県", True),
            (CODE, NAME, "愛知県", False),
        ]
        kasugai = body["municipalities"][1]
        assert kasugai["plan"] == "春日井市重層的支援体制整備事業実施計画（令和7年度～令和9年度）"
        assert kasugai["period"]["label"] == "令和7年度から令和9年度までの3年間"
        assert kasugai["revision"] == programs.response.headers["x-plan-revision"]
        own = {cls: _own(kasou, cls) for cls in (JY.ImplementingProgram, JY.Department, JY.Meeting)}
        listed = programs.json()["programs"]
        assert {p["id"] for p in listed} == own[JY.ImplementingProgram]
        assert all(p["iri"].startswith(f"https://w3id.org/jyuso-kb/data/{CODE}/") for p in listed)
        answer = route.json()
        assert route.response.headers["x-municipality-code"] == CODE
        fictional = shell.line(f"jyuso-kb route --need ひきこもり --data {KASOU_DIR} --json")
        assert [p["id"] for p in answer["programs"]] == [p["id"] for p in json.loads(fictional.stdout)["programs"]]
        assert answer["programs"] and {p["id"] for p in answer["programs"]} <= own[JY.ImplementingProgram]
        assert answer["departments"] and {d["id"] for d in answer["departments"]} <= own[JY.Department]
        # the fictional plan names ひきこもり for its outreach, not for チーム支援調整事業, so no case meeting follows;
        # a household spanning two fields reaches it, and the meetings are 春日井市's own
        assert {m["id"] for m in answer["meetings"]} <= own[JY.Meeting]
        for program in answer["programs"]:
            assert f"・{program['label']}(" in cli_route.stdout
        assert "魚津市" not in cli_route.stdout
        household = shell.line(
            "jyuso-kb route --need 親の介護 --need ひきこもり --data data/uozu --data kasugai.xlsx --municipality 232068"
        )
        assert "魚津市" not in household.stdout and "春日井市支援会議" in household.stdout
        assert "チーム支援会議" in household.stdout

        # 6. revisions per municipality: tokens limited to one municipality each, its store, the refusals
        setup, serve, publish = publishing.of("sh")
        shell.block(setup)
        [tokens] = publishing.of("json")
        assert sorted(e["sha256"] for e in json.loads(tokens)["tokens"]) == sorted(shell.digests)
        Path(shell.env["JYUSO_KB_TOKENS_FILE"]).write_text(tokens, encoding="utf-8")
        shell.block(serve)
        [log] = publishing.of("text")
        assert [line for line in log.splitlines() if line not in shell.log] == []
        published, history, _, other, forbidden = shell.block(publish)
        revision = published.json()["active"]
        assert history.json()["active"] == revision
        assert [r["id"] for r in history.json()["revisions"]] == [revision]
        assert other.json()["error"]["message"] == (
            "送られた計画は魚津市(全国地方公共団体コード 162043)の計画で、春日井市(232068)の計画ではありません。"
        )
        assert forbidden.json()["error"]["message"] == "このトークンでは春日井市の計画を公開・切り替えできません。"
        assert shell.client is not None
        assert shell.client.get(f"/v1/municipalities/{UOZU}/revisions").json()["revisions"] == []
        # started again, the stored revision takes precedence over --data, and the log says so
        restarted = re.search(r"`(232068 春日井市: serves the stored revision <id>,.*?)`", publishing.text, re.S)
        assert restarted is not None
        shell.block(serve)
        assert restarted.group(1).replace("\n", " ").replace("<id>", revision) in shell.log
    finally:
        shell.stack.close()
