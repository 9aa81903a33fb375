"""The workbook mapping (``mapping/workbook.yaml``): which sheet and column holds which property, read once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import yaml
from rdflib import URIRef

from jyuso_kb import resources

KINDS = ("iri", "lang", "string", "integer", "boolean", "date", "gYearMonth", "typed")
CELL_LIMIT = 32_767  # the most characters an Excel cell holds
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
MAX_ROWS = 100_000
_ILLEGAL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_PREFIX_RE = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]*")
_LOCAL_RE = re.compile(r"[A-Za-z0-9_.\-~]*")
_ABSOLUTE_IRI_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s\x00-\x1f<>\"{}|^`\\]*")  # no blank or control character
_INTEGER_RE = re.compile(r"[+-]?[0-9]+")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_GYEARMONTH_RE = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
_LITERAL_RE = re.compile(r'"((?:[^"\\]|\\.)*)"(?:@([A-Za-z]+(?:-[A-Za-z0-9]+)*)|\^\^(\S+))?', re.DOTALL)
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_UNESCAPES = {"\\": "\\", '"': '"', "n": "\n", "r": "\r", "t": "\t", "'": "'", "b": "\b", "f": "\f"}
_KIND_JA = {
    "iri": "IRI(接頭辞:名前 または <IRI>)",
    "lang": "文字列",
    "string": "文字列(言語タグなし)",
    "integer": "整数",
    "boolean": "真偽",
    "date": "日付 YYYY-MM-DD",
    "gYearMonth": "年月 YYYY-MM",
    "typed": "型付きの値",
}


# ---------------------------------------------------------------------------------------------------- the mapping


@dataclass(frozen=True)
class Column:
    """One column: which property its cells hold, and how a cell is written."""

    header: str
    property: URIRef
    kind: str
    lang: str | None = None
    datatype: URIRef | None = None
    multi: bool = False
    separator: str = "\n"
    order: str = "by-order"
    inverse: bool = False
    readonly: bool = False
    true_token: str = "true"
    false_token: str = "false"


@dataclass(frozen=True)
class SheetSpec:
    """One sheet: an entity sheet (``type``: one row per resource of that class) or a facet of other sheets (``of``)."""

    name: str
    title: str
    type: URIRef | None
    of: tuple[str, ...]
    id_header: str
    sort: tuple[str, ...]
    columns: tuple[Column, ...]

    @property
    def headers(self) -> list[str]:
        return [self.id_header, *(c.header for c in self.columns)]


@dataclass(frozen=True)
class Mapping:
    prefixes: dict[str, str]
    order_property: URIRef
    sheets: tuple[SheetSpec, ...]
    prefix_sheet: str
    prefix_title: str
    prefix_headers: tuple[str, str]
    extra_sheet: str
    extra_title: str
    extra_headers: tuple[str, str, str]

    def sheet(self, name: str) -> SheetSpec | None:
        return next((s for s in self.sheets if s.name == name), None)

    def sheet_names(self) -> list[str]:
        return [self.prefix_sheet, *(s.name for s in self.sheets), self.extra_sheet]


def mapping_file() -> Path:
    return resources.root() / "mapping" / "workbook.yaml"


def load_mapping(path: Path | None = None) -> Mapping:
    """The mapping declared in ``mapping/workbook.yaml`` (or ``path``); raises ValueError if it is inconsistent."""
    return _load_mapping(str(path or mapping_file()))


@lru_cache(maxsize=4)
def _load_mapping(path: str) -> Mapping:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: the mapping must be a YAML mapping")
    prefixes = {str(k): str(v) for k, v in (raw.get("prefixes") or {}).items()}
    separator = str((raw.get("defaults") or {}).get("separator", "\n"))

    def iri(text: Any, where: str) -> URIRef:
        prefix, sep, local = str(text).partition(":")
        if sep and prefix in prefixes:
            return URIRef(prefixes[prefix] + local)
        raise ValueError(f"{path}: {where}: unknown prefix in {text!r}")

    sheets: list[SheetSpec] = []
    for item in raw.get("sheets") or []:
        name = str(item["name"])
        columns = []
        for col in item.get("columns") or []:
            where = f"sheet {name} column {col.get('header')}"
            kind = str(col.get("kind", "lang"))
            if kind not in KINDS:
                raise ValueError(f"{path}: {where}: unknown kind {kind!r}")
            if kind == "lang" and not col.get("lang"):
                raise ValueError(f"{path}: {where}: kind lang needs lang")
            if kind == "typed" and not col.get("datatype"):
                raise ValueError(f"{path}: {where}: kind typed needs datatype")
            order = str(col.get("order", "by-order" if kind == "iri" else "lexical"))
            if order not in ("by-order", "lexical"):
                raise ValueError(f"{path}: {where}: unknown order {order!r}")
            columns.append(
                Column(
                    header=str(col["header"]),
                    property=iri(col["property"], where),
                    kind=kind,
                    lang=str(col["lang"]).lower() if col.get("lang") else None,
                    datatype=iri(col["datatype"], where) if col.get("datatype") else None,
                    multi=bool(col.get("multi", False)),
                    separator=str(col.get("separator", separator)),
                    order=order,
                    inverse=bool(col.get("inverse", False)),
                    readonly=bool(col.get("readonly", False)),
                    true_token=str(col.get("true", "true")),
                    false_token=str(col.get("false", "false")),
                )
            )
        of = tuple(str(o) for o in item.get("of") or ())
        spec = SheetSpec(
            name=name,
            title=str(item.get("title", name)),
            type=iri(item["type"], f"sheet {name}") if item.get("type") else None,
            of=of,
            id_header=str(item.get("id", "ID")),
            sort=tuple(str(s) for s in item.get("sort") or ()),
            columns=tuple(columns),
        )
        if (spec.type is None) == (not of):
            raise ValueError(f"{path}: sheet {name}: give exactly one of type and of")
        known = {s.name for s in sheets if s.type is not None}
        if any(o not in known for o in of):
            raise ValueError(f"{path}: sheet {name}: 'of' must name entity sheets declared before it")
        if len(set(spec.headers)) != len(spec.headers):
            raise ValueError(f"{path}: sheet {name}: headers must be unique")
        if any(s not in spec.headers for s in spec.sort):
            raise ValueError(f"{path}: sheet {name}: sort names an unknown column")
        sheets.append(spec)
    prefix_sheet = raw.get("prefix_sheet") or {}
    extra_sheet = raw.get("extra_sheet") or {}
    mapping = Mapping(
        prefixes=prefixes,
        order_property=iri(raw.get("order_property", "jy:order"), "order_property"),
        sheets=tuple(sheets),
        prefix_sheet=str(prefix_sheet.get("name", "prefixes")),
        prefix_title=str(prefix_sheet.get("title", "接頭辞")),
        prefix_headers=cast(tuple[str, str], tuple(prefix_sheet.get("columns", ["接頭辞", "名前空間"]))),
        extra_sheet=str(extra_sheet.get("name", "extra")),
        extra_title=str(extra_sheet.get("title", "その他の三つ組")),
        extra_headers=cast(tuple[str, str, str], tuple(extra_sheet.get("columns", ["主語", "述語", "目的語"]))),
    )
    names = mapping.sheet_names()
    if len(set(names)) != len(names):
        raise ValueError(f"{path}: sheet names must be unique")
    if any(len(n) > 31 or not re.fullmatch(r"[a-z][a-z0-9_]*", n) for n in names):
        raise ValueError(f"{path}: sheet names must be lower-case ASCII of at most 31 characters (an Excel limit)")
    return mapping
