"""Errors as text for a terminal: the message, and for positioned errors the line and a caret."""

from __future__ import annotations

from vsql.engine.errors import VsqlError

__all__ = ["format_error"]


def format_error(error: VsqlError, *, source: str | None = None) -> str:
    """The error as lines of text.

    Args:
        error: any vsql error.
        source: the statement it refers to; when the error has a line and column, that line is
            shown with a caret under the column.
    """
    lines = [f"error: {error}"]
    if source is None or error.line is None:
        return "\n".join(lines)
    source_lines = source.splitlines()
    if 1 <= error.line <= len(source_lines):
        text = source_lines[error.line - 1].expandtabs(1)
        column = max(1, error.col or 1)
        lines += [f"  {text}", "  " + " " * (column - 1) + "^"]
    return "\n".join(lines)
