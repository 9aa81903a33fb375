"""Reaching a sheet of an .xlsx workbook in tests by the mapping's name of the sheet (``programs``): a workbook names
its sheets by their Japanese titles (``実施事業``), one written before by their names."""

from __future__ import annotations

from typing import Any

from jyuso_kb.plan.workbook.mapping import load_mapping


def title_of(name: str) -> str:
    """The Japanese title a workbook gives the sheet of this name (the name itself for a sheet the mapping has not)."""
    mapping = load_mapping()
    if name == mapping.prefix_sheet:
        return mapping.prefix_title
    if name == mapping.extra_sheet:
        return mapping.extra_title
    spec = mapping.sheet(name)
    return spec.title if spec is not None else name


def worksheet(book: Any, name: str) -> Any:
    """The openpyxl worksheet named ``name``, or titled as the sheet of that name is."""
    return book[name] if name in book.sheetnames else book[title_of(name)]
