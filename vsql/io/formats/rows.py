"""Result rows as writers and renderers see them: Python dicts, with the changelog's ``_op`` column
handled once."""

from __future__ import annotations

import pyarrow as pa

from vsql.engine.columns import OP, OP_DELETE

__all__ = ["display_rows", "visible_columns"]


def visible_columns(rows: pa.Table) -> list[str]:
    """The columns to show: all, except an ``_op`` column that holds only nulls."""
    names = list(rows.column_names)
    if OP in names and rows[OP].null_count == rows.num_rows:
        names.remove(OP)
    return names


def display_rows(rows: pa.Table) -> list[dict[str, object]]:
    """Each row as a dict: ordinary rows without a null ``_op``; delete rows without their nulls."""
    shown = []
    for row in rows.to_pylist():
        if row.get(OP) == OP_DELETE:
            shown.append({name: value for name, value in row.items() if value is not None})
        else:
            row.pop(OP, None)
            shown.append(row)
    return shown
