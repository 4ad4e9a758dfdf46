"""The queries list: background queries and datagen jobs with their state and rates.

The highlighted row is the query the App terminates (F8) and whose metrics it follows while no
foreground query runs. A query that fails is announced once, with its error, as a notification.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.widgets import DataTable

from vsql.repl.backend import QueryInfo

__all__ = ["QueriesList"]

_COLUMNS = ("query", "state", "rec/s", "rows")


class QueriesList(DataTable[str]):
    """A DataTable of the session's queries, one row per query id.

    Args:
        id: the widget id.
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._announced: set[str] = set()

    def on_mount(self) -> None:
        """Add the columns."""
        for name in _COLUMNS:
            self.add_column(name, key=name)

    def show(self, queries: Sequence[QueryInfo]) -> None:
        """Replace the rows with ``queries``, keeping the highlighted query highlighted."""
        chosen = self.selected_query_id
        known = {query.query_id for query in queries}
        for key in [row.value for row in list(self.rows) if row.value not in known]:
            self.remove_row(key)
        for query in queries:
            if query.error is not None and query.query_id not in self._announced:
                self._announced.add(query.query_id)
                self.notify(f"{query.query_id} failed: {query.error}", severity="error", timeout=15)
            cells = (
                query.query_id,
                query.state.value.lower(),
                f"{query.status.records_per_s:,.0f}",
                f"{query.status.rows_out:,}",
            )
            if query.query_id in self.rows:
                for column, cell in zip(_COLUMNS, cells, strict=True):
                    self.update_cell(query.query_id, column, cell)
            else:
                self.add_row(*cells, key=query.query_id)
        if chosen is not None and chosen in self.rows:
            self.move_cursor(row=self.get_row_index(chosen))

    @property
    def selected_query_id(self) -> str | None:
        """The id of the highlighted query, None when the list is empty."""
        if not self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return row_key.value
