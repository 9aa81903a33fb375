"""The service state: one immutable snapshot of a plan, built once at load and swapped as a whole.

load → reason → index → views/exports; each request reads the snapshot reference once.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime, formatdate
from functools import cached_property
from typing import Any

from rdflib import Graph

from jyuso_kb.formats import catalog, export, standards, views
from jyuso_kb.formats.sections import rule_summaries
from jyuso_kb.formats.workbook import export_tables, write_xlsx
from jyuso_kb.index import routing as routing_index
from jyuso_kb.index.routing import RoutingIndex
from jyuso_kb.plan.municipalities import Municipality, municipality_of, plan_summary
from jyuso_kb.plan.source import PlanSource
from jyuso_kb.store.changes import Change, last_changes, provenance
from jyuso_kb.store.revisions import Store, canonical, content_id

JAPAN = timezone(timedelta(hours=9))


@dataclass(frozen=True)
class Snapshot:
    plan: PlanSource
    municipality: Municipality
    summary: dict[str, Any]  # the plan's title, adoption and period (GET /v1/municipalities)
    merged: Graph
    index: RoutingIndex
    revision: str
    adopted: str
    programs: tuple[dict[str, Any], ...]
    departments: tuple[dict[str, Any], ...]
    meetings: tuple[dict[str, Any], ...]
    matrix: dict[str, Any]
    schedule: dict[str, Any]
    legal_items: tuple[dict[str, Any], ...]
    needs: tuple[dict[str, Any], ...]
    chapters: dict[str, str]  # the plan chapter each catalog list comes from ("programs" → "4." …)
    rules: tuple[dict[str, Any], ...]  # the routing rules, each with the section of this plan it cites
    turtle: bytes
    jsonld: bytes
    csv: bytes
    served_since: str  # when the revision was published, else when this snapshot was built (HTTP date: Last-Modified)
    provenance: Graph  # in which stored revision each item last changed (jy:lastChangedRevision/At), for the exports

    # standards' exports, built when first asked, by (name, day in Japan)
    exports: dict[tuple[str, str], bytes] = field(default_factory=dict, compare=False)

    # GET /v1/changes answers (the diff since a stored revision, as JSON bytes), built when first asked, by revision
    changes_since: dict[str, bytes] = field(default_factory=dict, compare=False)

    def cached_export(self, name: str) -> bytes | None:
        return self.exports.get((name, _japan_day()))

    def export(self, name: str) -> bytes:
        """The plan in a public-service standard's terms (``exports/<name>``), built once per snapshot and day when
        first asked: about 0.5 s, which would otherwise add to every start. An export may say what operates today
        (HSDS ``status``), so a new day in Japan builds it again and forgets the older days."""
        key = (name, _japan_day())
        if key not in self.exports:
            body = standards.render(self.with_history, name)
            for old in [k for k in self.exports if k[1] != key[1]]:
                self.exports.pop(old, None)
            self.exports[key] = body
        return self.exports[key]

    @cached_property
    def with_history(self) -> Graph:
        """The merged graph with the revision history's dates, which the exports read (built when first asked)."""
        return self.merged + self.provenance

    @cached_property
    def workbook(self) -> bytes:
        """The plan as a workbook (.xlsx, the sheets of ``jyuso-kb workbook export``; it imports as this plan again),
        built when first asked (about 2 s, in the workbook thread) and kept with the snapshot."""
        buffer = io.BytesIO()
        write_xlsx(export_tables(self.plan.data, self.merged), buffer)
        return buffer.getvalue()

    @cached_property
    def minted(self) -> Graph:
        """What the exports say of the IRIs they mint (areas, participations, contracts, channels, the DCAT record),
        for those IRIs to dereference (built when first asked, in the exports thread: about 1 s)."""
        return standards.minted(self.with_history)

    def dataset(self, base: str | None) -> Graph:
        """The DCAT record of this plan (``exports/dcat.rq``) with links under ``base``, the service's URL (the
        permanent w3id.org URLs when None); about 30 ms."""
        return standards.standard("dcat").graph(self.with_history, base)

    def listing(self) -> dict[str, Any]:
        """This municipality in ``GET /v1/municipalities``."""
        return {**self.municipality.as_dict(), **self.summary, "revision": self.revision}

    def program(self, ident: str) -> dict[str, Any] | None:
        return next((p for p in self.programs if p["id"] == ident), None)

    def department(self, ident: str) -> dict[str, Any] | None:
        return next((d for d in self.departments if d["id"] == ident), None)

    def meeting(self, ident: str) -> dict[str, Any] | None:
        return next((m for m in self.meetings if m["id"] == ident), None)


def revision_of(data: Graph) -> str:
    """Content hash of the plan data (sorted N-Triples): the same data gives the same revision id."""
    return content_id(canonical(data))[0]


def build_snapshot(plan: PlanSource, revision: str | None = None, store: Store | None = None) -> Snapshot:
    """The snapshot of a plan; ``revision`` is its id when known already (a stored revision's id is its content
    hash), which spares relabelling its blank nodes again. With the ``store`` it came from, each programme,
    department and meeting says in which revision it last changed, and Last-Modified is when it was published."""
    merged = plan.merged()
    index = routing_index.index_of(merged)  # the merged graph is built once, not again for the index
    changes = last_changes(store, revision) if store is not None and revision is not None else {}
    stored = store.get(revision) if store is not None and revision is not None else None

    def dated(items: list[dict[str, Any]]) -> tuple[dict[str, Any], ...]:
        return tuple({**item, "last_changed": _change(changes, item["iri"])} for item in items)

    programs = dated(catalog.programs(merged))
    return Snapshot(
        plan=plan,
        municipality=municipality_of(plan.data, plan.origin),
        summary=plan_summary(merged),
        merged=merged,
        index=index,
        revision=revision or revision_of(plan.data),
        adopted=index.plan_revision,
        programs=programs,
        departments=dated(views.departments(merged)),
        meetings=dated(views.meetings(merged)),
        matrix=views.matrix(merged),
        schedule=views.schedule(merged),
        legal_items=tuple(views.legal_items(merged)),
        needs=tuple(views.needs(merged)),
        chapters=views.chapters(merged),
        rules=rule_summaries(merged),
        turtle=export.to_turtle(plan.data).encode(),
        jsonld=export.to_jsonld(plan.data).encode(),
        csv=export.to_csv(merged, programs).encode(),
        served_since=_http_date(stored.time) if stored is not None else formatdate(usegmt=True),
        provenance=provenance(changes),
    )


def _change(changes: dict[str, Change], iri: str) -> dict[str, Any] | None:
    change = changes.get(iri)
    return change.as_dict() if change is not None else None


def _japan_day() -> str:
    return datetime.now(JAPAN).date().isoformat()


def _http_date(iso: str) -> str:
    return format_datetime(datetime.fromisoformat(iso).astimezone(UTC), usegmt=True)
