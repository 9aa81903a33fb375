"""The jobs run in a bounded child over uploaded or stored plans (see ``serve/bounded.py``): validate, publish, diff,
and the trial load before a stored revision becomes active. Each takes the scratch folder it may write in and
returns plain, picklable values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rdflib import Graph

from jyuso_kb.check.located import in_workbook
from jyuso_kb.check.validation import validate
from jyuso_kb.errors import InputError
from jyuso_kb.formats.diff import render_text, semantic_diff
from jyuso_kb.plan.municipalities import municipality_of
from jyuso_kb.plan.source import PlanSource
from jyuso_kb.serve.snapshot import Snapshot, build_snapshot
from jyuso_kb.serve.uploads import parse_with_locations, precheck
from jyuso_kb.store.revisions import Store, canonical, content_id


def _report(body: bytes, kind: str, snap: Snapshot, scratch: Path) -> tuple[dict[str, Any], Graph, bytes]:
    precheck(body, kind)
    uploaded, index = parse_with_locations(body, kind, scratch)
    payload = canonical(uploaded)
    revision = PlanSource(snap.plan.vocabulary, uploaded, "upload")
    result = in_workbook(validate(revision), [index] if index is not None else [])
    report = {
        "conforms": result.conforms,
        "findings": [f.as_dict() for f in result.report.findings],
        "checks": [r.as_dict() for r in result.failed_checks],
        "revision": content_id(payload)[0],
        "municipality": _municipality(uploaded),
        "active_revision": snap.revision,
        "diff": semantic_diff(snap.plan.data, uploaded, snap.plan.vocabulary),
    }
    return report, uploaded, payload


def validate_job(body: bytes, kind: str, snap: Snapshot, scratch: Path) -> dict[str, Any]:
    """The Japanese SHACL report, failed checks and the diff to the active plan."""
    return _report(body, kind, snap, scratch)[0]


def publish_job(body: bytes, kind: str, snap: Snapshot, scratch: Path) -> tuple[dict[str, Any], bytes | None]:
    """The report and, when the plan conforms, its canonical N-Triples: the snapshot the swap will build from it is
    built here once first, so that the server's own build of it is known to finish within the limits."""
    report, uploaded, payload = _report(body, kind, snap, scratch)
    if not report["conforms"]:
        return report, None
    build_snapshot(PlanSource(snap.plan.vocabulary, uploaded, "upload"), report["revision"])
    return report, payload


def diff_job(body: bytes, kind: str, snap: Snapshot, scratch: Path) -> dict[str, Any]:
    """The diff from the active plan to an uploaded one."""
    precheck(body, kind)
    uploaded, _ = parse_with_locations(body, kind, scratch)
    return _with_text(semantic_diff(snap.plan.data, uploaded, snap.plan.vocabulary))


def stored_diff_job(
    store: Store | None, old: str | None, new: str | None, snap: Snapshot, scratch: Path
) -> dict[str, Any]:
    """The diff between two stored revisions (``None`` is the active plan), in the child."""
    return stored_diff(store, old, new, snap)


def stored_diff(store: Store | None, old: str | None, new: str | None, snap: Snapshot) -> dict[str, Any]:
    """The diff between two stored revisions (``None`` is the active plan): stored plans are ones the service
    validated and published, so this also runs in the server's own change-feed thread (GET /v1/changes)."""
    graphs = [snap.plan.data if ident is None else _stored(store, ident) for ident in (old, new)]
    return _with_text(semantic_diff(graphs[0], graphs[1], snap.plan.vocabulary))


def trial_load_job(store: Store, ident: str, snap: Snapshot, scratch: Path) -> None:
    """Load a stored revision and build its snapshot once, to know the server's own load finishes in bounds."""
    build_snapshot(PlanSource(snap.plan.vocabulary, store.data(ident), f"revision {ident}"), ident)


def _municipality(data: Graph) -> dict[str, str]:
    """Whose plan was sent: its code and name ("" when it names no municipality, or several)."""
    try:
        return municipality_of(data).as_dict()
    except InputError:
        return {"code": "", "name": "", "name_en": "", "prefecture": ""}


def _stored(store: Store | None, ident: str) -> Graph:
    assert store is not None
    return store.data(ident)


def _with_text(result: dict[str, Any]) -> dict[str, Any]:
    return {**result, "text": render_text(result)}
