"""The blank workbook's one filled-in fact: the municipality (全国地方公共団体コード and name) its plan belongs to.

The rows are those of any plan (``jy:Municipality`` with ``jy:localGovernmentCode``, the plan's
``jy:municipality``); their identifiers come from the mapping's ``template`` (prefix, namespace with ``{code}``).
"""

from __future__ import annotations

import re
import unicodedata

from rdflib import RDF, RDFS, Graph, Literal, Namespace

from jyuso_kb.errors import InputError
from jyuso_kb.namespaces import JY
from jyuso_kb.plan.workbook.mapping import Mapping, load_mapping

CODE_WEIGHTS = (6, 5, 4, 3, 2)  # 全国地方公共団体コード: the weights of the first five digits for the check digit
MAX_NAME = 40
_NOT_IN_A_NAME = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}  # control, format, surrogate, private, unassigned, breaks


def check_digit(first_five: str) -> int:
    """The check digit of a 全国地方公共団体コード: (11 − Σ digit × weight mod 11) mod 10."""
    total = sum(int(d) * w for d, w in zip(first_five, CODE_WEIGHTS, strict=True))
    return (11 - total % 11) % 10


def check_code(code: str, where: str = "--code") -> str:
    """The code, if it is six half-width digits whose last one is the check digit; raises InputError (exit 2)."""
    if not re.fullmatch(r"[0-9]{6}", code):
        raise InputError(
            "bad_code",
            "全国地方公共団体コードは 6 桁の半角数字で書いてください。",
            where,
            "総務省の全国地方公共団体コード(5 桁の団体コードの末尾に検査数字を付けた 6 桁)を書いてください。",
        )
    if check_digit(code[:5]) != int(code[5]):
        raise InputError(
            "bad_code",
            "全国地方公共団体コードの検査数字(6 桁目)が合いません。",
            where,
            "総務省の全国地方公共団体コードの一覧で、6 桁のコードを確かめてください。",
        )
    return code


def check_name(name: str, where: str = "--name") -> str:
    """The municipality's name without blanks at either end: 1–40 characters, no control or format characters."""
    text = name.strip()
    if not text or len(text) > MAX_NAME or any(unicodedata.category(ch) in _NOT_IN_A_NAME for ch in text):
        raise InputError(
            "bad_name",
            f"市町村名は改行や制御文字を含まない {MAX_NAME} 文字以内で書いてください。",
            where,
            "市町村の名称だけを 1 行で書いてください。",
        )
    return text


def template_graph(code: str, name: str, mapping: Mapping | None = None) -> Graph:
    """The municipality and its plan, the only facts of a blank workbook (code and name checked first)."""
    spec = (mapping or load_mapping()).template
    code, name = check_code(code), check_name(name)
    city = Namespace(spec["namespace"].format(code=code))
    graph = Graph()
    graph.bind(spec["prefix"], city)
    municipality = city[spec.get("municipality", "city")]
    graph.add((municipality, RDF.type, JY.Municipality))
    graph.add((municipality, RDFS.label, Literal(name, lang="ja")))
    graph.add((municipality, JY.localGovernmentCode, Literal(code)))
    plan = city[spec.get("plan", "plan")]
    graph.add((plan, RDF.type, JY.Plan))
    graph.add((plan, JY.municipality, municipality))
    return graph
