"""Where the knowledge lives: ontology/, shapes/, rules/, checks/, exports/, standards/, queries/ and data/ (the embedded
plans)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

_PACKAGED = Path(__file__).resolve().parent / "kb"
_SOURCE_TREE = Path(__file__).resolve().parents[2]


def root() -> Path:
    """The folder holding ontology/, shapes/, rules/, checks/ and data/ (inside the wheel, or the source tree)."""
    return _PACKAGED if (_PACKAGED / "ontology").is_dir() else _SOURCE_TREE


def ontology_files() -> list[Path]:
    return sorted((root() / "ontology").glob("*.ttl"))


def shape_files() -> list[Path]:
    return sorted((root() / "shapes").glob("*.ttl"))


def thesaurus_files() -> list[Path]:
    return sorted((root() / "data" / "thesaurus").glob("*.ttl"))


def check_files() -> list[Path]:
    return sorted((root() / "checks").glob("*.rq"))


def export_files() -> list[Path]:
    """The exports to public-service standards: a SPARQL CONSTRUCT (``exports/<name>.rq``) or a folder of SELECTs
    building a JSON document (``exports/<name>/about.txt`` and one ``<list>.rq`` per list)."""
    folder = root() / "exports"
    return sorted([*folder.glob("*.rq"), *(p.parent for p in folder.glob("*/about.txt"))])


def national_query(name: str) -> Path:
    """A query of the national endpoints (``queries/national/<name>.rq``)."""
    return root() / "queries" / "national" / f"{name}.rq"


def national_questions() -> list[Path]:
    """The example questions across municipalities (``queries/national/questions/*.rq``), for /v1/sparql."""
    return sorted((root() / "queries" / "national" / "questions").glob("*.rq"))


def standard_shapes(name: str) -> Path:
    """The official SHACL shapes a standard's export must conform to (``standards/<name>/``)."""
    return next((root() / "standards" / name).glob("*.ttl"))


def default_municipality() -> str:
    """The folder under data/ of the plan served when none is given: named by data/default-municipality.txt."""
    return (root() / "data" / "default-municipality.txt").read_text(encoding="utf-8").strip()


def municipality_dir(name: str | None = None) -> Path:
    return root() / "data" / (name or default_municipality())


def jsonld_context_file() -> Path:
    return root() / "ontology" / "context.jsonld"


def read_yaml(path: Path) -> Any:
    """One of the project's YAML files, parsed safely: libyaml's loader when PyYAML has it (about 10× faster than
    the pure-Python one, which reads the same documents the same way). OSError, or yaml.YAMLError when malformed."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 (a safe loader)
