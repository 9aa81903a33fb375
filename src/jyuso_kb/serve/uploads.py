"""Checking an uploaded plan revision before and after parsing: type, size, nesting, literal length, triple count.

Cheap checks run on the decoded text before any RDF parser (all of it inside the upload's bounded child process,
``serve/bounded.py``): a single string literal over 64 KiB (in UTF-8 bytes, like the check after parsing), clearly
more than 200,000 statements (a Turtle collection ``( … )`` counts two per item), nesting deeper than 64 levels
(Turtle ``[ … ]`` and ``( … )``, JSON objects and arrays), more than 8 JSON-LD contexts, or a workbook that unpacks
to more than 32 MiB is refused at once (413 / 422), so a large or hostile upload never reaches the slow parser.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

from rdflib import Graph, Literal

from jyuso_kb.errors import InputError
from jyuso_kb.plan.read import CONTEXT_IRI, parse_jsonld, parse_turtle
from jyuso_kb.plan.workbook.importer import read_workbook
from jyuso_kb.plan.workbook.sheets import WorkbookIndex

MAX_BODY = 10 * 1024 * 1024
MAX_LITERAL = 64 * 1024
MAX_TRIPLES = 200_000
TURTLE_TYPES = {"text/turtle", "application/x-turtle"}
JSONLD_TYPES = {"application/ld+json"}
XLSX_TYPES = {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
ZIP_TYPES = {"application/zip", "application/x-zip-compressed"}
MAX_ZIP_MEMBERS = 100  # CSV files in a zip of a CSV folder
MAX_XLSX_MEMBERS = 1000  # parts of an .xlsx (a plan's workbook has about 130)
MAX_UNZIPPED = 32 * 1024 * 1024
MAX_DEPTH = 64
MAX_CONTEXTS = 8
# Turtle string tokens (long and short forms) and IRIs: what is removed before counting statement delimiters.
_STRINGS = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'')
_IRIS = re.compile(r"<[^<>\s]*>")
_DELIMITERS = re.compile(r"[;,]|\.(?![0-9])|\](?=\s*[.;,\]])")
_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9.+-]{0,63}/[a-z0-9][a-z0-9.+-]{0,63}")  # named back only in this form
_TURTLE_NESTING = re.compile(r"([\[\]()])")
_JSON_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_JSON_NESTING = re.compile(r"([\[\]{}])")


class UploadError(Exception):
    """An upload refused with an HTTP status (400, 413, 415, 422, 503), the error to answer and extra headers."""

    def __init__(self, status: int, error: InputError, headers: dict[str, str] | None = None) -> None:
        super().__init__(status, error.code)
        self.status = status
        self.error = error
        self.headers = headers or {}


def media_type(header: str | None) -> str:
    return (header or "").split(";")[0].strip().lower()


def check_type(header: str | None) -> str:
    """'turtle' or 'jsonld'; anything else is refused before any parser runs (415)."""
    kind = media_type(header)
    if kind in TURTLE_TYPES:
        return "turtle"
    if kind in JSONLD_TYPES:
        return "jsonld"
    if kind in XLSX_TYPES:
        return "xlsx"
    if kind in ZIP_TYPES:
        return "zip"
    raise UploadError(
        415,
        InputError(
            "unsupported_media_type",
            f"この形式({kind if _MEDIA_TYPE.fullmatch(kind) else '指定なし' if not kind else '不明'})は受け付けません。",
            "Content-Type",
            "Content-Type: text/turtle、application/ld+json、ワークブック(.xlsx)または CSV のフォルダの zip で送ってください(RDF/XML は受け付けません)。",
        ),
    )


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise UploadError(
            400, InputError("encoding", "UTF-8 として読めません。", "body", "UTF-8 で送ってください。")
        ) from err


def _too_long() -> UploadError:
    return UploadError(
        422, InputError("literal_too_long", "64 KiB を超える文字列があります。", "body", "長い文章は分けてください。")
    )


def _too_many() -> UploadError:
    return UploadError(
        422,
        InputError(
            "too_many_triples",
            f"トリプルが多すぎます(上限 {MAX_TRIPLES:,})。",
            "body",
            "計画のデータだけを送ってください。",
        ),
    )


def _too_deep() -> UploadError:
    return UploadError(
        422,
        InputError(
            "too_deep",
            f"入れ子が深すぎます(上限 {MAX_DEPTH} 段)。",
            "body",
            "空白ノード [ ] やリスト ( )、JSON の入れ子を浅くしてください。",
        ),
    )


def _nesting(parts: list[str], opening: str, closing: str) -> tuple[int, int]:
    """Deepest nesting, and the number of terms inside collections ``( … )``, of text split on its brackets."""
    depth = deepest = in_lists = lists = 0
    for part in parts:
        if len(part) == 1 and part in opening:
            depth += 1
            lists += part == "("
            deepest = max(deepest, depth)
        elif len(part) == 1 and part in closing:
            depth -= 1
            lists -= part == ")" and lists > 0
        elif lists:
            in_lists += len(part.split())
    return deepest, in_lists


def _json_scalars(node: Any) -> int:
    if isinstance(node, dict):
        return sum(_json_scalars(v) for k, v in node.items() if k != "@context")
    if isinstance(node, list):
        return sum(_json_scalars(v) for v in node)
    return 1


def _json_long_string(node: Any) -> bool:
    if isinstance(node, str):
        return len(node) > MAX_LITERAL // 4 and len(node.encode("utf-8")) > MAX_LITERAL
    if isinstance(node, dict):
        return any(_json_long_string(v) for v in node.values())
    if isinstance(node, list):
        return any(_json_long_string(v) for v in node)
    return False


def precheck(body: bytes, kind: str = "turtle") -> str:
    """The decoded text, after the cheap checks (422 for an over-long literal or too many statements).
    Workbooks are binary: their reader applies its own limits."""
    if kind in ("xlsx", "zip"):
        _check_archive(body, kind)
        return ""
    text = _decode(body)
    if kind == "jsonld":
        if _nesting(_JSON_NESTING.split(_JSON_STRINGS.sub('""', text)), "[{", "]}")[0] > MAX_DEPTH:
            raise _too_deep()
        if text.count('"@context"') > MAX_CONTEXTS:
            raise UploadError(
                422,
                InputError(
                    "too_many_contexts",
                    f"@context が多すぎます(上限 {MAX_CONTEXTS} 個)。",
                    "body",
                    f"@context は文書の先頭に一つだけ書いてください(例: {CONTEXT_IRI})。",
                ),
            )
        try:
            document = json.loads(text)
        except (ValueError, RecursionError):  # JSONDecodeError, or an integer too long to convert
            return text  # the parser reports the syntax error with its line
        if _json_long_string(document):
            raise _too_long()
        if _json_scalars(document) > MAX_TRIPLES:
            raise _too_many()
        return text
    for match in _STRINGS.finditer(text):
        token = match.group()
        if len(token) > MAX_LITERAL // 4 and len(token.encode("utf-8")) - 2 > MAX_LITERAL:
            raise _too_long()
    stripped = _IRIS.sub("<>", _STRINGS.sub('""', text))
    deepest, in_lists = _nesting(_TURTLE_NESTING.split(stripped), "[(", "])")
    if deepest > MAX_DEPTH:
        raise _too_deep()
    statements = len(_DELIMITERS.findall(stripped)) + 2 * in_lists
    if statements > MAX_TRIPLES:
        raise _too_many()
    return text


def _too_big_archive() -> UploadError:
    return UploadError(
        413,
        InputError(
            "too_large",
            f"zip の中身が多すぎるか大きすぎます(展開後の上限 {MAX_UNZIPPED // (1024 * 1024)} MiB)。",
            "body",
            "計画の表だけを保存・zip にしてください。",
        ),
    )


def _check_archive(body: bytes, kind: str) -> None:
    """A workbook (.xlsx is a zip too) or a zip of CSV files: member count and unpacked size, before unpacking."""
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        return  # the reader answers with its own "not a workbook" error
    most = MAX_XLSX_MEMBERS if kind == "xlsx" else MAX_ZIP_MEMBERS
    if len(members) > most or sum(m.file_size for m in members) > MAX_UNZIPPED:
        raise _too_big_archive()


def parse_with_locations(body: bytes, kind: str, scratch: Path) -> tuple[Graph, WorkbookIndex | None]:
    """The uploaded plan; for a workbook also where each fact stood (sheet, row, column). ``scratch`` is an empty
    folder for unpacking a workbook (the caller removes it)."""
    if kind not in ("xlsx", "zip"):
        return parse(body, kind), None
    if kind == "xlsx":
        target = scratch / "upload.xlsx"
        target.write_bytes(body)
    else:
        target = scratch / "csv"
        _unzip_csv(body, target)
    try:
        graph, index = read_workbook(target)
    except InputError as err:
        raise UploadError(400, InputError(err.code, err.message, _strip(err.where, scratch), err.hint)) from err
    if len(graph) > MAX_TRIPLES:
        raise _too_many()
    return graph, index


def _strip(where: str, folder: Path) -> str:
    """Error locations without the server's temporary folder."""
    return where.replace(str(folder / "csv") + "/", "").replace(str(folder) + "/", "")


