"""Name resolution for the planner: columns, system columns, window bounds, and positions.

Unquoted names match case-insensitively (an exact match wins); system columns are normalized to
their constant names; ``WINDOWSTART``/``WINDOWEND`` are aliases of the window bounds. Without a
schema, user columns are not checked: the scalar evaluator binds them per batch.
"""

from __future__ import annotations

import difflib

import pyarrow as pa
from sqlglot import exp

from vsql.engine.columns import SYSTEM_COLUMNS, WINDOW_BOUND_ALIASES, WINDOW_END, WINDOW_START
from vsql.engine.errors import PlanError
from vsql.engine.scalar.base import position as scalar_position

__all__ = ["NameResolver", "fold", "position", "window_bound"]

_WINDOW_BOUNDS = {WINDOW_START: WINDOW_START, WINDOW_END: WINDOW_END, **WINDOW_BOUND_ALIASES}
_SYSTEM = {name: name for name in SYSTEM_COLUMNS}


def position(node: exp.Expr | list[exp.Expr] | None) -> dict[str, int | None]:
    """``line``/``col`` keyword arguments for an error about ``node`` (or the first of a list)."""
    if isinstance(node, list):
        node = node[0] if node else None
    line, col = scalar_position(node) if node is not None else (None, None)
    return {"line": line, "col": col}


def window_bound(node: exp.Expr) -> str | None:
    """The window bound column (``_window_start``/``_window_end``) ``node`` names, or None."""
    if isinstance(node, exp.Column) and not node.table:
        return _WINDOW_BOUNDS.get(node.name.lower())
    return None


def fold(node: exp.Expr) -> exp.Expr:
    """A copy of ``node`` with unquoted identifiers in lower case, for comparing expressions."""

    def lower(sub: exp.Expr) -> exp.Expr:
        if isinstance(sub, exp.Identifier) and not sub.quoted:
            return exp.to_identifier(sub.name.lower())
        return sub

    return node.transform(lower)


class NameResolver:
    """Checks and normalizes the column references of one query.

    Args:
        source: the FROM name; ``source.column`` and ``alias.column`` references are accepted.
        alias: the FROM alias, if any.
        schema: the input's fields; when None, user columns are not checked.
    """

    def __init__(self, source: str, *, alias: str | None = None, schema: pa.Schema | None = None) -> None:
        self._qualifiers = {source.lower()} | ({alias.lower()} if alias else set())
        self._fields = tuple(schema.names) if schema is not None else None

    @property
    def fields(self) -> tuple[str, ...] | None:
        """The schema's field names, or None without a schema."""
        return self._fields

    def resolve(self, node: exp.Expr) -> exp.Expr:
        """A copy of ``node`` whose columns are checked and carry their resolved names.

        Window bounds are left for the caller, who decides where they are allowed.

        Raises:
            PlanError: an unknown column (with the closest known name) or an unknown qualifier.
        """
        copy = node.copy()
        for column in list(copy.find_all(exp.Column)):
            self._resolve_column(column)
        return copy

    def resolve_name(self, column: exp.Column) -> str:
        """The field name ``column`` reads, after the checks of ``resolve``.

        Raises:
            PlanError: as ``resolve``; ``*`` names no field.
        """
        if not isinstance(column, exp.Column) or isinstance(column.this, exp.Star):
            raise PlanError(f"expected a column name, got {column.sql()}", **position(column))
        return self._resolve_column(column.copy()).name

    def _resolve_column(self, column: exp.Column) -> exp.Column:
        if isinstance(column.this, exp.Star):
            return column
        table = column.table
        if table:
            if table.lower() not in self._qualifiers:
                raise PlanError(
                    f"unknown source '{table}' in '{column.sql()}'", **position(column.args["table"])
                )
            column.set("table", None)
        if window_bound(column) is not None:
            return column
        name = column.name
        quoted = bool(column.this.quoted)
        system = None if quoted else _SYSTEM.get(name.lower())
        if system is not None:
            return _rename(column, system)
        if self._fields is None or name in self._fields:
            return column
        if not quoted:
            matches = [field for field in self._fields if field.lower() == name.lower()]
            if len(matches) == 1:
                return _rename(column, matches[0])
            if matches:
                raise PlanError(
                    f"column '{name}' is ambiguous: it matches {', '.join(matches)}", **position(column)
                )
        raise PlanError(self._unknown_message(name), **position(column))

    def _unknown_message(self, name: str) -> str:
        known = [*(self._fields or ()), *SYSTEM_COLUMNS]
        folded = {field.lower(): field for field in known}
        close = difflib.get_close_matches(name.lower(), list(folded), n=1)
        hint = f"; did you mean '{folded[close[0]]}'?" if close else ""
        return f"unknown column '{name}'{hint}"


def _rename(column: exp.Column, name: str) -> exp.Column:
    identifier = exp.to_identifier(name)
    identifier.update_positions(column.this)
    column.set("this", identifier)
    return column
