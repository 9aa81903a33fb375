"""Service settings, read from the environment when the app is created (never at import)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from jyuso_kb.serve.bounded import MIB, Limits
from jyuso_kb.serve.sparql_pool import SparqlLimits
from jyuso_kb.serve.uploads import MAX_BODY


@dataclass(frozen=True)
class Settings:
    """Read from the environment when the app is created (never at import)."""

    data: tuple[Path, ...] = ()  # each one municipality's plan, or a folder of such plans (none: the embedded plan)
    default_municipality: str = ""  # the code the unscoped paths answer for (none: the first plan)
    sparql_workers: int = 2
    sparql_timeout: float = 5.0
    sparql_row_cap: int = 10_000
    sparql_byte_cap: int = 16 * MIB  # bytes of one SPARQL result; past it, rows are left off and flagged
    sparql_memory: int = 512 * MIB  # address space one SPARQL worker may add to the server's
    max_body: int = MAX_BODY
    store: Path | None = None
    national_store: Path | None = None  # an Oxigraph store of every served plan (/v1/sparql then asks them all)
    resident_plans: int = 32  # with the national store: snapshots kept in memory (≈30 MB each), the rest on disk
    plan_wait: float = 1.0  # seconds a request waits for its municipality's plan to load before 503 plan_loading
    tokens_file: Path | None = None
    store_poll: float = 1.0  # seconds between looks at the store's active revision (other processes publish too)
    upload_workers: int = 2  # uploads (validate, publish, diff, activation) processed at once
    upload_queue: int = 4  # uploads waiting for a turn; more get 503 at once
    upload_wait: float = 5.0  # seconds an upload may wait for a turn before 503
    upload_timeout: float = 30.0  # wall time of one upload's work (the real plan takes ≈12 s on an idle 2-core machine)
    upload_memory: int = 640 * MIB  # address space one upload's child may add to the server's

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ.get
        data = env("JYUSO_KB_DATA", "")
        store = env("JYUSO_KB_STORE", "")
        tokens = env("JYUSO_KB_TOKENS_FILE", "")
        national = env("JYUSO_KB_NATIONAL_STORE", "")
        return cls(
            store=Path(store) if store else None,
            national_store=Path(national) if national else None,
            tokens_file=Path(tokens) if tokens else None,
            data=tuple(Path(p) for p in data.split(os.pathsep) if p),
            default_municipality=env("JYUSO_KB_DEFAULT_MUNICIPALITY", "").strip(),
            sparql_workers=int(env("JYUSO_KB_SPARQL_WORKERS", "2")),
            sparql_timeout=float(env("JYUSO_KB_SPARQL_TIMEOUT", "5")),
            sparql_row_cap=int(env("JYUSO_KB_SPARQL_ROW_CAP", "10000")),
            sparql_byte_cap=int(env("JYUSO_KB_SPARQL_BYTE_CAP", str(16 * MIB))),
            sparql_memory=int(env("JYUSO_KB_SPARQL_MEMORY_MIB", "512")) * MIB,
            max_body=int(env("JYUSO_KB_MAX_BODY", str(MAX_BODY))),
            store_poll=float(env("JYUSO_KB_STORE_POLL", "1")),
            resident_plans=int(env("JYUSO_KB_RESIDENT_PLANS", "32")),
            plan_wait=float(env("JYUSO_KB_PLAN_WAIT", "1")),
            upload_workers=int(env("JYUSO_KB_UPLOAD_WORKERS", "2")),
            upload_queue=int(env("JYUSO_KB_UPLOAD_QUEUE", "4")),
            upload_wait=float(env("JYUSO_KB_UPLOAD_WAIT", "5")),
            upload_timeout=float(env("JYUSO_KB_UPLOAD_TIMEOUT", "30")),
            upload_memory=int(env("JYUSO_KB_UPLOAD_MEMORY_MIB", "640")) * MIB,
        )

    def upload_limits(self) -> Limits:
        return Limits(self.upload_workers, self.upload_queue, self.upload_wait, self.upload_timeout, self.upload_memory)

    def build_limits(self) -> Limits:
        """Building a municipality's snapshot on its first request (one at a time; the uploads' time and memory)."""
        return Limits(1, 4096, 3600.0, self.upload_timeout, self.upload_memory)

    def sparql_limits(self) -> SparqlLimits:
        return SparqlLimits(
            self.sparql_workers, self.sparql_timeout, self.sparql_row_cap, self.sparql_byte_cap, self.sparql_memory
        )