def _unzip_csv(body: bytes, target: Path) -> None:
    """Extract only top-level-named *.csv members (no paths, no links) within count and size limits."""
    bad = UploadError(
        400,
        InputError(
            "not_a_workbook",
            "CSV のフォルダの zip として読めません。",
            "body",
            "workbook export で書き出したフォルダを zip にしてください。",
        ),
    )
    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
    except zipfile.BadZipFile as err:
        raise bad from err
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > MAX_ZIP_MEMBERS or sum(m.file_size for m in members) > MAX_UNZIPPED:
            raise _too_big_archive()
        target.mkdir()
        for member in members:
            name = PurePosixPath(member.filename).name
            if not name.endswith(".csv") or name.startswith("."):
                continue
            with archive.open(member) as source:
                data = source.read(MAX_UNZIPPED + 1)
            (target / name).write_bytes(data)


def parse(body: bytes, kind: str) -> Graph:
    text = _decode(body)
    try:
        graph = parse_turtle(text, "body") if kind == "turtle" else parse_jsonld(text, "body")
    except InputError as err:
        raise UploadError(400, err) from err
    if len(graph) > MAX_TRIPLES:
        raise _too_many()
    for _, _, o in graph:
        if isinstance(o, Literal) and len(o) > MAX_LITERAL // 4 and len(str(o).encode("utf-8")) > MAX_LITERAL:
            raise _too_long()
    return graph
