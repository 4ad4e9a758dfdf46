"""Script text: splitting at top-level semicolons, and finding unterminated quotes or comments.

The scanner knows single-quoted strings (``''`` escapes a quote), double-quoted and backquoted
identifiers, ``--`` line comments and ``/* */`` block comments.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

__all__ = ["ScriptStatement", "find_unterminated", "script_statements", "split_statements"]

_QUOTES = ("'", '"', "`")


class ScriptStatement(NamedTuple):
    """One statement of a script and where it starts in the script (1-based line and column)."""

    text: str
    line: int
    col: int


def split_statements(text: str) -> list[str]:
    """Split a script into statements at semicolons outside quotes and comments.

    Args:
        text: the script.

    Returns:
        The statements, stripped, without their semicolons; blank ones and ones holding only
        comments are left out.
    """
    return [statement.text for statement in script_statements(text)]


def script_statements(text: str) -> list[ScriptStatement]:
    """The statements of a script (as ``split_statements``) with where each starts in it, so an
    error's position in a statement can be given in the script's lines."""
    pieces: list[tuple[int, str]] = []
    start = 0
    for offset, token in _scan(text):
        if token == ";":
            pieces.append((start, text[start:offset]))
            start = offset + 1
    pieces.append((start, text[start:]))
    located = []
    for start, piece in pieces:
        if not _has_code(piece):
            continue
        first = start + len(piece) - len(piece.lstrip())
        line = text.count("\n", 0, first) + 1
        col = first - (text.rfind("\n", 0, first) + 1) + 1
        located.append(ScriptStatement(piece.strip(), line, col))
    return located


def find_unterminated(text: str) -> tuple[int, str] | None:
    """Where an unterminated quote or block comment starts, and its closing delimiter; else None."""
    for offset, token in _scan(text):
        if token.startswith("!"):
            return offset, token[1:]
    return None


def _has_code(statement: str) -> bool:
    return bool(_strip_comments(statement).strip())


def _strip_comments(statement: str) -> str:
    pieces: list[str] = []
    position = 0
    for offset, token in _scan(statement):
        if token in ("--", "/*"):
            pieces.append(statement[position:offset])
            end = statement.find("\n" if token == "--" else "*/", offset + 2)
            position = len(statement) if end < 0 else end + (1 if token == "--" else 2)
    pieces.append(statement[position:])
    return " ".join(pieces)


def _scan(text: str) -> Iterator[tuple[int, str]]:
    """Yield ``(offset, token)`` for each ``;``, comment start (``--``, ``/*``) and unterminated
    opening (``'!<closer>'``) found outside quotes and comments."""
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char in _QUOTES:
            end = _closing_quote(text, index)
            if end < 0:
                yield index, f"!{char}"
                return
            index = end + 1
        elif text.startswith("--", index):
            yield index, "--"
            end = text.find("\n", index)
            index = length if end < 0 else end + 1
        elif text.startswith("/*", index):
            yield index, "/*"
            end = text.find("*/", index + 2)
            if end < 0:
                yield index, "!*/"
                return
            index = end + 2
        else:
            if char == ";":
                yield index, ";"
            index += 1


def _closing_quote(text: str, start: int) -> int:
    quote = text[start]
    index = start + 1
    while True:
        end = text.find(quote, index)
        if end < 0 or not text.startswith(quote * 2, end):
            return end
        index = end + 2
