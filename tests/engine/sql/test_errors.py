"""Conversion of sqlglot errors into positioned SqlSyntaxError."""

from __future__ import annotations

import pytest
from sqlglot.errors import ParseError, TokenError

from vsql.engine.errors import SqlSyntaxError
from vsql.engine.sql.dialect import Vsql
from vsql.engine.sql.errors import to_syntax_error


def convert(sql: str) -> SqlSyntaxError:
    with pytest.raises((ParseError, TokenError)) as info:
        Vsql().parse(sql)
    return to_syntax_error(info.value, sql)


@pytest.mark.parametrize(
    ("sql", "line", "col", "expected", "highlight"),
    [
        ("SELECT (a FROM t", 1, 11, "')'", "FROM"),
        ("SELECT a\nFROM t\n  WINDOW SLIDING(1m)", 3, 20, "ADVANCE BY in SLIDING", ")"),
        ("SELECT a FROM t WINDOW FOO(1m)", 1, 24, "TUMBLING, SLIDING, HOPPING or SESSION", "FOO"),
        ("SELECT a FROM t\nEMIT NOW", 2, 6, "FINAL or CHANGES", "NOW"),
        ("SELECT a FROM t WINDOW TUMBLING(1m, 2m)", 1, 37, "')'", "2"),
        ("CREATE VIEW v AS SELECT 1", 1, 8, "STREAM or TABLE", "VIEW"),
        ("SELECT a FROM t WHERE", 1, 17, "an expression", "WHERE"),
        ("SELECT a,, b FROM t", 1, 10, "an expression", ","),
        ("SELECT a, FROM t", 1, 11, "an expression", "FROM"),
        ("SELECT FROM t", 1, 8, "an expression", "FROM"),
    ],
)
def test_parse_errors_carry_start_position_and_expectation(
    sql: str, line: int, col: int, expected: str, highlight: str
) -> None:
    error = convert(sql)
    assert (error.line, error.col, error.expected, error.highlight) == (line, col, expected, highlight)


def test_unknown_unit_names_the_unit() -> None:
    error = convert("SELECT a FROM t GROUP BY a WINDOW TUMBLING(INTERVAL '5' FORTNIGHT)")
    assert (error.line, error.col, error.highlight) == (1, 57, "FORTNIGHT")
    assert "FORTNIGHT" in error.message


def test_unterminated_string_points_at_its_opening_quote() -> None:
    error = convert("SELECT a\nFROM t\nWHERE b = 'abc")
    assert (error.line, error.col, error.expected) == (3, 11, "'''")


def test_unterminated_comment_points_at_its_opening() -> None:
    error = convert("SELECT a /* note")
    assert (error.line, error.col, error.expected) == (1, 10, "'*/'")
