"""A session's queries run by worker processes (``'query.workers'`` above 1).

``WorkerQuery`` wraps a ``WorkerGroup`` for the runtime: a scratch directory for the workers'
counters and logs, a run that ends when the workers do or when cancelled, and, for a plain
SELECT, the rows the workers print handed over as Arrow tables (at most ``limit`` of them; the
group is stopped once they are in).
"""

from __future__ import annotations

import io
import tempfile
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pyarrow.json as pa_json

from vsql.engine.errors import ExecutionError, VsqlError
from vsql.io.kafka.brokers import Broker
from vsql.runtime.counters import Counters, per_second
from vsql.runtime.workers.supervisor import WorkerGroup

__all__ = ["WorkerQuery"]

RowsHook = Callable[[pa.Table], None]
ProgressHook = Callable[[Counters], None]


class _RowLines(io.TextIOBase):
    """The workers' NDJSON result lines, kept until ``drain`` decodes them into one table
    (vectorized, with Arrow's JSON reader)."""

    def __init__(self) -> None:
        self._lines: list[str] = []
        self._lock = threading.Lock()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        with self._lock:
            self._lines.extend(line for line in text.splitlines() if line.strip())
        return len(text)

    def drain(self, limit: int | None) -> pa.Table | None:
        """The rows written since the last drain (the first ``limit`` of them), None if none."""
        with self._lock:
            lines, self._lines = self._lines, []
        if limit is not None:
            lines = lines[:limit]
        if not lines:
            return None
        return pa_json.read_json(io.BytesIO("\n".join(lines).encode()))


class WorkerQuery:
    """One query of a session run by a ``WorkerGroup``.

    Args:
        script: SET statements and the query (``script_of``).
        broker: the session's broker.
        workers: processes per stage.
        group_id: the consumer group (None: ``default_group_id``).
        on_rows: where a plain SELECT's rows go; None for ``CREATE STREAM``.
        limit: stop once this many rows were handed over (a SELECT's LIMIT).

    Raises:
        SqlSyntaxError, PlanError: the script is rejected. InputError: its topic is missing.
        BrokerError: a topic cannot be created.
    """

    def __init__(
        self,
        script: str,
        *,
        broker: Broker,
        workers: int,
        group_id: str | None,
        on_rows: RowsHook | None = None,
        limit: int | None = None,
    ) -> None:
        self._scratch = tempfile.TemporaryDirectory(prefix="vsql-workers-")
        self._rows = _RowLines()
        self._on_rows = on_rows
        self._limit = limit
        self._delivered = 0
        try:
            self._group = WorkerGroup(
                script,
                broker=broker,
                workers=workers,
                group_id=group_id,
                out=self._rows,
                stats_dir=Path(self._scratch.name),
                capture_errors=True,
            )
        except VsqlError:
            self._scratch.cleanup()
            raise

    def run(self, cancel: threading.Event | None, on_progress: ProgressHook | None) -> Counters:
        """Start the workers and wait for them (stopping them once ``cancel`` is set or the
        limit is reached); returns their summed counters.

        Raises:
            ExecutionError: a worker failed (its last error line says why).
        """
        stop = threading.Event()

        def progress(stats: Counters) -> None:
            if cancel is not None and cancel.is_set():
                stop.set()
            self._hand_over(stop)
            if on_progress is not None:
                on_progress(self._counted(stats))

        self._group.start()
        code = self._group.wait(stop, progress)
        self._hand_over(stop)
        if code != 0 and not stop.is_set():
            raise ExecutionError(f"a worker failed: {self._group.failure() or 'see the log'}")
        return self._counted(self._group.stats())

    def close(self) -> None:
        """Remove the scratch directory (after the run)."""
        self._scratch.cleanup()

    def _hand_over(self, stop: threading.Event) -> None:
        if self._on_rows is None:
            return
        left = None if self._limit is None else self._limit - self._delivered
        table = self._rows.drain(left)
        if table is not None:
            self._delivered += table.num_rows
            self._on_rows(table)
        if left is not None and self._delivered >= self._limit:
            stop.set()

    def _counted(self, stats: Counters) -> Counters:
        """A SELECT's result rows are those handed over."""
        if self._on_rows is None:
            return stats
        elapsed_s = stats.elapsed_s
        rate = per_second(self._delivered, elapsed_s)
        return replace(stats, rows_out=self._delivered, rows_per_s=rate)
