"""An upload's error never repeats what was uploaded: it names where the mistake is instead (line and column of
Turtle and JSON-LD, sheet, row and column of a workbook, the position of a sheet or a CSV file whose name is not
the workbook's).

Every input below holds a marker that appears in no message, hint or location of the service; the whole JSON
answer is searched for it.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook

from jyuso_kb import cli

from .api_support import RealServer, assert_error
from .workbook_support import worksheet

MARKER = "ZZSECRET123"
TTL = {"content-type": "text/turtle"}
JSONLD = {"content-type": "application/ld+json"}
XLSX = {"content-type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
ZIP = {"content-type": "application/zip"}
PREFIX_JY = "@prefix jy: <https://w3id.org/jyuso-kb/ontology#> .\n"
TURTLE_HINT = "この行とその前の行の末尾の「.」「;」「,」や括弧の対応を確認してください。"
JSON_HINT = "括弧やカンマ、引用符の対応を確認してください。"


def _refused(api: TestClient, body: bytes, headers: dict[str, str]) -> dict[str, str]:
    response = api.post("/v1/validate", content=body, headers=headers)
    error = assert_error(response, 400)
    assert MARKER not in response.text, response.text
    assert MARKER.lower() not in response.text.lower()
    return error


# ---- Turtle and JSON-LD: line and column ------------------------------------------------------------------------

TURTLE_CASES = [
    (
        "unbound-prefix",
        PREFIX_JY + f"\n{MARKER}:a jy:b jy:c .\n",
        "Turtle の構文エラー(行 3): 定義されていない接頭辞が使われています。",
        "body:3:1",
    ),
    (
        "unbound-prefix-of-a-datatype",
        PREFIX_JY + f'jy:a jy:b jy:c ;\n  jy:d "1"^^{MARKER}:type .\n',
        "Turtle の構文エラー(行 3): 定義されていない接頭辞が使われています。",
        "body:3:13",
    ),
    (
        "bare-word-as-object",
        f"<urn:a> <urn:b> {MARKER} .\n",
        "Turtle の構文エラー(行 1): 目的語がありません。",
        "body:1:17",
    ),
    (
        "statement-not-ended",
        f"<urn:a> <urn:b> <urn:c>\n<urn:d> {MARKER} <urn:e> .\n",
        "Turtle の構文エラー(行 2): 文の終わりに「.」がありません。",
        "body:2:1",
    ),
    (
        "bad-escape-in-a-string",
        f'<urn:a> <urn:b> "{MARKER}\\q" .\n',
        "Turtle の構文エラー(行 1): 使えないエスケープ(\\ の後の文字)があります。",
        "body:1:29",
    ),
    (
        "newline-in-a-string",
        f'<urn:a> <urn:b> "{MARKER}\n" .\n',
        "Turtle の構文エラー(行 1): 文字列の途中で改行されています。",
        "body:1:29",
    ),
    (
        "n3-only-construct",
        f"<urn:{MARKER}> = <urn:b> .\n",
        "Turtle の構文エラー(行 1): Turtle では使えない書き方(N3)です。",
        "body:1:19",
    ),
]


@pytest.mark.parametrize(("name", "text", "message", "where"), TURTLE_CASES, ids=[c[0] for c in TURTLE_CASES])
def test_turtle_errors_name_line_and_column(api: TestClient, name: str, text: str, message: str, where: str) -> None:
    error = _refused(api, text.encode(), TTL)
    assert error == {"code": "syntax_error", "message": message, "where": where, "hint": TURTLE_HINT}


def test_a_turtle_error_rdflib_explains_with_the_input_is_answered_without_it(api: TestClient) -> None:
    """rdflib refuses a relative @base with a ValueError quoting the base; no line is known then."""
    error = _refused(api, f"@base <{MARKER}> .\n<a> <b> <c> .\n".encode(), TTL)
    assert error == {
        "code": "syntax_error",
        "message": "Turtle として解釈できません。",
        "where": "body",
        "hint": "文の終わりの「.」や IRI・リテラルの書き方を確認してください。",
    }


INVALID_IRI = {
    "code": "invalid_iri",
    "message": 'IRI に使えない文字(空白、改行などの制御文字、< > " { } | ^ ` \\)があります。',
    "hint": "IRI の中の空白は %20 と書くか取り除き、<> の対応を確認してください。",
}
INVALID_IRI_CASES = [
    ("space", PREFIX_JY + f"# <not {MARKER}>\njy:a jy:b <urn:{MARKER} x> .\n", "body:3:11"),
    ("escaped-line-feed", PREFIX_JY + f'jy:a jy:b "<{MARKER} x>", <urn:{MARKER}\\u000a> .\n', "body:2:30"),
    ("in-a-datatype", PREFIX_JY + f'jy:a jy:b\n  "1"^^<urn:{MARKER}|x> .\n', "body:3:8"),
]


@pytest.mark.parametrize(("name", "text", "where"), INVALID_IRI_CASES, ids=[c[0] for c in INVALID_IRI_CASES])
def test_an_iri_rdflib_accepts_but_cannot_write_is_refused_at_its_place(
    api: TestClient, name: str, text: str, where: str
) -> None:
    """rdflib reads ``<urn:a b>`` with a warning (quoting it) and fails when the graph is written back."""
    error = _refused(api, text.encode(), TTL)
    assert error == {**INVALID_IRI, "where": where}


def test_an_invalid_iri_in_json_ld_is_refused(api: TestClient) -> None:
    body = json.dumps({"@id": "urn:a", f"urn:{MARKER} x": "値"}).encode()
    assert _refused(api, body, JSONLD) == {**INVALID_IRI, "where": "body"}


JSON_CASES = [
    (
        "trailing-comma-after-a-key",
        f'{{\n  "{MARKER}": 1,\n}}',
        'JSON の構文エラー(行 3): 項目名は二重引用符 " で囲んでください。',
        "body:3:1",
    ),
    (
        "unquoted-key",
        f'{{"@id": "urn:a",\n {MARKER}: 1}}',
        'JSON の構文エラー(行 2): 項目名は二重引用符 " で囲んでください。',
        "body:2:2",
    ),
    (
        "bad-escape",
        f'{{"@id": "urn:a", "urn:b": "{MARKER}\\q"}}',
        "JSON の構文エラー(行 1): 使えないエスケープ(\\ の後の文字)があります。",
        "body:1:39",
    ),
    (
        "bare-word-as-value",
        f'{{"@id": "urn:a",\n  "urn:b": {MARKER}}}',
        "JSON の構文エラー(行 2): 値がありません。",
        "body:2:12",
    ),
    (
        "unterminated-string",
        f'{{"@id": "urn:a", "urn:b": "{MARKER}',
        "JSON の構文エラー(行 1): 文字列の引用符が閉じていません。",
        "body:1:27",
    ),
]


@pytest.mark.parametrize(("name", "text", "message", "where"), JSON_CASES, ids=[c[0] for c in JSON_CASES])
def test_json_ld_syntax_errors_name_line_and_column(
    api: TestClient, name: str, text: str, message: str, where: str
) -> None:
    error = _refused(api, text.encode(), JSONLD)
    assert error == {"code": "syntax_error", "message": message, "where": where, "hint": JSON_HINT}


def test_a_refused_remote_context_is_not_quoted(api: TestClient) -> None:
    body = json.dumps({"@context": f"https://{MARKER}.example/context.jsonld", "@id": "urn:a"}).encode()
    error = _refused(api, body, JSONLD)
    assert error == {
        "code": "remote_context_refused",
        "message": "外部の @context(URL やファイル)は読み込みません。",
        "where": "body",
        "hint": "@context はインラインで書くか、https://w3id.org/jyuso-kb/context.jsonld を指定してください。",
    }


# ---- workbooks: sheet, row and column ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedded plan as a workbook (31 sheets; programs: ID in A, 順序 in B, 所管課 in M, 19 columns, row 7 is
    アウトリーチ等を通じた継続的支援事業)."""
    xlsx = tmp_path_factory.mktemp("upload-errors") / "plan.xlsx"
    assert cli.main(["workbook", "export", "--format", "xlsx", "--out", str(xlsx)]) == 0
    return xlsx


