"""Who may publish: bearer tokens from configuration (a JSON file of SHA-256 hashes), never from code.

File format (path in JYUSO_KB_TOKENS_FILE)::

    {"tokens": [{"name": "政策担当 山田", "role": "policy", "sha256": "<hex of the token>"},
                {"name": "政策担当 田中", "role": "policy", "sha256": "<hex>", "municipalities": ["<code>"]},
                {"name": "窓口 佐藤", "role": "staff", "sha256": "<hex>"}]}

``municipalities`` limits a token to the municipalities of these 全国地方公共団体コード (without it: every one).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Principal:
    name: str
    role: str
    municipalities: tuple[str, ...] = ()  # the codes it may act for; empty: every municipality

    def allows(self, code: str) -> bool:
        return not self.municipalities or code in self.municipalities


@dataclass(frozen=True)
class Tokens:
    entries: tuple[tuple[str, Principal], ...] = ()

    @classmethod
    def load(cls, path: Path | None) -> Tokens:
        if path is None or not path.is_file():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = []
        for item in data.get("tokens", []):
            digest = str(item.get("sha256", "")).lower()
            if len(digest) == 64:
                limited = item.get("municipalities") or []
                codes = tuple(str(c) for c in limited) if isinstance(limited, list) else (str(limited),)
                entries.append((digest, Principal(str(item.get("name", "")), str(item.get("role", "")), codes)))
        return cls(tuple(entries))

    def identify(self, authorization: str | None) -> Principal | None:
        """The principal for an ``Authorization: Bearer <token>`` header, or None."""
        if not authorization or not authorization.lower().startswith("bearer "):
            return None
        digest = hashlib.sha256(authorization[7:].strip().encode()).hexdigest()
        found = None
        for known, principal in self.entries:
            if hmac.compare_digest(known, digest):
                found = principal
        return found
