"""The queries list: background queries and datagen jobs with their state and rates.

The highlighted row is the query the App terminates (F8) and whose metrics it follows while no
foreground query runs. Columns widen to fit the values shown (a state that becomes
``terminated``, a rate that grows). A query that fails is announced once, with its error, as a notification.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.widgets import DataTable

from vsql.runtime import JobInfo
from vsql.tui.widgets.cells import update_row

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

    def show(self, jobs: Sequence[JobInfo]) -> None:
        """Replace the rows with ``jobs``, keeping the highlighted one highlighted."""
        chosen = self.selected_query_id
        known = {job.job_id for job in jobs}
        for key in [row.value for row in list(self.rows) if row.value not in known]:
            self.remove_row(key)
        for job in jobs:
            if job.error is not None and job.job_id not in self._announced:
                self._announced.add(job.job_id)
                self.notify(f"{job.job_id} failed: {job.error}", severity="error", timeout=15)
            cells = (
                job.job_id,
                job.state.value.lower(),
                f"{job.counters.records_per_s:,.0f}",
                f"{job.counters.rows_out:,}",
            )
            if job.job_id in self.rows:
                update_row(self, job.job_id, _COLUMNS, cells)
            else:
                self.add_row(*cells, key=job.job_id)
        if chosen is not None and chosen in self.rows:
            self.move_cursor(row=self.get_row_index(chosen))

    @property
    def selected_query_id(self) -> str | None:
        """The id of the highlighted query, None when the list is empty."""
        if not self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return row_key.value