def _edited(xlsx: Path, edit: Callable[[Workbook], None]) -> bytes:
    book = load_workbook(xlsx)
    edit(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _set(sheet: str, cell: str, value: str) -> Callable[[Workbook], None]:
    def edit(book: Workbook) -> None:
        worksheet(book, sheet)[cell] = value

    return edit


def _extra_object(value: str) -> Callable[[Workbook], None]:
    def edit(book: Workbook) -> None:
        book["その他の三つ組"].append(["uozu:prog-outreach", "jy:note", value])

    return edit


def _new_sheet(book: Workbook) -> None:
    book.create_sheet(MARKER)["A1"] = "ID"


def _new_sheet_with_formula(book: Workbook) -> None:
    book.create_sheet(MARKER)["A1"] = f'="{MARKER}"'


def _unknown_header_with_formula(book: Workbook) -> None:
    book["実施事業"]["T1"] = MARKER
    book["実施事業"]["T7"] = f'="{MARKER}"'


def _bad_prefix_row(book: Workbook) -> None:
    book["接頭辞"].append([f"{MARKER} x", "https://example.org/"])


WORKBOOK_CASES: list[tuple[str, Callable[[Workbook], None], str, str, str]] = [
    (
        "unknown-header",
        _set("programs", "T1", MARKER),
        "bad_cell",
        "この列の見出しはシート 実施事業 にありません。",
        "シート 実施事業、行 1、列 T",
    ),
    ("unknown-sheet", _new_sheet, "unknown_sheet", "計画ワークブックにないシートがあります。", "33 枚目のシート"),
    (
        "formula-in-an-unknown-sheet",
        _new_sheet_with_formula,
        "formula",
        "数式のセルは読み込めません。",
        "33 枚目のシート、行 1、列 A",
    ),
    (
        "formula-under-an-unknown-header",
        _unknown_header_with_formula,
        "formula",
        "数式のセルは読み込めません。",
        "シート 実施事業、行 7、列 T",
    ),
    (
        "unbound-prefix",
        _set("programs", "M7", f"{MARKER}:dept-x"),
        "bad_cell",
        "接頭辞が定義されていません。",
        "シート 実施事業、行 7、列 所管課",
    ),
    (
        "not-an-iri",
        _set("programs", "M7", f"<{MARKER}>"),
        "bad_cell",
        "IRI として読めません。",
        "シート 実施事業、行 7、列 所管課",
    ),
    (
        "bad-local-name",
        _set("programs", "M7", f"uozu:{MARKER} x"),
        "bad_cell",
        "「:」の後に使えない文字があります。",
        "シート 実施事業、行 7、列 所管課",
    ),
    (
        "not-an-integer",
        _set("programs", "B7", MARKER),
        "bad_cell",
        "整数ではありません。",
        "シート 実施事業、行 7、列 順序",
    ),
    (
        "not-a-date",
        _set("plan", "G2", MARKER),
        "bad_cell",
        "日付として読めません。",
        "シート 計画、行 2、列 計画期間の開始日",
    ),
    (
        "bad-namespace",
        _set("prefixes", "B2", MARKER),
        "bad_cell",
        "名前空間が IRI ではありません。",
        "シート 接頭辞、行 2、列 名前空間",
    ),
    (
        "bad-prefix",
        _bad_prefix_row,
        "bad_cell",
        "接頭辞の書き方が正しくありません。",
        "シート 接頭辞、行 10、列 接頭辞",
    ),
    (
        "unterminated-literal",
        _extra_object(f'"{MARKER}'),
        "bad_cell",
        "リテラルの書き方が正しくありません。",
        "シート その他の三つ組、行 2、列 目的語",
    ),
    (
        "bad-escape-in-a-literal",
        _extra_object(f'"{MARKER}\\q"'),
        "bad_cell",
        "使えないエスケープ(\\ の後の文字)があります。",
        "シート その他の三つ組、行 2、列 目的語",
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "edit", "code", "message", "where"), WORKBOOK_CASES, ids=[c[0] for c in WORKBOOK_CASES]
)
def test_workbook_errors_name_sheet_row_and_column(
    api: TestClient,
    exported: Path,
    name: str,
    edit: Callable[[Workbook], None],
    code: str,
    message: str,
    where: str,
) -> None:
    error = _refused(api, _edited(exported, edit), XLSX)
    assert (error["code"], error["message"], error["where"]) == (code, message, f"upload.xlsx: {where}")
    assert error["hint"]


@pytest.fixture(scope="module")
def csv_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("upload-errors-csv") / "plan"
    assert cli.main(["workbook", "export", "--format", "csv", "--out", str(folder)]) == 0
    return folder


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _with_header(data: bytes, header: str) -> bytes:
    first, rest = data.split(b"\n", 1)
    return first.rstrip(b"\r") + f",{header}".encode() + b"\r\n" + rest


@pytest.mark.slow
def test_a_zip_member_with_an_unknown_name_is_named_by_its_position(api: TestClient, csv_folder: Path) -> None:
    files = {f"plan/{p.name}": p.read_bytes() for p in sorted(csv_folder.glob("*.csv"))}
    files[f"plan/{MARKER}.csv"] = b"ID\r\nuozu:x\r\n"
    error = _refused(api, _zip(files), ZIP)
    assert error["code"] == "unknown_sheet"
    assert error["message"] == "計画ワークブックにない名前の CSV ファイルがあります。"
    # "Z" sorts before the lower-case sheet names: the first CSV file by name
    assert error["where"] == "csv: 名前順で 1 番目の CSV ファイル"


@pytest.mark.slow
def test_a_csv_header_and_a_folder_name_are_not_quoted(api: TestClient, csv_folder: Path) -> None:
    files = {f"{MARKER}/{p.name}": p.read_bytes() for p in sorted(csv_folder.glob("*.csv"))}
    files[f"{MARKER}/programs.csv"] = _with_header(files[f"{MARKER}/programs.csv"], MARKER)
    error = _refused(api, _zip(files), ZIP)
    assert (error["code"], error["message"], error["where"]) == (
        "bad_cell",
        "この列の見出しはシート programs にありません。",
        "programs.csv: シート programs、行 1、列 T",
    )


# ---- the server's log ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_what_rdflib_says_about_an_upload_stays_out_of_the_log(real_server: RealServer) -> None:
    """rdflib logs a warning with the traceback of each literal it cannot convert (``int()``'s message quotes the
    literal); the server drops the parsers' warnings (and would log their errors without their text)."""
    mark = real_server.mark()
    odd = (
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        f'<urn:a> <urn:b> "{MARKER}"^^xsd:date, "{MARKER}"^^xsd:integer .\n'
    )
    with real_server.client(timeout=120.0) as client:
        response = client.post("/v1/validate", content=odd.encode(), headers=TTL)
        assert response.status_code == 200, response.text[:300]
        refused = client.post("/v1/validate", content=f"{MARKER}:a <urn:b> <urn:c> .".encode(), headers=TTL)
        assert_error(refused, 400)
    deadline = time.monotonic() + 15  # the server logs a request just after answering it
    while real_server.log_since(mark).count(" jyuso_kb.access INFO POST /v1/validate ") < 2:
        assert time.monotonic() < deadline, real_server.log_since(mark)
        time.sleep(0.05)
    written = real_server.log_since(mark)
    assert MARKER not in written, written
    assert "Traceback" not in written, written
