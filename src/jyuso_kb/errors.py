"""Errors that are part of the contract: one shape (code, message, where, hint), Japanese first."""

from __future__ import annotations


class InputError(Exception):
    """Input that cannot be read: a missing file, a syntax error, a refused construct.

    The CLI exits with 2; the API answers 4xx. ``message`` is Japanese; ``where`` names the file and line.
    (A plain exception class, not a frozen dataclass: frameworks set ``__traceback__`` on exceptions they handle.)
    """

    def __init__(self, code: str, message: str, where: str = "", hint: str = "") -> None:
        super().__init__(code, message, where, hint)
        self.code = code
        self.message = message
        self.where = where
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "where": self.where, "hint": self.hint}
