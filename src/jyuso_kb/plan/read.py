"""Reading RDF from files safely: Turtle and JSON-LD only, nothing fetched, nothing followed.

- Turtle is parsed as it is (rdflib's Turtle parser makes no network access); owl:imports stay plain triples.
- JSON-LD is read as JSON first: a ``@context`` may be inline or our own context IRI (replaced by the local
  file); any other string context (a URL or a path) and ``@import`` are refused before rdflib sees the document,
  because rdflib would fetch or open them.
- RDF/XML and other formats are refused (entity-expansion payloads cost minutes in rdflib).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.plugins.parsers.notation3 import BadSyntax

from jyuso_kb import resources
from jyuso_kb.errors import InputError

CONTEXT_IRI = "https://w3id.org/jyuso-kb/context.jsonld"
INPUT_BASE = "urn:jyuso-kb:input:"
MAX_FILE_BYTES = 10 * 1024 * 1024
TURTLE_SUFFIXES = {".ttl"}
JSONLD_SUFFIXES = {".jsonld", ".json"}


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files named, and the Turtle/JSON-LD files inside folders named, in a stable order."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.suffix in TURTLE_SUFFIXES | JSONLD_SUFFIXES))
        else:
            out.append(path)
    return out


def read_files(paths: Iterable[Path]) -> Graph:
    """A new graph with the triples of every file; raises InputError on the first unreadable one."""
    graph = Graph()
    for path in expand_paths(paths):
        parsed = read_file(path)
        graph += parsed
        for prefix, namespace in parsed.namespaces():
            if prefix:
                graph.bind(prefix, namespace, override=False)
    return graph


def read_file(path: Path) -> Graph:
    where = str(path)
    if not path.is_file():
        raise InputError("file_not_found", "ファイルが見つかりません。", where, "パスを確認してください。")
    suffix = path.suffix.lower()
    if suffix not in TURTLE_SUFFIXES | JSONLD_SUFFIXES:
        raise InputError(
            "unsupported_format",
            f"この形式({suffix or '拡張子なし'})は読み込めません。",
            where,
            "Turtle(.ttl)または JSON-LD(.jsonld)で保存してください。",
        )
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InputError(
            "too_large", "ファイルが大きすぎます(上限 10 MiB)。", where, "計画を複数のファイルに分けてください。"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise InputError(
            "encoding", "UTF-8 として読めません。", where, "文字コードを UTF-8 にして保存してください。"
        ) from err
    except OSError as err:
        raise InputError("unreadable", "ファイルを読めません。", where, "権限を確認してください。") from err
    if suffix in TURTLE_SUFFIXES:
        return parse_turtle(text, where)
    return parse_jsonld(text, where)


def parse_turtle(text: str, where: str = "") -> Graph:
    """The graph of a Turtle document; raises InputError naming the line and column, never quoting the text."""
    graph = Graph()
    try:
        graph.parse(data=text, format="turtle", publicID=INPUT_BASE)
    except BadSyntax as err:
        line, column = _turtle_position(text, err)
        at = f"{line}:{column}" if column else str(line)
        raise InputError(
            "syntax_error",
            f"Turtle の構文エラー(行 {line}): {_turtle_reason(str(getattr(err, '_why', '')))}。",
            f"{where}:{at}" if where else f"line {at}",
            "この行とその前の行の末尾の「.」「;」「,」や括弧の対応を確認してください。",
        ) from err
    except RecursionError as err:
        raise InputError(
            "too_deep", "入れ子が深すぎて読めません。", where, "空白ノード [] の入れ子を浅くしてください。"
        ) from err
    except (ValueError, TypeError, IndexError, KeyError, AttributeError, AssertionError) as err:
        # rdflib's parser raises these (not BadSyntax) on some truncated input: a missing final ".", or (through an
        # assert) a string whose closing quote is missing
        raise InputError(
            "syntax_error",
            "Turtle として解釈できません。",
            where,
            "文の終わりの「.」や IRI・リテラルの書き方を確認してください。",
        ) from err
    if _has_invalid_iri(graph):
        raise _invalid_iri(where, _turtle_invalid_iri_at(text))
    return graph


# rdflib's reasons for a Turtle syntax error, in Japanese; a reason not listed here (some quote the input, such as
# the name of an unbound prefix) is never shown.
_TURTLE_REASONS = (
    (re.compile(r'Prefix ".*" not bound', re.DOTALL), "定義されていない接頭辞が使われています"),
    (re.compile(r"expected '\.' or '\}' or '\]' at end of statement"), "文の終わりに「.」がありません"),
    (re.compile(r"objectList expected.*", re.DOTALL), "目的語がありません"),
    (re.compile(r"expected propertylist|property_list expected"), "述語がありません"),
    (re.compile(r"newline found in string literal"), "文字列の途中で改行されています"),
    (re.compile(r"unterminated string literal"), "文字列の引用符が閉じていません"),
    (re.compile(r"unterminated URI reference"), "IRI の「>」が閉じていません"),
    (re.compile(r"bad escape"), "使えないエスケープ(\\ の後の文字)があります"),
    (re.compile(r"EOF.*|needed '.', found end\.", re.DOTALL), "文の途中で終わっています"),
    (re.compile(r"'\]' expected"), "「]」がありません"),
    (re.compile(r"expected item in list or '\)'"), "リストの「)」がありません"),
    (re.compile(r"expected qname after @prefix"), "@prefix の後に接頭辞がありません"),
    (re.compile(r"expected <uriref> after @prefix _qname_"), "@prefix の接頭辞の後に <IRI> がありません"),
    (re.compile(r"expected <uri> after @base\s*"), "@base の後に <IRI> がありません"),
    (re.compile(r"expected directive or statement"), "文として読めません"),
    (re.compile(r"Found .* in Turtle mode.*|.*obsolete.*", re.DOTALL), "Turtle では使えない書き方(N3)です"),
)


def _turtle_reason(why: str) -> str:
    return next((ja for pattern, ja in _TURTLE_REASONS if pattern.fullmatch(why)), "構文が正しくありません")


def _turtle_position(text: str, err: BadSyntax) -> tuple[int, int | None]:
    """Line (1-based) and, when rdflib's offset agrees with that line, column (1-based, in characters) of the
    token where the parser stopped."""
    line = int(getattr(err, "lines", 0)) + 1
    offset = getattr(err, "_i", None)
    if isinstance(offset, int) and 0 <= offset <= len(text) and line > text.count("\n") + 1:
        line = text.count("\n", 0, offset) + 1  # at the end of the text rdflib counts lines past the last one
    if not isinstance(offset, int) or not 0 <= offset <= len(text) or text.count("\n", 0, offset) + 1 != line:
        return line, None
    while offset < len(text) and text[offset] in " \t":  # rdflib stops before the blanks ahead of the token
        offset += 1
    return line, offset - text.rfind("\n", 0, offset)


def parse_jsonld(text: str, where: str = "") -> Graph:
    """The graph of a JSON-LD document (no remote context); raises InputError naming the line and column of a JSON
    syntax error, never quoting the text."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as err:
        at = f"{err.lineno}:{err.colno}"
        raise InputError(
            "syntax_error",
            f"JSON の構文エラー(行 {err.lineno}): {_json_reason(err.msg)}。",
            f"{where}:{at}" if where else f"line {at}",
            "括弧やカンマ、引用符の対応を確認してください。",
        ) from err
    except RecursionError as err:
        raise InputError(
            "too_deep", "入れ子が深すぎて読めません。", where, "JSON の入れ子を浅くしてください。"
        ) from err
    except ValueError as err:
        # an integer of more than 4,300 digits (Python's limit on int conversion)
        raise InputError(
            "syntax_error", "桁数が多すぎる数値があります。", where, "数値は 4,300 桁までにしてください。"
        ) from err
    if not isinstance(document, dict | list):
        raise InputError(
            "syntax_error",
            "JSON-LD の文書はオブジェクトか配列でなければなりません。",
            where,
            '{ "@context": …, "@graph": [...] } の形で送ってください。',
        )
    local = _local_context()
    safe = _replace_contexts(document, local, where)
    graph = Graph()
    try:
        graph.parse(data=json.dumps(safe), format="json-ld", base=INPUT_BASE)
    except RecursionError as err:
        raise InputError(
            "too_deep", "入れ子が深すぎて読めません。", where, "JSON の入れ子を浅くしてください。"
        ) from err
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, NameError) as err:
        # NameError covers an UnboundLocalError rdflib's JSON-LD parser raises on some malformed documents
        raise InputError(
            "syntax_error", "JSON-LD として解釈できません。", where, "@context と @id の書き方を確認してください。"
        ) from err
    if _has_invalid_iri(graph):
        raise _invalid_iri(where, None)
    return graph


