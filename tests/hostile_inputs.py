"""Hostile uploads, one builder per class found by probing the service (the bounded-uploads tests and
``bench/bench_hostile.py`` use them). Each returns (body, content type); sizes are parameters, not tuned to a file."""

from __future__ import annotations

import io
import json
import zipfile

TURTLE = "text/turtle"
JSONLD = "application/ld+json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def symmetric_blank_nodes(cycles: int = 6, length: int = 6) -> tuple[bytes, str]:
    """``cycles`` disjoint cycles of ``length`` blank nodes on one predicate: every node looks like every other, so
    canonical relabelling (RGDA1) has to try their permutations. A few hundred bytes."""
    lines = ["@prefix e: <urn:e:> ."]
    for c in range(cycles):
        lines += [f"_:c{c}n{i} e:p _:c{c}n{(i + 1) % length} ." for i in range(length)]
    return "\n".join(lines).encode(), TURTLE


def long_collection(mib: float = 1) -> tuple[bytes, str]:
    """One statement whose object is a Turtle collection ( 1 1 1 … ): two triples per item."""
    items = " ".join(["1"] * int(mib * 1024 * 1024 / 2))
    return f"@prefix e: <urn:e:> . e:s e:p ( {items} ) .".encode(), TURTLE


def workbook_bomb(unpacked_mib: int = 90) -> tuple[bytes, str]:
    """A real .xlsx (openpyxl) whose one sheet is replaced by ``unpacked_mib`` MiB of rows: a small file."""
    from openpyxl import Workbook

    plain = io.BytesIO()
    book = Workbook()
    book.active.title = "programs"
    book.save(plain)
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    sheet = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    sheet += row * (unpacked_mib * 1024 * 1024 // len(row)) + b"</sheetData></worksheet>"
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for member in source.infolist():
            data = sheet if member.filename == "xl/worksheets/sheet1.xml" else source.read(member)
            bomb.writestr(member.filename, data)
    return out.getvalue(), XLSX


def scoped_contexts(terms: int = 8000, nodes: int = 6000) -> tuple[bytes, str]:
    """JSON-LD with one term whose scoped context defines ``terms`` terms, used by ``nodes`` nodes: the scoped
    context is processed again for every use (two ``@context`` keys in all)."""
    scoped = {f"t{i}": f"urn:t{i}" for i in range(terms)}
    context = {"s": {"@id": "urn:s", "@context": scoped}}
    graph = [{"@id": f"urn:n{i}", "s": {"@id": f"urn:m{i}"}} for i in range(nodes)]
    return json.dumps({"@context": context, "@graph": graph}).encode(), JSONLD


def deep_jsonld(depth: int = 400) -> tuple[bytes, str]:
    """JSON-LD nodes nested ``depth`` deep."""
    text = '{"@id": "urn:x", "urn:p": ' * depth + '{"@id": "urn:leaf"}' + "}" * depth
    return text.encode(), JSONLD


def deep_json(depth: int = 5000) -> bytes:
    """Plain JSON arrays nested ``depth`` deep."""
    return b"[" * depth + b"]" * depth


def deep_turtle(depth: int = 300) -> tuple[bytes, str]:
    """Blank nodes [ … ] nested ``depth`` deep."""
    return ("@prefix e: <urn:e:> . e:s e:p " + "[ e:p " * depth + "1" + " ]" * depth + " .").encode(), TURTLE


def many_literals(mib: float = 9.5) -> tuple[bytes, str]:
    """Within every precheck: about ``mib`` MiB of short distinct literals on one subject each (≈ 200,000 triples
    at 9.5 MiB), the most a parser and SHACL can be made to hold."""
    lines = ["@prefix e: <urn:e:> ."]
    size, i = 0, 0
    while size < mib * 1024 * 1024:
        line = f'e:s{i} e:p "{i:032d}" .'
        lines.append(line)
        size += len(line) + 1
        i += 1
    return "\n".join(lines[:199_000]).encode(), TURTLE
