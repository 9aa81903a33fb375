"""The comment header of a SPARQL file in rules/ or checks/: leading ``# key: value`` lines."""

from __future__ import annotations


def read_headers(text: str) -> dict[str, str]:
    """``{"id": "…", "intent": "…", …}`` from the comment lines before the query (the first value of a key wins)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        key, sep, value = line.lstrip("# ").partition(":")
        if sep:
            out.setdefault(key.strip(), value.strip())
    return out
