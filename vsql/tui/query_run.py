"""One foreground statement run for the dashboard, reported through callbacks from its thread.

The App's query worker calls ``QueryRun.run``; the callbacks post messages. Result tables are
coalesced (at most one hand-over per ``flush_s``), so a fast query does not flood the UI with a
message per engine step; the runtime samples the counters every ``interval_s``. No Textual import.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pyarrow as pa

from vsql.display.errors import format_error
from vsql.engine.errors import VsqlError
from vsql.runtime import Counters, ResultShape, Runtime

__all__ = ["QueryRun"]


class QueryRun:
    """Runs ``statement`` on ``runtime`` until it ends or ``cancel`` is set.

    Args:
        runtime: where the statement runs.
        statement: one statement, without its ``;``.
        cancel: set to stop the query.
        on_shape: called once with the result's shape before any rows (foreground queries only).
        on_rows: called with coalesced result rows, in emission order.
        on_sample: called with the counters about every ``interval_s`` and once at the end.
        interval_s: seconds between two samples of the counters.
        flush_s: seconds between two hand-overs of rows at most.
        clock: monotonic seconds.
    """

    def __init__(
        self,
        runtime: Runtime,
        statement: str,
        *,
        cancel: threading.Event,
        on_shape: Callable[[ResultShape], None],
        on_rows: Callable[[pa.Table], None],
        on_sample: Callable[[Counters], None],
        interval_s: float = 0.5,
        flush_s: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._runtime = runtime
        self._statement = statement
        self._cancel = cancel
        self._on_shape = on_shape
        self._on_rows = on_rows
        self._on_sample = on_sample
        self._interval_s = interval_s
        self._flush_s = flush_s
        self._clock = clock
        self._pending: list[pa.Table] = []
        self._flushed_at = clock()

    def run(self) -> tuple[str, str | None]:
        """Run the statement; returns a summary line and the error text (None when it worked)."""
        try:
            prepared = self._runtime.prepare(self._statement)
            if prepared.shape is not None and not prepared.runs_in_background:
                self._on_shape(prepared.shape)
            outcome = self._runtime.run(
                prepared,
                on_rows=self._pending.append,
                on_progress=self._progress,
                cancel=self._cancel,
                progress_interval_s=self._interval_s,
            )
        except VsqlError as error:
            self._flush()
            return "failed", format_error(error, source=self._statement)
        self._flush()
        if outcome.counters is None:
            return outcome.message or "done", None
        return outcome.counters.summary(is_cancelled=self._cancel.is_set()), None

    def _progress(self, counters: Counters) -> None:
        if self._clock() - self._flushed_at >= self._flush_s:
            self._flush()
        self._on_sample(counters)

    def _flush(self) -> None:
        self._flushed_at = self._clock()
        if not self._pending:
            return
        tables, self._pending[:] = list(self._pending), []
        self._on_rows(pa.concat_tables(tables, promote_options="permissive"))
