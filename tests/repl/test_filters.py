"""is_statement_complete: when Enter submits and when it starts a new line."""

from __future__ import annotations

import pytest

from vsql.repl.commands import default_registry
from vsql.repl.filters import is_statement_complete


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "SELECT a FROM t;",
        "SELECT a\nFROM t\nWHERE x > 1;  ",
        "SELECT a FROM t; -- trailing comment",
        "SELECT a FROM t; /* block */",
        "SELECT ';' FROM t;",
        "SHOW TOPICS",
        "show topics",
        "DESCRIBE trades",
        "help",
        "exit",
        "SET 'output.mode' = 'changelog'",
        "PRINT trades FROM BEGINNING LIMIT 3",
        ";",
        "  ;  ",
        ";;",
        "-- only a comment",
        "/* a block comment */",
        "-- two comment\n-- lines",
    ],
)
def test_complete(text: str) -> None:
    assert is_statement_complete(text, registry=default_registry())


@pytest.mark.parametrize(
    "text",
    [
        "SELECT a FROM t",
        "SELECT a FROM t WHERE s = ';",
        "SELECT a FROM t -- ;",
        "SELECT a FROM t /* ; */",
        "SELECT a FROM t /* ;",
        "/* an unterminated comment",
        "EXPLAIN SELECT a FROM t",
        "SELECT 1; SELECT a FROM t",
        "SHOW TOPICS\nSELECT a FROM t",
    ],
)
def test_incomplete(text: str) -> None:
    assert not is_statement_complete(text, registry=default_registry())