# What an IRI may not hold (N-Triples' IRIREF): rdflib accepts these with a warning, but cannot write the graph
# back (and N-Triples written with a space or line break in an IRI would be broken).
_INVALID_IRI_CHAR = re.compile(r'[\x00-\x20<>"{}|^`\\]')
# Turtle's tokens that may hold "<" (strings and comments), and its IRI references, for locating an invalid IRI.
_TURTLE_TOKENS = re.compile(
    r'(?P<string>"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\')'
    r"|(?P<iri><[^<>\n]*>)|(?P<comment>#[^\n]*)"
)
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _has_invalid_iri(graph: Graph) -> bool:
    terms = {term for triple in graph for term in triple}
    iris = {t for t in terms if isinstance(t, URIRef)} | {
        t.datatype for t in terms if isinstance(t, Literal) and t.datatype is not None
    }
    return any(_INVALID_IRI_CHAR.search(iri) for iri in iris)


def _turtle_invalid_iri_at(text: str) -> str | None:
    """Line and column of the first IRI reference ``<…>`` holding a character an IRI may not hold, if one does."""
    for token in _TURTLE_TOKENS.finditer(text):
        iri = token.group("iri")
        if iri is None:
            continue
        inner = _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), iri[1:-1])
        if _INVALID_IRI_CHAR.search(inner):
            start = token.start()
            return f"{text.count(chr(10), 0, start) + 1}:{start - text.rfind(chr(10), 0, start)}"
    return None


