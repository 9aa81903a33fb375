"""The plan document's tables read from the knowledge base into a small document model.

``document(graph)`` reads a merged plan graph (vocabulary + data) into headings, paragraphs and tables in the plan's
order: the programmes of each section of chapter 4 (実施名称, 支援対象者, 事業内容, 実施方式, 委託先・実施場所, 所管課,
根拠), the meetings (目的・内容・構成員・開催時期), the schedule (one column per fiscal year) and the 庁内連携体制
matrix (○ or blank). :mod:`jyuso_kb.formats.render` writes it out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import DCTERMS, RDF, Graph, Literal
from rdflib.term import Node

from jyuso_kb.errors import InputError
from jyuso_kb.formats.views import chapter
from jyuso_kb.namespaces import JY
from jyuso_kb.plan.terms import UNORDERED, label, local_id, order_key, ordered, unknown_text, unstated

Cell = tuple[str, ...]


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Table:
    """A table; each cell is a tuple of lines. ``bullets`` marks list columns, ``centered`` the ○ columns."""

    name: str
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    bullets: tuple[bool, ...]
    centered: tuple[bool, ...]


Block = Heading | Paragraph | Table


@dataclass(frozen=True)
class Document:
    title: str
    blocks: tuple[Block, ...]

    def tables(self, name: str) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table) and b.name == name]


# ---------------------------------------------------------------------------------------------------- reading


class _Reader:
    def __init__(self, graph: Graph) -> None:
        self.g = graph

    def label(self, node: Node | None, lang: str = "ja") -> str:
        if node is None:
            return ""
        return label(self.g, node, lang) or local_id(node)

    def texts(self, node: Node, prop: Node, lang: str = "ja") -> list[str]:
        values = [v for v in self.g.objects(node, prop) if isinstance(v, Literal)]
        chosen = [v for v in values if v.language == lang] or [v for v in values if v.language is None]
        return sorted(str(v) for v in chosen)

    def value(self, node: Node, prop: Node) -> Node | None:
        return self.g.value(node, prop)

    def order(self, node: Node) -> tuple[int, str]:
        return order_key(self.g, node)

    def sorted(self, nodes: Iterable[Node]) -> list[Node]:
        return ordered(self.g, nodes)

    def objects(self, node: Node, prop: Node) -> list[Node]:
        return self.sorted(self.g.objects(node, prop))

    def labels_or_unknown(self, node: Node, prop: Node) -> tuple[str, ...]:
        """The labels of the node's values of ``prop``, or 「不明」 when the plan does not state them."""
        if unstated(self.g, node, prop):
            return (unknown_text(self.g),)
        return tuple(self.label(v) for v in self.objects(node, prop))

    def of_type(self, cls: Node) -> list[Node]:
        return self.sorted(self.g.subjects(RDF.type, cls))

    def integer(self, node: Node, prop: Node) -> int | None:
        value = self.g.value(node, prop)
        if isinstance(value, Literal) and isinstance(value.toPython(), int):
            return int(value.toPython())
        return None

    def section_number(self, section: Node) -> str:
        return str(self.g.value(section, JY.sectionNumber) or "")

    def main_section(self, node: Node) -> Node | None:
        sections = self.objects(node, JY.source)
        return sections[0] if sections else None

    def section_title(self, section: Node) -> str:
        number = self.section_number(section)
        return f"{number} {self.label(section)}".strip()

    def chapter_title(self, items: Iterable[Node], fallback: str) -> str:
        """The chapter most of the items' sections belong to, e.g. 「5. 重層的支援体制整備事業の推進体制」."""
        number = chapter(self.g, items)
        for section in self.g.subjects(JY.sectionNumber, Literal(number)) if number else ():
            return self.section_title(section)
        return fallback


# ---------------------------------------------------------------------------------------------------- Japanese dates


def fiscal_year_label(year: int) -> str:
    """R6年度 for 2024 (令和), H30年度 for 2018 (平成); other years as 西暦."""
    if year >= 2019:
        return f"R{year - 2018}年度"
    if year >= 1989:
        return f"H{year - 1988}年度"
    return f"{year}年度"


