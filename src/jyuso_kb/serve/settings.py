"""Service settings, read from the environment when the app is created (never at import)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from jyuso_kb.serve.uploads import MAX_BODY


@dataclass(frozen=True)
class Settings:
    """Read from the environment when the app is created (never at import)."""

    data: tuple[Path, ...] = ()
    sparql_workers: int = 2
    sparql_timeout: float = 5.0
    sparql_row_cap: int = 10_000
    max_body: int = MAX_BODY
    store: Path | None = None
    tokens_file: Path | None = None
    store_poll: float = 1.0  # seconds between looks at the store's active revision (other processes publish too)

    @classmethod
    def from_env(cls) -> Settings:
        data = os.environ.get("JYUSO_KB_DATA", "")
        store = os.environ.get("JYUSO_KB_STORE", "")
        tokens = os.environ.get("JYUSO_KB_TOKENS_FILE", "")
        return cls(
            store=Path(store) if store else None,
            tokens_file=Path(tokens) if tokens else None,
            data=tuple(Path(p) for p in data.split(os.pathsep) if p),
            sparql_workers=int(os.environ.get("JYUSO_KB_SPARQL_WORKERS", "2")),
            sparql_timeout=float(os.environ.get("JYUSO_KB_SPARQL_TIMEOUT", "5")),
            sparql_row_cap=int(os.environ.get("JYUSO_KB_SPARQL_ROW_CAP", "10000")),
            max_body=int(os.environ.get("JYUSO_KB_MAX_BODY", str(MAX_BODY))),
            store_poll=float(os.environ.get("JYUSO_KB_STORE_POLL", "1")),
        )
