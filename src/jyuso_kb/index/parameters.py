"""The engine's numeric parameters (ranking weights, similarity thresholds, the window of accepted reference dates),
read from rules/parameters.yaml.

Each parameter in the file has a description in Japanese and English, a value and a reference, like OpenFisca's
parameters. The engine reads exactly the fields of :class:`Parameters`; a missing, unknown or non-numeric parameter
is a :class:`ParameterError` when the index is built.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from jyuso_kb import resources


class ParameterError(ValueError):
    """A parameters file the engine cannot use (missing, unknown or malformed parameter)."""


@dataclass(frozen=True)
class Parameters:
    """The values, by name (see rules/parameters.yaml for what each means and why it has its value)."""

    broader_duty_factor: float
    duty_rule_weight: float
    explanation_min_weight: float
    pref_label_weight: float
    alt_label_weight: float
    hidden_label_weight: float
    fuzzy_threshold: float
    fuzzy_weight_factor: float
    fuzzy_min_stretch: int
    fuzzy_min_content: int
    similar_threshold: float
    word_weight_factor: float
    reading_weight_factor: float
    reading_min_length: int
    name_weight: float
    suggestion_threshold: float
    suggestion_count: int
    kana_suggestion_coverage: float
    as_of_first_fiscal_year: int
    as_of_years_after_plan: int


def default_file() -> Path:
    return resources.root() / "rules" / "parameters.yaml"


def read_parameters(path: Path) -> Parameters:
    """The parameters of one file, each checked: description (ja, en), a numeric value and a reference."""
    try:
        entries = resources.read_yaml(path)
    except (OSError, yaml.YAMLError) as err:
        raise ParameterError(f"{path.name}: cannot read the parameters ({err})") from err
    if not isinstance(entries, dict):
        raise ParameterError(f"{path.name}: expected a mapping of parameter names")
    wanted = {f.name: f.type for f in fields(Parameters)}
    problems = [f"unknown parameter {name}" for name in sorted(set(entries) - set(wanted))]
    problems += [f"missing parameter {name}" for name in sorted(set(wanted) - set(entries))]
    if problems:
        raise ParameterError(f"{path.name}: {'; '.join(problems)}")
    values: dict[str, Any] = {}
    for name, kind in wanted.items():
        values[name] = _value(path, name, entries[name], integer=kind in (int, "int"))
    return Parameters(**values)


def _value(path: Path, name: str, entry: Any, integer: bool) -> float | int:
    if not isinstance(entry, dict):
        raise ParameterError(f"{path.name}: {name} must be a mapping with description, value and reference")
    description = entry.get("description")
    if not isinstance(description, dict) or not description.get("ja") or not description.get("en"):
        raise ParameterError(f"{path.name}: {name} needs a description in Japanese (ja) and English (en)")
    if not entry.get("reference"):
        raise ParameterError(f"{path.name}: {name} needs a reference (where its value comes from)")
    value = entry.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float) or (integer and not isinstance(value, int)):
        expected = "an integer" if integer else "a number"
        raise ParameterError(f"{path.name}: the value of {name} must be {expected}, not {value!r}")
    return int(value) if integer else float(value)


@lru_cache(maxsize=1)
def parameters() -> Parameters:
    """The project's parameters (rules/parameters.yaml), read once per process."""
    return read_parameters(default_file())