def _era_year(year: int, month: int = 12) -> str:
    if (year, month) >= (2019, 5):
        n = year - 2018
        return f"令和{'元' if n == 1 else n}年"
    if (year, month) >= (1989, 1):
        n = year - 1988
        return f"平成{'元' if n == 1 else n}年"
    return f"{year}年"


def _year_month(text: str) -> str:
    try:
        year, month = (int(part) for part in text[:7].split("-"))
    except ValueError:
        return text
    return f"{_era_year(year, month)}{month}月"


def _date(text: str) -> str:
    try:
        year, month, day = (int(part) for part in text[:10].split("-"))
    except ValueError:
        return text
    return f"{year}年{month}月{day}日"


# ---------------------------------------------------------------------------------------------------- the document


def document(graph: Graph) -> Document:
    """The plan's tables from a merged graph (vocabulary + one municipality's data)."""
    r = _Reader(graph)
    plans = r.of_type(JY.Plan)
    if len(plans) != 1:
        raise InputError(
            "not_one_plan",
            "データには計画(jy:Plan)がちょうど1つ必要です。",
            "",
            "1 つの市町村の計画のファイル(またはワークブック)だけを指定してください。",
        )
    plan = plans[0]
    title = next(iter(r.texts(plan, DCTERMS.title)), "") or r.label(plan)
    blocks: list[Block] = [Heading(1, title)]
    blocks.extend(_overview(r, plan))
    blocks.extend(_programs(r))
    blocks.extend(_meetings(r))
    blocks.extend(_schedule(r, plan))
    blocks.extend(_matrix(r))
    blocks.append(Paragraph("この文書は jyuso-kb の知識ベースから生成した。"))
    return Document(title, tuple(blocks))


def _overview(r: _Reader, plan: Node) -> list[Block]:
    lines = []
    municipality = r.value(plan, JY.municipality)
    if municipality is not None:
        lines.append(f"策定市町村: {r.label(municipality)}")
    adopted = r.value(plan, JY.adopted)
    if adopted is not None:
        lines.append(f"策定年月: {_year_month(str(adopted))}")
    start, end = r.integer(plan, JY.startFiscalYear), r.integer(plan, JY.endFiscalYear)
    if start is not None and end is not None:
        period = f"計画期間: {_era_year(start)}度～{_era_year(end)}度"
        first, last = r.value(plan, JY.periodStart), r.value(plan, JY.periodEnd)
        if first is not None and last is not None:
            period += f"({_date(str(first))}～{_date(str(last))})"
        lines.append(period)
    return [Paragraph(line) for line in lines]


PROGRAM_HEADER = ("実施名称", "支援対象者", "事業内容", "実施方式", "委託先・実施場所", "所管課", "根拠")


def _programs(r: _Reader) -> list[Block]:
    programs = r.of_type(JY.ImplementingProgram)
    if not programs:
        return []
    groups: dict[Node | None, list[Node]] = {}
    for program in programs:
        groups.setdefault(r.main_section(program), []).append(program)
    blocks: list[Block] = [Heading(2, r.chapter_title(programs, "各事業の実施体制"))]
    for section in sorted(groups, key=lambda s: r.order(s) if s is not None else (UNORDERED, "")):
        blocks.append(Heading(3, r.section_title(section) if section is not None else "その他の事業"))
        rows = tuple(_program_row(r, p) for p in groups[section])
        blocks.append(
            Table("programs", PROGRAM_HEADER, rows, (False, False, True, False, False, False, False), (False,) * 7)
        )
    return blocks


def _program_row(r: _Reader, program: Node) -> tuple[Cell, ...]:
    new = r.value(program, JY.isNew)
    name = r.label(program) + ("【新規】" if isinstance(new, Literal) and new.toPython() is True else "")
    provisions = r.objects(program, JY.implementsProvision)
    citations = tuple(str(r.value(p, JY.citation) or r.label(p)) for p in provisions)
    return (
        (name,),
        r.labels_or_unknown(program, JY.targetGroup),
        tuple(r.label(a) for a in r.objects(program, JY.activity)),
        r.labels_or_unknown(program, JY.implementationMode),
        r.labels_or_unknown(program, JY.operator),
        tuple(r.label(d) for d in r.objects(program, JY.responsibleDepartment)),
        citations,
    )


