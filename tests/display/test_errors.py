"""Error text with a caret under the offending column."""

from __future__ import annotations

from vsql.display.errors import format_error
from vsql.engine.errors import PlanError, SqlSyntaxError


def test_caret_points_at_the_column_of_the_offending_line() -> None:
    error = SqlSyntaxError("expected ')'", line=2, col=9)
    text = format_error(error, source="SELECT a,\n  COUNT(* AS n\nFROM t")
    assert text.splitlines() == [
        "error: expected ')' (line 2, column 9)",
        "    COUNT(* AS n",
        "          ^",
    ]


def test_an_error_without_position_is_one_line() -> None:
    assert (
        format_error(PlanError("unknown column 'x'"), source="SELECT x FROM t") == "error: unknown column 'x'"
    )
