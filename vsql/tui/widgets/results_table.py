"""The results table: a query's rows, updated in place (EMIT CHANGES) or appended (EMIT FINAL).

Rows are applied through the shell's ``ResultChanges``, so the keying is the shell's: in table
mode a row upserts the row of its key (group keys and window bounds) where it stands and a delete
row removes it; otherwise rows are appended, the oldest dropped beyond ``max_rows``. A new key
(under EMIT CHANGES with window bounds, each new window's rows) is a new row at the bottom, so the
table follows the newest rows: while the highlighted row is the last one, the highlight moves to
the last row as rows arrive and the view scrolls with it; highlighting an earlier row holds the
view there, and highlighting the last row again (Ctrl-End) follows again. Columns widen to fit
the values shown. The table also keeps the rows' values, for export.
"""

from __future__ import annotations

from itertools import count

import pyarrow as pa
from textual.widgets import DataTable

from vsql.display.changes import ChangeKind, ResultChanges
from vsql.runtime import ResultShape
from vsql.tui.widgets.cells import update_row

__all__ = ["ResultsTable"]

MAX_ROWS = 5_000
"""Appended rows kept at most: the table is a view, not a store."""


class ResultsTable(DataTable[str]):
    """A DataTable fed with a query's result tables.

    Args:
        max_rows: appended rows kept at most (keyed tables hold one row per key).
        id: the widget id.
    """

    def __init__(self, *, max_rows: int = MAX_ROWS, id: str | None = None) -> None:
        super().__init__(id=id, zebra_stripes=True, cursor_type="row")
        self._max_rows = max_rows
        self._changes: ResultChanges | None = None
        self._values: dict[str, dict[str, object]] = {}
        self._appended = count()

    def start(self, shape: ResultShape) -> None:
        """Clear the table and set its columns for a new query."""
        self.clear(columns=True)
        self._values.clear()
        self._changes = ResultChanges(shape)
        self.add_columns(*self._changes.columns)

    def apply(self, rows: pa.Table) -> None:
        """Apply result rows in emission order; rows before any ``start`` open an append view.

        When the last row was highlighted (or the table was empty), the highlight moves to the
        new last row, scrolling the view to it.
        """
        if self._changes is None:
            self.start(ResultShape(columns=tuple(rows.column_names)))
        assert self._changes is not None
        is_following = self.cursor_row >= self.row_count - 1
        columns = [column.key for column in self.ordered_columns]
        for change in self._changes.apply(rows):
            if change.kind is ChangeKind.APPEND:
                self._append(change.cells, change.row)
                continue
            key = repr(change.key)
            if change.kind is ChangeKind.DELETE:
                if key in self._values:
                    self.remove_row(key)
                    del self._values[key]
            elif key in self._values:
                update_row(self, key, columns, change.cells)
                self._values[key] = change.row
            else:
                self.add_row(*change.cells, key=key)
                self._values[key] = change.row
        if is_following and self.row_count and self.cursor_row != self.row_count - 1:
            self.move_cursor(row=self.row_count - 1)

    def _append(self, cells: tuple[str, ...], row: dict[str, object]) -> None:
        key = f"#{next(self._appended)}"
        self.add_row(*cells, key=key)
        self._values[key] = row
        if len(self._values) > self._max_rows:
            oldest = next(iter(self._values))
            self.remove_row(oldest)
            del self._values[oldest]

    @property
    def row_values(self) -> list[dict[str, object]]:
        """The rows shown, in table order, as column name -> value."""
        return list(self._values.values())
