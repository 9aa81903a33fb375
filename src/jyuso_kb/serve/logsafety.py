"""What the server's log may hold: never household data, so never an exception's text or traceback, and no text
that could forge a line or a field (:func:`printable`)."""

from __future__ import annotations

import logging
import unicodedata
from typing import Any

# Characters a log line must not hold as they are: controls (C0, DEL, C1), line and paragraph separators, format
# characters (bidi overrides, zero-width), surrogates, unassigned code points and spaces of every kind (the access
# line separates its fields by spaces).
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Cn", "Zl", "Zp", "Zs"})


def printable(text: str) -> str:
    r"""``text`` for one field of one log line: a backslash becomes ``\\``, and every control, separator, format
    character or space becomes ``\xNN``, ``\uNNNN`` or ``\UNNNNNNNN`` (lower-case hex), so that the line cannot
    be split or faked and every escape reads back unambiguously; everything else (Japanese included) is kept."""
    if text.isascii() and text.isprintable() and " " not in text and "\\" not in text:
        return text  # the usual path: nothing to escape
    return "".join(_escape(ch) for ch in text)


def _escape(ch: str) -> str:
    if ch == "\\":
        return "\\\\"
    if unicodedata.category(ch) not in _ESCAPED_CATEGORIES:
        return ch
    code = ord(ch)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _rewrite(record: logging.LogRecord, message: str) -> None:
    """The record with ``message`` as its whole text: no arguments, exception or stack left to format."""
    record.msg = message
    record.args = ()
    record.exc_info = None
    record.exc_text = None
    record.stack_info = None


class WithoutExceptionDetail(logging.Filter):
    """Keeps the record but drops its exception's message and traceback, naming only the exception's type.

    An exception raised while answering a household request can quote the request (a need, a question), and uvicorn
    logs every unhandled exception with its traceback ("Exception in ASGI application"). The client already got the
    500 error shape; the log keeps when and what kind of failure.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info:
            kind = record.exc_info[0].__name__ if record.exc_info[0] is not None else "unknown"
            _rewrite(record, f"{record.getMessage().rstrip()} ({kind}; details withheld)")
        record.stack_info = None
        return True


class WithoutMessage(logging.Filter):
    """Keeps only when, where from and how bad: the message of a library that parses the uploads (rdflib warns with
    the text of an IRI or literal it cannot read, and logs the traceback of a failed conversion)."""

    def filter(self, record: logging.LogRecord) -> bool:
        _rewrite(record, f"{record.levelname.lower()} from {record.name} (message withheld: it can quote an upload)")
        return True


# Libraries that read uploads: their warnings (one per odd IRI or literal of an upload) are dropped, their errors
# logged without their text. "py.warnings" holds Python warnings once ``logging.captureWarnings(True)`` routes them
# to logging (rdflib warns "Serializing weird numerical" with the literal).
PARSER_LOGGERS = ("rdflib", "pyshacl", "openpyxl", "py.warnings")

LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "without_exception_detail": {"()": WithoutExceptionDetail},
        "without_message": {"()": WithoutMessage},
    },
    "formatters": {"plain": {"format": "%(asctime)s %(name)s %(levelname)s %(message)s"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "stream": "ext://sys.stderr",
            "filters": ["without_exception_detail"],
        },
        "stderr_without_message": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "stream": "ext://sys.stderr",
            "filters": ["without_message"],
        },
    },
    "loggers": {
        "jyuso_kb": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        **{
            name: {"handlers": ["stderr_without_message"], "level": "ERROR", "propagate": False}
            for name in PARSER_LOGGERS
        },
    },
}
