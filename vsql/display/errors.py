"""Errors as text for a terminal: the message, and for positioned errors the line and a caret."""

from __future__ import annotations

from vsql.engine.errors import VsqlError

__all__ = ["format_error"]


def format_error(
    error: VsqlError, *, source: str | None = None, origin: str | None = None, start: tuple[int, int] = (1, 1)
) -> str:
    """The error as lines of text.

    Args:
        error: any vsql error; its line and column count within its statement.
        source: the text the statement is in (the statement itself, or its whole script); when
            the error has a line and column, that line is shown with a caret under the column.
        origin: the file ``source`` comes from, named with the position.
        start: the line and column of ``source`` where the statement starts (1-based), so the
            position is given in ``source``'s lines.
    """
    if error.line is None:
        return f"error: {error}"
    line = start[0] + error.line - 1
    col = (error.col or 1) + (start[1] - 1 if error.line == 1 else 0)
    where = f"line {line}, column {col}" if origin is None else f"{origin}, line {line}, column {col}"
    lines = [f"error: {error.message} ({where})"]
    source_lines = [] if source is None else source.splitlines()
    if 1 <= line <= len(source_lines):
        text = source_lines[line - 1].expandtabs(1)
        lines += [f"  {text}", "  " + " " * (max(1, col) - 1) + "^"]
    return "\n".join(lines)
