"""Updating a DataTable row in place with columns that widen to fit the new values.

A DataTable sizes a column to the cells it holds when rows are added, but an updated cell keeps
the column's width unless the update asks for a new measure, so a value that grows (``9`` to
``816``, ``running`` to ``terminated``) would be cut. ``update_row`` asks for the measure only
when the new text is wider than the column (columns widen, never shrink under the user's eyes),
so a table updated many times a second measures nothing for values that fit.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

__all__ = ["update_row"]


def update_row(
    table: DataTable[str], row_key: str, columns: Sequence[ColumnKey | str], cells: Sequence[str]
) -> None:
    """Replace the cells of ``row_key`` in ``columns`` with ``cells``, widening a column whose new
    cell is wider than the column's content."""
    for column, cell in zip(columns, cells, strict=True):
        key = column if isinstance(column, ColumnKey) else ColumnKey(column)
        is_wider = cell_len(cell) > table.columns[key].content_width
        table.update_cell(row_key, key, cell, update_width=is_wider)
