"""Spreadsheet formula injection, defined once: a cell that starts like a formula is written with a leading ``'``."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(text: str) -> str:
    """``text`` as a CSV or spreadsheet cell that no spreadsheet runs as a formula."""
    return "'" + text if text[:1] in FORMULA_STARTS else text
