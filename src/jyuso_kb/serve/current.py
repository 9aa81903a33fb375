"""The municipality and snapshot a request reads."""

from __future__ import annotations

from fastapi import Request

from jyuso_kb.serve.snapshot import Snapshot
from jyuso_kb.serve.tenants import Tenant


def tenant_of(request: Request) -> Tenant:
    """The municipality this request is for: the one its path names, else the default (the Guard pins it)."""
    pinned = request.scope.get("state", {}).get("tenant")
    tenant: Tenant = pinned if pinned is not None else request.app.state.tenants.default
    return tenant


def snapshot_of(request: Request) -> Snapshot:
    """The snapshot this request started with (the Guard pins it), so a swap mid-request cannot mix revisions."""
    pinned = request.scope.get("state", {}).get("snapshot")
    snap: Snapshot | None = pinned if pinned is not None else tenant_of(request).snapshot
    assert snap is not None, "the Guard answers 503 (plan_loading) before an endpoint runs without its snapshot"
    return snap


def is_scoped(request: Request) -> bool:
    """True when the path named the municipality (``/v1/municipalities/{code}/…``)."""
    return bool(request.scope.get("state", {}).get("scoped"))
