"""SPARQL SELECT rows → nested JSON objects, for the standards whose documents are JSON (HSDS, GIF …).

One SELECT gives one list of the document (``exports/<name>/<list>.rq``). Its header says how rows become objects:

- ``# id: id``: the column naming an object; rows with the same value fill one object (default ``id``).
- A column ``a__b`` is field ``b`` of the objects in list ``a`` (``a__b__c`` nests again); a list is always present,
  ``[]`` when no row binds it. Elements of a list are told apart by their ``id`` column, else by all their values.
- ``# objects: a__t``: these nested paths are one object rather than a list.
- ``# values: tags``: these columns are lists of plain values; a list no row binds a value of is left out, like an
  unbound scalar (a list of objects stays, ``[]``).
- ``# uuid5: id, a__id``: these columns hold IRIs and are written as ``uuid5(NAMESPACE_URL, IRI)``.

A column left unbound leaves its field out; the first bound value of a scalar field wins. Literals keep their type
(integers, decimals and booleans as JSON numbers and booleans, dates as ISO strings); everything else is a string.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from rdflib import Literal
from rdflib.term import Node

Tree = dict[str, "Tree | None"]  # a field name → its sub-fields, or None for a plain value


@dataclass(frozen=True)
class TableSpec:
    """How the rows of one SELECT become objects (read from the query's header)."""

    id: str = "id"
    objects: frozenset[str] = frozenset()
    values: frozenset[str] = frozenset()
    uuid5: frozenset[str] = frozenset()

    @classmethod
    def of(cls, headers: Mapping[str, str]) -> TableSpec:
        def names(key: str) -> frozenset[str]:
            return frozenset(n.strip() for n in headers.get(key, "").split(",") if n.strip())

        return cls(
            id=headers.get("id", "id").strip() or "id",
            objects=names("objects"),
            values=names("values"),
            uuid5=names("uuid5"),
        )


def objects_of(
    rows: Iterable[Mapping[str, Node | None]], columns: Sequence[str], spec: TableSpec
) -> list[dict[str, Any]]:
    """The objects the rows describe, in the order their first row came."""
    tree = _tree(columns)
    if spec.id not in tree or tree[spec.id] is not None:
        raise ValueError(f"SELECT has no plain column {spec.id!r} to tell its objects apart")
    found: dict[Any, dict[str, Any]] = {}
    seen: dict[tuple[int, Any], dict[str, Any]] = {}
    for row in rows:
        values = {name: _value(name, row.get(name), spec) for name in columns}
        key = values[spec.id]
        if key is None:
            continue
        _fill(found.setdefault(key, {}), values, tree, "", spec, seen)
    for target in found.values():
        _drop_empty_values(target, tree, "", spec)
    return list(found.values())


def _tree(columns: Sequence[str]) -> Tree:
    tree: Tree = {}
    for column in columns:
        node = tree
        parts = column.split("__")
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if child is None:
                raise ValueError(f"column {column!r}: {part!r} is both a value and a list")
            node = child
        node.setdefault(parts[-1], None)
    return tree


def _value(column: str, node: Node | None, spec: TableSpec) -> Any:
    if node is None:
        return None
    if column in spec.uuid5:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, str(node)))
    if isinstance(node, Literal):
        value = node.toPython()
        if isinstance(value, bool | int | float):
            return value
        if isinstance(value, Decimal):
            return float(value)
        if isinstance(value, datetime.date | datetime.datetime):
            return value.isoformat()
    return str(node)


def _bound(values: Mapping[str, Any], tree: Tree, path: str) -> bool:
    return any(
        values.get(path + name) is not None if sub is None else _bound(values, sub, f"{path}{name}__")
        for name, sub in tree.items()
    )


def _identity(values: Mapping[str, Any], tree: Tree, path: str) -> Any:
    if tree.get("id", {}) is None:
        return values.get(path + "id")
    return tuple(
        values.get(path + name) if sub is None else _identity(values, sub, f"{path}{name}__")
        for name, sub in tree.items()
    )


def _drop_empty_values(target: dict[str, Any], tree: Tree, path: str, spec: TableSpec) -> None:
    """Leave out the lists of plain values that stayed empty (after filling, so that the keys keep their order)."""
    for name, sub in tree.items():
        column = path + name
        value = target.get(name)
        if sub is None:
            if column in spec.values and value == []:
                del target[name]
        elif isinstance(value, dict):
            _drop_empty_values(value, sub, column + "__", spec)
        elif isinstance(value, list):
            for element in value:
                _drop_empty_values(element, sub, column + "__", spec)


def _fill(
    target: dict[str, Any],
    values: Mapping[str, Any],
    tree: Tree,
    path: str,
    spec: TableSpec,
    seen: dict[tuple[int, Any], dict[str, Any]],
) -> None:
    for name, sub in tree.items():
        column = path + name
        if sub is None:
            value = values.get(column)
            if column in spec.values:
                items = target.setdefault(name, [])
                if value is not None and value not in items:
                    items.append(value)
            elif value is not None:
                target.setdefault(name, value)
            continue
        inner = column + "__"
        if column in spec.objects:
            if _bound(values, sub, inner):
                _fill(target.setdefault(name, {}), values, sub, inner, spec, seen)
            continue
        items = target.setdefault(name, [])
        if not _bound(values, sub, inner):
            continue
        key = (id(items), _identity(values, sub, inner))
        element = seen.get(key)
        if element is None:
            element = seen[key] = {}
            items.append(element)
        _fill(element, values, sub, inner, spec, seen)
