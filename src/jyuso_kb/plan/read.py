"""Reading RDF from files safely: Turtle and JSON-LD only, nothing fetched, nothing followed.

- Turtle is parsed as it is (rdflib's Turtle parser makes no network access); owl:imports stay plain triples.
- JSON-LD is read as JSON first: a ``@context`` may be inline or our own context IRI (replaced by the local
  file); any other string context (a URL or a path) and ``@import`` are refused before rdflib sees the document,
  because rdflib would fetch or open them.
- RDF/XML and other formats are refused (entity-expansion payloads cost minutes in rdflib).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rdflib import Graph
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
    graph = Graph()
    try:
        graph.parse(data=text, format="turtle", publicID=INPUT_BASE)
    except BadSyntax as err:
        line = int(getattr(err, "lines", 0)) + 1
        reason = str(getattr(err, "_why", "")) or "構文が正しくありません"
        raise InputError(
            "syntax_error",
            f"Turtle の構文エラー(行 {line}): {reason}",
            f"{where}:{line}" if where else f"line {line}",
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
    return graph


def parse_jsonld(text: str, where: str = "") -> Graph:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(
            "syntax_error",
            f"JSON の構文エラー(行 {err.lineno}): {err.msg}",
            f"{where}:{err.lineno}" if where else f"line {err.lineno}",
            "括弧やカンマ、引用符の対応を確認してください。",
        ) from err
    except RecursionError as err:
        raise InputError(
            "too_deep", "入れ子が深すぎて読めません。", where, "JSON の入れ子を浅くしてください。"
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
    return graph


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
