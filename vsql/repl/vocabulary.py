"""The words of vsql's SQL, as the completer offers them and the lexer highlights them.

Function names come from the engine's registries and window keywords from its table of window
kinds, so a function or window kind the engine learns is completed without touching the shell.
"""

from __future__ import annotations

from vsql.engine.scalar.functions import SCALAR_FUNCTION_NAMES
from vsql.engine.sql.plan import AggFunc, RowsFunc
from vsql.engine.windows.kinds import SLOT_KEYWORDS
from vsql.engine.windows.kinds import WINDOW_KINDS as _KINDS

__all__ = [
    "AGGREGATE_FUNCTION_NAMES",
    "FUNCTION_NAMES",
    "SQL_KEYWORDS",
    "STATEMENT_KEYWORDS",
    "STREAMING_KEYWORDS",
    "WINDOW_KINDS",
    "WINDOW_SLOT_KEYWORDS",
]

WINDOW_KINDS = tuple(keyword for kind in _KINDS for keyword in kind.keywords)
"""The keywords that may follow WINDOW."""

WINDOW_SLOT_KEYWORDS = tuple(SLOT_KEYWORDS.values())
"""The ksqlDB keywords naming a duration inside a WINDOW clause (``SIZE``, ``GRACE PERIOD``...)."""

STREAMING_KEYWORDS = (
    *WINDOW_KINDS,
    "WINDOW",
    "EMIT",
    "CHANGES",
    "FINAL",
    *WINDOW_SLOT_KEYWORDS,
    "ROWS WINDOW BUFFER",
    "PARTITION BY",
    "EXPIRE AFTER",
    "INACTIVITY",
    "STREAM",
    "PRIMARY KEY",
    "WINDOWSTART",
    "WINDOWEND",
    "PRECEDING",
    "CURRENT ROW",
)
"""Keywords vsql adds to plain SQL (Velostream and ksqlDB window clauses)."""

SQL_KEYWORDS = (
    "SELECT",
    "FROM",
    "WHERE",
    "GROUP BY",
    "HAVING",
    "ORDER BY",
    "LIMIT",
    "AS",
    "AND",
    "OR",
    "NOT",
    "IN",
    "IS",
    "NULL",
    "IS NOT NULL",
    "BETWEEN",
    "LIKE",
    "ILIKE",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "DISTINCT",
    "TRUE",
    "FALSE",
    "INTERVAL",
    "OVER",
    "ROWS BETWEEN",
    "WITH",
    "CREATE STREAM",
    "CREATE TABLE",
    "ASC",
    "DESC",
)
"""Plain SQL keywords a vsql query uses."""

STATEMENT_KEYWORDS = ("SELECT", "CREATE STREAM", "CREATE TABLE")
"""SQL keywords that open a statement (shell statements come from the command registry)."""

AGGREGATE_FUNCTION_NAMES = tuple(
    sorted(
        {func.value.upper() for func in AggFunc}
        | {func.value.upper() for func in RowsFunc}
        | {"STDDEV", "VARIANCE"}
    )
)
"""Aggregate and ROWS-window function names."""

FUNCTION_NAMES = tuple(sorted(set(AGGREGATE_FUNCTION_NAMES) | SCALAR_FUNCTION_NAMES))
"""Every function a query may call."""
