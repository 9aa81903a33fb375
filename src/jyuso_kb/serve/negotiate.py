"""Content negotiation: the offered media type the client's Accept header prefers."""

from __future__ import annotations

CATALOG_TYPES = {"application/json": "json", "application/ld+json": "jsonld", "text/turtle": "ttl", "text/csv": "csv"}


def negotiate(accept: str, offered: dict[str, str]) -> str | None:
    """The first offered type in the client's Accept order (q-values respected; */* means the first offer)."""
    choices = []
    for position, part in enumerate(accept.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media, q = pieces[0].lower(), 1.0
        for param in pieces[1:]:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        choices.append((-q, position, media))
    for _, _, media in sorted(choices):
        if media in offered:
            return offered[media]
        if media in ("*/*", "application/*") and offered:
            return next(iter(offered.values()))
    return None
