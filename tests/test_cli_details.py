"""The command line's details a user notices (issue 16, points 6 and 10): exit codes, argparse in Japanese, tokens
made by `jyuso-kb token new`, 令和 years beside Western ones, each need once, a syntax error by file and line, and
the SPARQL endpoint's syntax error by line and column."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient

from jyuso_kb import cli
from jyuso_kb.cli.route import era_year, with_era
from jyuso_kb.serve.h11_errors import BAD_REQUEST, JsonErrorH11Protocol
from jyuso_kb.serve.sparql_query import check_query
from jyuso_kb.store.tokens import Principal, Tokens

from .api_support import free_port
from .conftest import KASOU_DIR

EMPTY_HINT = "  ヒント: Turtle(.ttl)・JSON-LD(.jsonld)・ワークブック(.xlsx)の計画のファイルを指定してください。\n"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as stop:  # argparse exits itself
        code = int(stop.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


# ---- validate on nothing: exit 2, not 11 violations --------------------------------------------------------------


def test_validate_on_an_empty_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    empty = tmp_path / "plan.ttl"
    empty.write_text("", encoding="utf-8")
    code, out, err = run(capsys, "validate", str(empty))
    assert (code, out) == (2, "")
    assert err == (
        "エラー: 計画のデータがありません(ファイルが空か、フォルダに計画のファイルがありません)。\n"
        f"  場所: {empty}\n" + EMPTY_HINT
    )


def test_validate_on_an_empty_folder_or_one_of_comments_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "plan"
    folder.mkdir()
    (folder / "notes.txt").write_text("計画はまだです", encoding="utf-8")  # not a plan file: not read
    code, out, err = run(capsys, "validate", str(folder))
    assert (code, out) == (2, "")
    assert err.startswith("エラー: 計画のデータがありません(")
    (folder / "plan.ttl").write_text("# まだ書いていない\n@prefix jy: <https://w3id.org/jyuso-kb/ontology#> .\n")
    code, _, err = run(capsys, "validate", str(folder), "--json")
    assert code == 2 and f"  場所: {folder}\n" in err
    code, _, err = run(capsys, "route", "--need", "ひきこもり", "--data", str(folder))
    assert code == 2 and err.startswith("エラー: 計画のデータがありません(")


def test_validate_of_a_plan_still_exits_0_or_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(capsys, "validate", str(KASOU_DIR))[0] == 0
    broken = tmp_path / "plan.ttl"
    broken.write_text(
        "@prefix jy: <https://w3id.org/jyuso-kb/ontology#> .\n<urn:x:plan> a jy:Plan .\n", encoding="utf-8"
    )
    assert run(capsys, "validate", str(broken))[0] == 1


# ---- argparse in Japanese, exit code 2 ---------------------------------------------------------------------------

ARGPARSE_CASES = [
    (
        [],
        "使い方: jyuso-kb [-h] [--version] コマンド ...\n"
        "jyuso-kb: エラー: 次の引数を指定してください: コマンド\n"
        "  ヒント: jyuso-kb -h で使い方を表示します。\n",
    ),
    (
        ["routes"],
        None,  # the command list in the usage; the message below
    ),
    (
        ["validate", "--municipality"],
        "使い方: jyuso-kb validate [-h] [--json] [--municipality CODE] [paths ...]\n"
        "jyuso-kb validate: エラー: --municipality の指定が正しくありません: 値を1つ指定してください\n"
        "  ヒント: jyuso-kb validate -h で使い方を表示します。\n",
    ),
    (
        ["token", "new", "--role", "admin"],
        "使い方: jyuso-kb token new [-h] --role {policy,staff} [--name NAME]\n"
        "                        [--municipality CODE] [--json]\n"
        "jyuso-kb token new: エラー: --role の指定が正しくありません: 「admin」 は選べません"
        "(選べる値: 「policy」、「staff」)\n"
        "  ヒント: jyuso-kb token new -h で使い方を表示します。\n",
    ),
    (
        ["token", "new"],
        "使い方: jyuso-kb token new [-h] --role {policy,staff} [--name NAME]\n"
        "                        [--municipality CODE] [--json]\n"
        "jyuso-kb token new: エラー: 次の引数を指定してください: --role\n"
        "  ヒント: jyuso-kb token new -h で使い方を表示します。\n",
    ),
]


@pytest.mark.parametrize(
    ("argv", "expected"), ARGPARSE_CASES, ids=["no-command", "bad-command", "no-value", "choice", "required"]
)
def test_argparse_errors_are_japanese_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str | None
) -> None:
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    if expected is None:
        assert err.startswith("使い方: jyuso-kb [-h] [--version] コマンド ...\n")
        assert err.endswith(
            "jyuso-kb: エラー: コマンド の指定が正しくありません: 「routes」 は選べません(選べる値: 「validate」、"
            "「export」、「programs」、「route」、「who-handles」、「diff」、「serve」、「sparql-server」、「workbook」、「render」、"
            "「check」、「token」)\n  ヒント: jyuso-kb -h で使い方を表示します。\n"
        )
    else:
        assert err == expected


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["route", "--consent", "maybe"],
            "--consent の指定が正しくありません: 「maybe」 は選べません(選べる値: 「yes」、「no」)",
        ),
        (["route", "--need", "ひきこもり", "--bogus"], "認識できない引数があります: --bogus"),
        (["serve", "--port", "八千"], "--port の指定が正しくありません: 「八千」 は整数ではありません"),
        (["serve", "--workers", "0"], "--workers の指定が正しくありません: 1 以上にしてください: 0"),
        (["diff", "old.ttl"], "次の引数を指定してください: new"),
    ],
)
def test_argparse_messages_name_the_argument_in_japanese(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    [said] = [line for line in err.splitlines() if ": エラー: " in line]
    assert said.split(": エラー: ", 1)[1] == message
    assert err.startswith("使い方: jyuso-kb")
    assert not any(word in err for word in ("usage", "error", "argument", "invalid", "expected", "required"))


def test_help_is_japanese(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "route", "-h")
    assert code == 0
    assert out.startswith("使い方: jyuso-kb route [-h]")
    assert "\nオプション:\n  -h, --help            このヘルプを表示して終了する\n" in out
    code, out, _ = run(capsys, "-h")
    assert code == 0
    assert "\nコマンド:\n  コマンド\n    validate " in out
    assert [line.split() for line in out.splitlines() if "--version" in line][1] == [
        "--version",
        "バージョンを表示して終了する",
    ]
    for english in ("usage:", "options:", "positional arguments", "show this help", "show program's"):
        assert english not in out


# ---- token new ---------------------------------------------------------------------------------------------------


def test_token_new_prints_a_token_and_the_line_the_service_accepts(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(
        capsys, "token", "new", "--role", "policy", "--name", "春日井市 政策担当", "--municipality", "232068"
    )
    assert (code, err) == (0, "")
    heading, token, where, line = out.splitlines()
    assert heading == "新しいトークン(使う人にだけ渡してください。ここで一度表示するだけで、どこにも保存されません):"
    assert where == 'トークンのファイル(JYUSO_KB_TOKENS_FILE)の "tokens" の一覧に加える行:'
    assert len(token) == 43 and token.isascii()
    entry = json.loads(line)
    assert list(entry) == ["name", "role", "sha256", "municipalities"]
    assert (entry["name"], entry["role"], entry["municipalities"]) == ("春日井市 政策担当", "policy", ["232068"])
    assert token not in line
    code, out, _ = run(capsys, "token", "new", "--role", "staff")
    staff_token, staff_line = out.splitlines()[1], out.splitlines()[3]
    assert json.loads(staff_line)["name"] == "窓口" and "municipalities" not in json.loads(staff_line)
    tokens_file = tmp_path / "tokens.json"
    tokens_file.write_text('{"tokens": [\n  ' + line + ",\n  " + staff_line + "\n]}\n", encoding="utf-8")
    tokens = Tokens.load(tokens_file)
    assert tokens.identify(f"Bearer {token}") == Principal("春日井市 政策担当", "policy", ("232068",))
    assert tokens.identify(f"Bearer {staff_token}") == Principal("窓口", "staff", ())
    assert tokens.identify(f"Bearer {token}x") is None
    assert tokens.identify(f"Bearer {staff_token}") != tokens.identify(f"Bearer {token}")


def test_token_new_makes_a_new_token_each_time_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "token", "new", "--role", "policy", "--json")
    first = json.loads(out)
    _, out, _ = run(capsys, "token", "new", "--role", "policy", "--json")
    second = json.loads(out)
    assert first["token"] != second["token"] and first["entry"]["sha256"] != second["entry"]["sha256"]
    assert first["entry"]["name"] == "政策担当"
    assert Tokens.load(None).identify(f"Bearer {first['token']}") is None


def test_token_new_refuses_a_bad_code_or_name(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "token", "new", "--role", "policy", "--municipality", "232069")
    assert (code, out) == (2, "")
    assert err.startswith("エラー: 全国地方公共団体コードの検査数字(6 桁目)が合いません。\n  場所: --municipality\n")
    code, out, err = run(capsys, "token", "new", "--role", "policy", "--name", "山田\n田中")
    assert (code, out) == (2, "")
    assert err.startswith("エラー: 名前は改行や制御文字を含まない 80 文字以内で書いてください。\n  場所: --name\n")


# ---- route's text: 令和 years, each need once, no empty lines ----------------------------------------------------


def test_era_years() -> None:
    assert [era_year(y) for y in (2018, 2019, 2020, 2026)] == ["平成30", "令和元", "令和2", "令和8"]
    assert with_era("2026年度") == "2026年度(令和8年度)"
    assert with_era("計画期間(2024〜2026年度)の外") == "計画期間(2024〜2026年度、令和6〜8年度)の外"
    assert with_era("2017〜2019年度") == "2017〜2019年度(平成29〜令和元年度)"


@pytest.mark.parametrize(
    ("data", "header", "notice"),
    [
        (
            [],
            "基準日: 2023-06-01  年度: 2023年度(令和5年度)  本人同意: 同意不明",
            "注意: 基準日(2023-06-01)は計画期間(2024〜2026年度、令和6〜8年度)の外です。"
            "2024年度(令和6年度)の予定で判断しました。",
        ),
        (
            ["--data", str(KASOU_DIR)],
            "基準日: 2023-06-01  年度: 2023年度(令和5年度)  本人同意: 同意不明",
            "注意: 基準日(2023-06-01)は計画期間(2025〜2027年度、令和7〜9年度)の外です。"
            "2025年度(令和7年度)の予定で判断しました。",
        ),
    ],
    ids=["uozu", "kasou"],
)
def test_route_text_gives_reiwa_years_beside_western_ones(
    capsys: pytest.CaptureFixture[str], data: list[str], header: str, notice: str
) -> None:
    code, out, _ = run(capsys, "route", "--need", "空き家", "--as-of", "2023-06-01", *data)
    assert code == 0
    assert out.splitlines()[:3] == [header, notice, "ニーズ: 空き家"]


@pytest.mark.parametrize("data", [[], ["--data", str(KASOU_DIR)]], ids=["uozu", "kasou"])
def test_route_text_prints_each_need_once(capsys: pytest.CaptureFixture[str], data: list[str]) -> None:
    args = ["route", "--need", "ひきこもり", "--need", "ひきこもりの息子", "--need", "ひきこもり", "--need", "親の介護"]
    code, out, _ = run(capsys, *args, *data, "--as-of", "2025-10-01")
    assert code == 0
    assert out.splitlines()[1] == "ニーズ: ひきこもりの息子 → ひきこもり、親の介護"
    code, out, _ = run(
        capsys, "route", "--member", "82:親の介護", "--member", "50:親の介護", *data, "--as-of", "2025-10-01"
    )
    assert code == 0
    assert out.splitlines()[1] == "ニーズ: 親の介護"
    items = [line for line in out.splitlines() if line.startswith("・")]
    assert items
    for item in items:  # a programme whose role is its own name is named once: 「・X  [根拠]」, not 「・X(X)」
        name = item[1:].split("(")[0].split("  ")[0]
        assert f"({name})" not in item, item


@pytest.mark.parametrize("data", [[], ["--data", str(KASOU_DIR)]], ids=["uozu", "kasou"])
def test_route_text_has_no_empty_needs_line(capsys: pytest.CaptureFixture[str], data: list[str]) -> None:
    code, out, _ = run(capsys, "route", "--need", "xyzzy", *data, "--as-of", "2025-10-01")
    assert code == 0
    lines = out.splitlines()
    assert lines[1] == "認識できなかった入力: xyzzy"
    assert not [line for line in lines if line.startswith("ニーズ")]
    assert "■ 事業" in lines


# ---- a syntax error names the file and line, in Japanese ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "message", "place"),
    [
        (
            "plan.ttl",
            "@prefix jy: <https://w3id.org/jyuso-kb/ontology#> .\njy:a jy:b \n",
            "エラー: Turtle の構文エラー(行 2): 目的語がありません。",
            "行 2、列 11",
        ),
        (
            "plan.ttl",
            '@prefix jy: <https://w3id.org/jyuso-kb/ontology#> .\n\njy:a jy:b "x" \njy:c jy:d jy:e .\n',
            "エラー: Turtle の構文エラー(行 4): 文の終わりに「.」がありません。",
            "行 4、列 1",
        ),
        (
            "plan.jsonld",
            '{"@context": {},\n  "@id": }',
            "エラー: JSON の構文エラー(行 2): 値がありません。",
            "行 2、列 10",
        ),
    ],
    ids=["end-of-file", "missing-dot", "json"],
)
def test_a_syntax_error_names_the_file_and_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, text: str, message: str, place: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    for argv in (["validate", str(path)], ["route", "--need", "ひきこもり", "--data", str(path)]):
        code, out, err = run(capsys, *argv)
        assert (code, out) == (2, "")
        lines = err.splitlines()
        assert lines[:2] == [message, f"  場所: ファイル {path}、{place}"]
        assert "body" not in err and "Traceback" not in err


# ---- the SPARQL endpoint's syntax error: line and column in the message, `where` unchanged ------------------------


def test_sparql_syntax_error_gives_line_and_column(api: TestClient) -> None:
    query = (
        "PREFIX jy: <https://w3id.org/jyuso-kb/ontology#>\nSELECT ?p WHERE {\n  ?p a jy:ImplementingProgram\n  ?p }\n"
    )
    for response in (
        api.post("/v1/sparql", content=query, headers={"content-type": "application/sparql-query"}),
        api.get("/v1/sparql", params={"query": query}),
    ):
        assert response.status_code == 400
        assert response.json() == {
            "error": {
                "code": "sparql_syntax",
                "message": "SPARQL の構文エラーです(行 4、列 3)。",  # the second ?p
                "where": "query",
                "hint": "SELECT / ASK / CONSTRUCT / DESCRIBE の構文を確認してください。",
            }
        }


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("SELEC * WHERE { ?s ?p ?o }", "SPARQL の構文エラーです(行 1、列 1)。"),
        ('SELECT * WHERE {\n  ?s ?p "ひきこもり" .\n  ?s ?p }', "SPARQL の構文エラーです(行 3、列 3)。"),
        ("ASK {\n  ?s ?p ?o .\n  FILTER(?o = ) }", "SPARQL の構文エラーです(行 3、列 3)。"),
    ],
)
def test_sparql_syntax_positions(query: str, message: str) -> None:
    parsed, refusal = check_query(query)
    assert parsed is None and refusal is not None
    assert refusal[:2] == ("sparql_syntax", message)


# ---- raw UTF-8 in a URL: the JSON error shape, from below the app ------------------------------------------------


async def _app(scope: dict[str, object], receive: object, send: object) -> None:  # never reached
    raise AssertionError("h11 refuses the request before the app")


@pytest.fixture
def h11_server() -> Iterator[int]:
    port = free_port()
    config = uvicorn.Config(_app, host="127.0.0.1", port=port, http=JsonErrorH11Protocol, log_level="critical")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield port
    server.should_exit = True
    thread.join(10)


def test_raw_utf8_in_a_url_gets_the_json_error(h11_server: int) -> None:
    with socket.create_connection(("127.0.0.1", h11_server), timeout=10) as conn:
        conn.sendall("GET /v1/who-handles?q=空き家 HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "HTTP/1.1 400 Bad Request"
    assert "content-type: application/json" in lines and "x-content-type-options: nosniff" in lines
    assert json.loads(body) == BAD_REQUEST
    assert BAD_REQUEST["error"]["message"] == (
        "HTTP の要求として読めません(URL に使えない文字があるか、要求行とヘッダーが長すぎます)。"
    )


@pytest.mark.parametrize("data", [[], ["--data", str(KASOU_DIR)]], ids=["uozu", "kasou"])
def test_check_text_is_plain_japanese(capsys: pytest.CaptureFixture[str], data: list[str]) -> None:
    """`jyuso-kb check` says what it checked in Japanese: no SHACL/OWL headings, no OK/NG, no check ids."""
    from .test_plain_words import jargon

    code, out, _ = run(capsys, "check", *data)
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == "要件の検証: 適合(違反 0件、指摘 0件)"
    assert lines[1] == "論理の一貫性: 矛盾はありません(推論器 HermiT で確かめました)。"
    checks = [line for line in lines if line.startswith("品質チェック ")]
    assert len(checks) == 14 and all(line.startswith(("品質チェック 合格: ", "品質チェック 注意: ")) for line in checks)
    assert lines[-1] == "総合: 適合"
    assert jargon(out) == [] and "OK" not in out and "NG" not in out and "program-without-need" not in out


def test_a_reader_that_stops_early_gets_no_traceback() -> None:
    """`jyuso-kb export … | head -1`: when the reader has gone, the command ends quietly with 0 (the pipe is closed here
    before the command writes anything, so its first write meets the closed pipe)."""
    import subprocess
    import sys

    script = "import sys; from jyuso_kb import cli; sys.exit(cli.main(['export', '--format', 'ttl']))"
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    process.stdout.close()  # the reader is gone
    _, error = process.communicate(timeout=60)
    assert (process.returncode, error.decode()) == (0, "")
