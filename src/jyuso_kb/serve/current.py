"""The snapshot a request reads."""

from __future__ import annotations

from fastapi import Request

from jyuso_kb.serve.snapshot import Snapshot


def snapshot_of(request: Request) -> Snapshot:
    """The snapshot this request started with (the Guard pins it), so a swap mid-request cannot mix revisions."""
    pinned = request.scope.get("state", {}).get("snapshot")
    snap: Snapshot = pinned if pinned is not None else request.app.state.snapshot
    return snap
