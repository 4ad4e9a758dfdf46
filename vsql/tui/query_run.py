"""One foreground statement run for the dashboard, reported through callbacks from its thread.

The App's query worker calls ``QueryRun.run``; the callbacks post messages. Result tables are
coalesced (at most one hand-over per ``flush_s``), so a fast query does not flood the UI with a
message per engine step; metrics are sampled by a ``MetricsMeter``. No Textual import.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pyarrow as pa

from vsql.engine.errors import VsqlError
from vsql.repl.backend import ResultShape
from vsql.repl.render.error import format_error
from vsql.runtime import RunStats
from vsql.tui.sampling import MetricsMeter, MetricsSample
from vsql.tui.workbench import Dashboard

__all__ = ["QueryRun", "summary_of"]


def summary_of(stats: RunStats, *, is_cancelled: bool) -> str:
    """One line on how a query ended: its counters, and whether it was stopped."""
    head = "stopped after" if is_cancelled else "done in"
    line = f"{head} {stats.elapsed_s:.1f} s: {stats.records_in:,} records in, {stats.rows_out:,} rows out"
    if stats.late_count or stats.dead_letter_count:
        line += f", {stats.late_count:,} late, {stats.dead_letter_count:,} dead letters"
    return line


class QueryRun:
    """Runs ``statement`` on ``dashboard`` until it ends or ``cancel`` is set.

    Args:
        dashboard: where the statement runs.
        statement: one statement, without its ``;``.
        cancel: set to stop the query.
        on_shape: called once with the result's shape before any rows (queries only).
        on_rows: called with coalesced result rows, in emission order.
        on_sample: called with metrics samples, about every ``meter``'s interval and once at the end.
        meter: samples the run's counters.
        flush_s: seconds between two hand-overs of rows at most.
        clock: monotonic seconds.
    """

    def __init__(
        self,
        dashboard: Dashboard,
        statement: str,
        *,
        cancel: threading.Event,
        on_shape: Callable[[ResultShape], None],
        on_rows: Callable[[pa.Table], None],
        on_sample: Callable[[MetricsSample], None],
        meter: MetricsMeter | None = None,
        flush_s: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._dashboard = dashboard
        self._statement = statement
        self._cancel = cancel
        self._on_shape = on_shape
        self._on_rows = on_rows
        self._on_sample = on_sample
        self._meter = meter or MetricsMeter()
        self._flush_s = flush_s
        self._clock = clock
        self._pending: list[pa.Table] = []
        self._flushed_at = clock()

    def run(self) -> tuple[str, str | None]:
        """Run the statement; returns a summary line and the error text (None when it worked)."""
        try:
            shape = self._dashboard.shape(self._statement)
            if shape is not None:
                self._on_shape(shape)
            outcome = self._dashboard.run(
                self._statement, on_rows=self._pending.append, on_progress=self._progress, cancel=self._cancel
            )
        except VsqlError as error:
            self._flush()
            return "failed", format_error(error, source=self._statement)
        self._flush()
        if outcome.stats is None:
            return outcome.message or "done", None
        self._on_sample(self._meter.sample(outcome.stats))
        return summary_of(outcome.stats, is_cancelled=self._cancel.is_set()), None

    def _progress(self, stats: RunStats) -> None:
        if self._clock() - self._flushed_at >= self._flush_s:
            self._flush()
        sample = self._meter.observe(stats)
        if sample is not None:
            self._on_sample(sample)

    def _flush(self) -> None:
        self._flushed_at = self._clock()
        if not self._pending:
            return
        tables, self._pending[:] = list(self._pending), []
        self._on_rows(pa.concat_tables(tables, promote_options="permissive"))