def _invalid_iri(where: str, at: str | None) -> InputError:
    place = f"{where}:{at}" if where and at else (f"line {at}" if at else where)
    return InputError(
        "invalid_iri",
        'IRI に使えない文字(空白、改行などの制御文字、< > " { } | ^ ` \\)があります。',
        place,
        "IRI の中の空白は %20 と書くか取り除き、<> の対応を確認してください。",
    )


# The json module's reasons for a syntax error, in Japanese (a reason not listed is never shown as it is).
_JSON_REASONS = {
    "Expecting value": "値がありません",
    "Expecting property name enclosed in double quotes": '項目名は二重引用符 " で囲んでください',
    "Expecting ':' delimiter": "「:」がありません",
    "Expecting ',' delimiter": "「,」がありません",
    "Unterminated string starting at": "文字列の引用符が閉じていません",
    "Invalid control character at": "文字列の中に改行などの制御文字があります",
    "Invalid \\escape": "使えないエスケープ(\\ の後の文字)があります",
    "Invalid \\uXXXX escape": "\\u の後に 16 進数 4 桁がありません",
    "Extra data": "文書の終わりの後に余分なデータがあります",
    "Unexpected UTF-8 BOM (decode using utf-8-sig)": "先頭に BOM があります",
}


def _json_reason(msg: str) -> str:
    return _JSON_REASONS.get(msg, "構文が正しくありません")


def _local_context() -> dict[str, Any]:
    data = json.loads(resources.jsonld_context_file().read_text(encoding="utf-8"))
    context = data["@context"]
    assert isinstance(context, dict)
    return context


def _replace_contexts(node: Any, local: dict[str, Any], where: str) -> Any:
    """A copy of the JSON document where every @context is inline; refuses remote or file contexts."""
    if isinstance(node, list):
        return [_replace_contexts(item, local, where) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "@context":
            out[key] = _safe_context(value, local, where)
        elif key == "@import":
            raise _refused_context(where)
        else:
            out[key] = _replace_contexts(value, local, where)
    return out


def _safe_context(value: Any, local: dict[str, Any], where: str) -> Any:
    if isinstance(value, list):
        return [_safe_context(item, local, where) for item in value]
    if isinstance(value, str):
        if value == CONTEXT_IRI:
            return local
        raise _refused_context(where)
    if isinstance(value, dict):
        if "@import" in value:
            raise _refused_context(where)
        return {k: _replace_contexts(v, local, where) for k, v in value.items()}
    return value


def _refused_context(where: str) -> InputError:
    return InputError(
        "remote_context_refused",
        "外部の @context(URL やファイル)は読み込みません。",
        where,
        f"@context はインラインで書くか、{CONTEXT_IRI} を指定してください。",
    )
