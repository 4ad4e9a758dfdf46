"""The engine's error tree: every error a query can raise before or while it runs.

Bad records are not errors: they travel as dead-letter rows with a reason.
"""

from __future__ import annotations

__all__ = ["ExecutionError", "PlanError", "SqlSyntaxError", "UnsupportedError", "VsqlError"]


class VsqlError(Exception):
    """Root of every error vsql raises on purpose.

    Args:
        message: what went wrong, written for the user.
        line: 1-based line in the statement, when the error has a position.
        col: 1-based column in the statement, when the error has a position.
    """

    def __init__(self, message: str, *, line: int | None = None, col: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return f"{self.message} (line {self.line}, column {self.col})"


class SqlSyntaxError(VsqlError):
    """The statement does not parse.

    Args:
        message: what went wrong.
        line: 1-based line of the offending token.
        col: 1-based column of the offending token.
        expected: what the parser expected there, when it knows.
        highlight: the offending text.
    """

    def __init__(
        self,
        message: str,
        *,
        line: int | None,
        col: int | None,
        expected: str | None = None,
        highlight: str | None = None,
    ) -> None:
        super().__init__(message, line=line, col=col)
        self.expected = expected
        self.highlight = highlight


class PlanError(VsqlError):
    """The statement parses but cannot run: unknown names, misuse, bad settings."""


class UnsupportedError(PlanError):
    """The statement asks for something vsql does not implement."""


class ExecutionError(VsqlError):
    """A running query failed for a reason other than bad records."""
