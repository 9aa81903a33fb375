"""SPARQL parsing in one place, one parse at a time: rdflib's parser (pyparsing's packrat cache) is not
thread-safe, and the service parses an export's queries on the first request for it, in a request thread."""

from __future__ import annotations

import os
import threading

from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query

_lock = threading.Lock()


def _after_fork() -> None:
    """A forked child starts with a free lock (a thread of the parent may have held it at the fork)."""
    global _lock
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork)


def prepare(text: str) -> Query:
    """The query parsed and translated to algebra (``pyparsing.ParseException`` when it is not SPARQL)."""
    with _lock:
        return prepareQuery(text)
