"""The workbook mapping (``mapping/workbook.yaml``): which sheet and column holds which property, read once."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

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
    true_label: str = "true"
    false_label: str = "false"
    values: URIRef | None = None  # a closed vocabulary: the individuals of this class in the ontology
    refers: tuple[str, ...] = ()  # rows of these sheets of the same workbook

    def has_choices(self) -> bool:
        """True when a cell may name its value by a Japanese label instead of an identifier."""
        return self.kind == "boolean" or self.values is not None or bool(self.refers)


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
    names: tuple[str, ...] = ()  # the headers of the columns whose values name a row (for ``refers``)
    note: str = ""

    @property
    def headers(self) -> list[str]:
        return [self.id_header, *(c.header for c in self.columns)]


@dataclass(frozen=True)
class Guide:
    """The template's first sheet, which explains every sheet and column (never read on import)."""

    name: str = ""
    columns: tuple[str, ...] = ()
    intro: tuple[str, ...] = ()
    required: str = "required"
    recommended: str = "recommended"


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
    prefix_notes: tuple[str, ...] = ()
    prefix_note: str = ""
    extra_notes: tuple[str, ...] = ()
    extra_note: str = ""
    label_properties: tuple[URIRef, ...] = ()
    label_lang: str = "ja"
    booleans: tuple[str, str] = ("true", "false")
    descriptions: dict[URIRef, str] = field(default_factory=dict)
    guide: Guide = field(default_factory=Guide)
    choices_sheet: str = ""
    template: dict[str, str] = field(default_factory=dict)
    # 「不明」: (the property a cell of 不明 writes, the mark of the properties that may be unstated, its display text)
    unknown: tuple[URIRef, URIRef, URIRef] | None = None
    finding_hints: dict[str, str] = field(default_factory=dict)  # how a finding on a workbook is fixed, by kind

    def ignored_sheets(self) -> set[str]:
        """Sheets the template adds for people (the guide, the lists of choices): never read on import."""
        return {n for n in (self.guide.name, self.choices_sheet) if n}

    def sheet(self, name: str) -> SheetSpec | None:
        """The sheet named ``name`` or titled ``name`` (a workbook names its sheets by their Japanese titles;
        one written before, and a CSV folder's files, by their names)."""
        return next((s for s in self.sheets if name in (s.name, s.title)), None)

    def canonical(self, name: str) -> str | None:
        """The sheet's name for a sheet named by its name or its title; None for a sheet the mapping has not."""
        if name in (self.prefix_sheet, self.prefix_title):
            return self.prefix_sheet
        if name in (self.extra_sheet, self.extra_title):
            return self.extra_sheet
        spec = self.sheet(name)
        return spec.name if spec is not None else None

    def sheet_names(self) -> list[str]:
        return [self.prefix_sheet, *(s.name for s in self.sheets), self.extra_sheet]

    def shown(self, name: str) -> str:
        """How hints name a sheet: 「担当課(departments)」, its .xlsx name and, in brackets, its CSV file's."""
        spec = self.sheet(name)
        return f"{spec.title}({spec.name})" if spec is not None and spec.title else name

    def sheet_titles(self) -> list[str]:
        """The sheets' Japanese titles, in the same order: the names of an .xlsx workbook's sheets."""
        return [self.prefix_title, *(s.title or s.name for s in self.sheets), self.extra_title]


def mapping_file() -> Path:
    return resources.root() / "mapping" / "workbook.yaml"


def load_mapping(path: Path | None = None) -> Mapping:
    """The mapping declared in ``mapping/workbook.yaml`` (or ``path``); raises ValueError if it is inconsistent."""
    return _load_mapping(str(path or mapping_file()))


@lru_cache(maxsize=4)
def _load_mapping(path: str) -> Mapping:
    raw = resources.read_yaml(Path(path))
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: the mapping must be a YAML mapping")
    prefixes = {str(k): str(v) for k, v in (raw.get("prefixes") or {}).items()}
    separator = str((raw.get("defaults") or {}).get("separator", "\n"))
    booleans = raw.get("booleans") or {}
    true_default, false_default = str(booleans.get("true", "true")), str(booleans.get("false", "false"))

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
                    # a column with tokens of its own (○ / ×) offers them as its choices; others the defaults
                    true_label=str(col["true"]) if "true" in col else true_default,
                    false_label=str(col["false"]) if "false" in col else false_default,
                    values=iri(col["values"], where) if col.get("values") else None,
                    refers=tuple(str(r) for r in col.get("refers") or ()),
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
            names=tuple(str(n) for n in item.get("names") or ()),
            note=str(item.get("note", "")),
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
        if any(n not in spec.headers for n in spec.names):
            raise ValueError(f"{path}: sheet {name}: names names an unknown column")
        sheets.append(spec)
    entity_sheets = {s.name for s in sheets if s.type is not None}
    for spec in sheets:
        for col in spec.columns:
            if (col.values is not None or col.refers) and col.kind != "iri":
                raise ValueError(f"{path}: sheet {spec.name} column {col.header}: values and refers need kind iri")
            if any(r not in entity_sheets for r in col.refers):
                raise ValueError(f"{path}: sheet {spec.name} column {col.header}: refers must name entity sheets")
    labels = raw.get("labels") or {}
    guide = raw.get("guide_sheet") or {}
    template = {str(k): str(v) for k, v in (raw.get("template") or {}).items()}
    if template and ("{code}" not in template.get("namespace", "") or not _PREFIX_RE.fullmatch(template["prefix"])):
        raise ValueError(f"{path}: template needs a prefix and a namespace with {{code}}")
    prefix_sheet = raw.get("prefix_sheet") or {}
    unknown = raw.get("unknown") or {}
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
        prefix_notes=tuple(str(n) for n in prefix_sheet.get("notes") or ()),
        prefix_note=str(prefix_sheet.get("note", "")),
        extra_notes=tuple(str(n) for n in extra_sheet.get("notes") or ()),
        extra_note=str(extra_sheet.get("note", "")),
        label_properties=tuple(iri(p, "labels") for p in labels.get("properties") or ["rdfs:label"]),
        label_lang=str(labels.get("lang", "ja")),
        booleans=(true_default, false_default),
        descriptions={iri(k, "descriptions"): str(v) for k, v in (raw.get("descriptions") or {}).items()},
        guide=Guide(
            name=str(guide.get("name", "")),
            columns=tuple(str(c) for c in guide.get("columns") or ()),
            intro=tuple(str(line) for line in guide.get("intro") or ()),
            required=str(guide.get("required", "required")),
            recommended=str(guide.get("recommended", "recommended")),
        ),
        choices_sheet=str((raw.get("choices_sheet") or {}).get("name", "")),
        template=template,
        finding_hints={str(k): str(v) for k, v in (raw.get("finding_hints") or {}).items()},
        unknown=tuple(iri(unknown[k], "unknown") for k in ("property", "marker", "text")) if unknown else None,  # type: ignore[arg-type]
    )
    names = mapping.sheet_names()
    if len(set(names)) != len(names) or mapping.ignored_sheets() & set(names):
        raise ValueError(f"{path}: sheet names must be unique")
    if mapping.guide.name and len(mapping.guide.columns) != 6:
        raise ValueError(f"{path}: guide_sheet needs six columns")
    if any(len(n) > 31 or not re.fullmatch(r"[a-z][a-z0-9_]*", n) for n in names):
        raise ValueError(f"{path}: sheet names must be lower-case ASCII of at most 31 characters (an Excel limit)")
    return mapping