MEETING_HEADER = ("会議", "目的", "内容", "構成員", "開催時期")


def _meetings(r: _Reader) -> list[Block]:
    meetings = r.of_type(JY.Meeting)
    if not meetings:
        return []
    rows = []
    for meeting in meetings:
        members = tuple(r.label(m) for m in r.objects(meeting, JY.hasMember))
        if not members:
            members = tuple(r.texts(meeting, JY.memberDescription))
        if not members:
            members = tuple(f"{r.label(m)}の構成員" for m in r.objects(meeting, JY.membersFrom))
        name = (r.label(meeting), *(f"(移行準備期間の名称: {t})" for t in r.texts(meeting, JY.transitionalLabel)))
        rows.append(
            (
                name,
                tuple(r.texts(meeting, JY.purpose)),
                tuple(r.texts(meeting, JY.content)),
                members,
                r.labels_or_unknown(meeting, JY.frequency),
            )
        )
    return [
        Heading(2, r.chapter_title(meetings, "推進体制")),
        Table("meetings", MEETING_HEADER, tuple(rows), (False, False, True, False, False), (False,) * 5),
    ]


def _schedule(r: _Reader, plan: Node) -> list[Block]:
    rows = r.of_type(JY.ScheduleRow)
    if not rows:
        return []
    entries = {row: r.objects(row, JY.entry) for row in rows}
    years = {y for es in entries.values() for e in es if (y := r.integer(e, JY.fiscalYear)) is not None}
    start, end = r.integer(plan, JY.startFiscalYear), r.integer(plan, JY.endFiscalYear)
    if start is not None and end is not None and start <= end:
        years |= set(range(start, end + 1))
    ordered = sorted(years)
    header = ("事業・取組", "主な取組", *(fiscal_year_label(y) for y in ordered))
    body = []
    for row in rows:
        cells: list[Cell] = [(r.label(row),), tuple(r.texts(row, JY.mainActivity))]
        for year in ordered:
            statuses = [
                r.label(s) for e in entries[row] if r.integer(e, JY.fiscalYear) == year for s in r.objects(e, JY.status)
            ]
            cells.append(tuple(statuses))
        body.append(tuple(cells))
    width = len(header)
    return [
        Heading(2, r.chapter_title(rows, "今後のスケジュール")),
        Table("schedule", header, tuple(body), (False, True, *(False,) * (width - 2)), (False,) * width),
    ]


def _matrix(r: _Reader) -> list[Block]:
    cells = r.of_type(JY.CollaborationCell)
    if not cells:
        return []
    functions = r.sorted(f for c in cells for f in r.g.objects(c, JY.collaborationFunction))
    departments = r.sorted(
        [d for c in cells for d in r.g.objects(c, JY.department)]
        + [d for duty in r.of_type(JY.Duty) for d in r.g.objects(duty, JY.dutyOf)]
    )
    marks: dict[tuple[Node, Node], bool] = {}
    for cell in cells:
        department, function = r.value(cell, JY.department), r.value(cell, JY.collaborationFunction)
        participates = r.value(cell, JY.participates)
        if department is not None and function is not None:
            marks[(department, function)] = isinstance(participates, Literal) and participates.toPython() is True
    header = (
        "担当課",
        "関連する事業・業務・相談等",
        *(f"{r.value(f, JY.number) or ''} {r.label(f)}".strip() for f in functions),
    )
    rows = []
    for department in departments:
        duties = r.sorted(r.g.subjects(JY.dutyOf, department))
        rows.append(
            (
                (r.label(department),),
                tuple(r.label(d) for d in duties),
                *(("○",) if marks.get((department, f)) else () for f in functions),
            )
        )
    width = len(header)
    return [
        Heading(2, r.chapter_title(cells, "庁内連携体制")),
        Table("matrix", header, tuple(rows), (False,) * width, (False, False, *(True,) * (width - 2))),
    ]
