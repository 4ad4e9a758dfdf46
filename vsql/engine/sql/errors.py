"""The one conversion from sqlglot's parse and tokenize errors to ``SqlSyntaxError``."""

from __future__ import annotations

import re

from sqlglot.errors import ParseError, TokenError

from vsql.engine.errors import SqlSyntaxError
from vsql.engine.sql.script import find_unterminated

__all__ = ["to_syntax_error"]

_EXPECTING = re.compile(r"^Expect(?:ing|ed)\s+(.+)$", re.DOTALL)


def to_syntax_error(error: ParseError | TokenError, sql: str) -> SqlSyntaxError:
    """Convert a sqlglot error raised while reading ``sql`` into a positioned ``SqlSyntaxError``.

    Args:
        error: the ``ParseError`` (its first entry in ``errors`` is used) or ``TokenError``.
        sql: the statement text the error refers to.

    Returns:
        The error with a 1-based line and the 1-based column where the offending token starts,
        what was expected (when known) and the offending text.
    """
    if isinstance(error, TokenError):
        return _from_token_error(error, sql)
    if not error.errors:
        return SqlSyntaxError(str(error), line=None, col=None)
    first = error.errors[0]
    description = str(first.get("description") or "syntax error")
    highlight = first.get("highlight") or None
    line = first.get("line")
    col = first.get("col")
    if col is not None and highlight and "\n" not in highlight:
        col = max(1, col - len(highlight) + 1)
    expected = _expected(description)
    if description.startswith("Required keyword"):
        expected = "an expression"
        message = f"incomplete clause: expected an expression after '{highlight}'"
    elif description.startswith("Invalid expression / Unexpected token"):
        message = f"unexpected '{highlight}'"
    elif expected is None:
        message = description if not highlight else f"{description} near '{highlight}'"
    else:
        found = f", found '{highlight}'" if highlight else ""
        message = f"expected {expected}{found}"
    return SqlSyntaxError(message, line=line, col=col, expected=expected, highlight=highlight)


def _expected(description: str) -> str | None:
    match = _EXPECTING.match(description.strip())
    if match is None:
        return None
    what = match.group(1).strip()
    if " " in what or what.startswith("'"):
        return what
    return f"'{what}'"


def _from_token_error(error: TokenError, sql: str) -> SqlSyntaxError:
    unterminated = find_unterminated(sql)
    if unterminated is None:
        return SqlSyntaxError(f"cannot read the statement: {error}", line=None, col=None)
    offset, delimiter = unterminated
    line = sql.count("\n", 0, offset) + 1
    col = offset - (sql.rfind("\n", 0, offset) + 1) + 1
    return SqlSyntaxError(
        f"unterminated text: expected a closing {delimiter}",
        line=line,
        col=col,
        expected=f"'{delimiter}'",
        highlight=sql[offset : offset + 20],
    )
