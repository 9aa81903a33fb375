"""What the server's log may hold: never household data, so never an exception's text or traceback."""

from __future__ import annotations

import logging
from typing import Any


class WithoutExceptionDetail(logging.Filter):
    """Keeps the record but drops its exception's message and traceback, naming only the exception's type.

    An exception raised while answering a household request can quote the request (a need, a question), and uvicorn
    logs every unhandled exception with its traceback ("Exception in ASGI application"). The client already got the
    500 error shape; the log keeps when and what kind of failure.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info:
            kind = record.exc_info[0].__name__ if record.exc_info[0] is not None else "unknown"
            record.msg = f"{record.getMessage().rstrip()} ({kind}; details withheld)"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        record.stack_info = None
        return True


LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"without_exception_detail": {"()": WithoutExceptionDetail}},
    "formatters": {"plain": {"format": "%(asctime)s %(name)s %(levelname)s %(message)s"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "stream": "ext://sys.stderr",
            "filters": ["without_exception_detail"],
        }
    },
    "loggers": {
        "jyuso_kb": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
    },
}
