"""ROWS windows: ``f(x) OVER (ROWS WINDOW BUFFER n ROWS PARTITION BY k ORDER BY t ...)``.

Every input row yields one output row, in input order, whose window columns are computed over the
frame of its partition: the row and up to ``frame_rows - 1`` rows of the same partition before it
(arrival order). Per partition only the last ``frame_rows - 1`` rows (or the LAG offset, if
larger) are kept between batches, so memory is constant per partition; ``EXPIRE AFTER`` forgets a
partition that delivered nothing for that long in event time, and its row numbers start again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from vsql.engine.batch import event_time_ms
from vsql.engine.errors import UnsupportedError
from vsql.engine.groupby import build_group_by
from vsql.engine.scalar import ScalarExpr, compile_scalar
from vsql.engine.scan import group_max_before
from vsql.engine.sql.plan import LogicalPlan, RowsCall, RowsFunc, RowsSpec, rows_column
from vsql.engine.stages import StageOutput
from vsql.engine.stages.frames import FrameLayout, frame_function

__all__ = ["RowsStage"]


@dataclass
class _History:
    """The kept tail of every partition: its rows' partition ids, event times and call values."""

    partition: np.ndarray
    event_ms: np.ndarray
    seq: np.ndarray
    values: list[pa.Array]


class _RowsWindow:
    """The calls that share one ``RowsSpec``, and that spec's per-partition state."""

    def __init__(self, spec: RowsSpec, calls: list[tuple[int, RowsCall]], event_column: str) -> None:
        self.spec = spec
        self.calls = calls
        self.event_column = event_column
        self.partitions = build_group_by(len(spec.partition_by))
        self.keys = [compile_scalar(key) for key in spec.partition_by]
        self.arguments: list[ScalarExpr | None] = [
            compile_scalar(call.argument) if call.argument is not None else None for _, call in calls
        ]
        self.order = compile_scalar(spec.order_by) if spec.order_by is not None else None
        lag = max((call.offset for _, call in calls if call.func is RowsFunc.LAG), default=0)
        self.keep_rows = max(spec.frame_rows - 1, lag)
        self.history: _History | None = None
        self.seen = np.zeros(0, dtype=np.int64)
        self.last_event_ms = np.zeros(0, dtype=np.int64)
        self.stream_max_ms = np.iinfo(np.int64).min

    def process(self, batch: pa.RecordBatch, seq: np.ndarray) -> list[tuple[int, pa.Array]]:
        count = batch.num_rows
        partition = self.partitions.encode([key.evaluate(batch) for key in self.keys], count)
        event_ms, _ = event_time_ms(batch, self.event_column)
        values = [argument.evaluate(batch) if argument else pa.nulls(count) for argument in self.arguments]
        values.append(self.order.evaluate(batch) if self.order is not None else pa.array(event_ms))
        self._grow(int(partition.max(initial=-1)) + 1)
        history = self.history or _History(
            partition=np.zeros(0, np.int64),
            event_ms=np.zeros(0, np.int64),
            seq=np.zeros(0, np.int64),
            values=[v[:0] for v in values],
        )
        restarts = self._expired(partition, event_ms)
        layout = FrameLayout.build(
            partition=np.concatenate([history.partition, partition]),
            restarts=np.concatenate([np.zeros(len(history.partition), bool), restarts]),
            frame_rows=self.spec.frame_rows,
            current_from=len(history.partition),
        )
        row_number = self._row_numbers(layout, partition)
        combined = [
            pa.concat_arrays([old.cast(new.type) if old.type != new.type else old, new])
            for old, new in zip(history.values, values, strict=True)
        ]
        results = [
            (index, frame_function(call, layout, column, combined[-1], row_number))
            for (index, call), column in zip(self.calls, combined, strict=False)
        ]
        self._keep(layout, partition, event_ms, seq, combined)
        return results

    def _grow(self, size: int) -> None:
        if size > len(self.seen):
            extra = size - len(self.seen)
            self.seen = np.concatenate([self.seen, np.zeros(extra, np.int64)])
            self.last_event_ms = np.concatenate([self.last_event_ms, np.full(extra, np.iinfo(np.int64).min)])

    def _expired(self, partition: np.ndarray, event_ms: np.ndarray) -> np.ndarray:
        """Rows before which their partition had been idle longer than EXPIRE AFTER."""
        if self.spec.expire_after_ms is None or not len(partition):
            return np.zeros(len(partition), dtype=bool)
        stream_before = np.maximum.accumulate(np.concatenate([[self.stream_max_ms], event_ms]))[:-1]
        previous = group_max_before(partition, event_ms, self.last_event_ms)
        self.stream_max_ms = max(self.stream_max_ms, int(event_ms.max()))
        known = previous != np.iinfo(np.int64).min
        return known & (stream_before - previous > self.spec.expire_after_ms)

    def _row_numbers(self, layout: FrameLayout, partition: np.ndarray) -> np.ndarray:
        """1-based row number of every batch row within its partition's current life."""
        at = layout.current_positions
        base = np.where(layout.restarted[at], 0, self.seen[partition])
        numbers = base + (at - layout.segment_start[at]) - layout.history_before(at) + 1
        last_row = np.full(len(self.seen), -1, dtype=np.int64)
        np.maximum.at(last_row, partition, np.arange(len(partition)))
        touched = np.flatnonzero(last_row >= 0)
        self.seen[touched] = numbers[last_row[touched]]
        return numbers

    def _keep(
        self,
        layout: FrameLayout,
        partition: np.ndarray,
        event_ms: np.ndarray,
        seq: np.ndarray,
        combined: list[pa.Array],
    ) -> None:
        empty = np.zeros(0, np.int64)
        history = self.history
        keep = layout.tail_positions(self.keep_rows)
        indices = pa.array(keep, type=pa.int64())
        self.history = _History(
            partition=np.concatenate([history.partition if history else empty, partition])[keep],
            event_ms=np.concatenate([history.event_ms if history else empty, event_ms])[keep],
            seq=np.concatenate([history.seq if history else empty, seq])[keep],
            values=[column.take(indices) for column in combined],
        )
        if len(partition):
            np.maximum.at(self.last_event_ms, partition, event_ms)


class RowsStage:
    """Runs a plan whose SELECT list has ROWS-window calls."""

    watermark_ms = None

    def __init__(self, plan: LogicalPlan) -> None:
        if any(call.func is RowsFunc.LEAD for call in plan.rows_calls):
            raise UnsupportedError("LEAD over a ROWS window needs rows that have not arrived yet; use LAG")
        self._where = compile_scalar(plan.where) if plan.where is not None else None
        by_spec: dict[RowsSpec, list[tuple[int, RowsCall]]] = {}
        for index, call in enumerate(plan.rows_calls):
            by_spec.setdefault(call.window, []).append((index, call))
        self._windows = [_RowsWindow(spec, calls, plan.event_time_column) for spec, calls in by_spec.items()]
        self._seq = 0

    @property
    def state_slots(self) -> int:
        return sum(len(window.seen) for window in self._windows)

    @property
    def held_since_seq(self) -> int | None:
        """Rows kept in a partition's buffer are replayed after a restart, so they count as held."""
        held = [
            int(window.history.seq.min())
            for window in self._windows
            if window.history and len(window.history.seq)
        ]
        return min(held, default=None)

    def process(self, batch: pa.RecordBatch) -> StageOutput:
        seq = self._seq + np.arange(batch.num_rows, dtype=np.int64)
        self._seq += batch.num_rows
        if self._where is not None:
            keep = np.asarray(pa.array(self._where.evaluate(batch)).fill_null(False), dtype=bool)
            batch = batch.filter(pa.array(keep))
            seq = seq[keep]
        table = pa.Table.from_batches([batch])
        results = sorted(result for window in self._windows for result in window.process(batch, seq))
        for index, values in results:
            table = table.append_column(rows_column(index), values)
        return StageOutput(frames=[table])

    def finish(self) -> StageOutput:
        return StageOutput()

    def mark_idle(self, partition: int) -> StageOutput:
        """No watermark here: idleness changes nothing."""
        return StageOutput()

    def expect_partitions(self, partitions: list[int]) -> None:
        """No watermark here."""

    def observe_progress(self, partitions: np.ndarray, event_ms: np.ndarray) -> StageOutput:
        """No watermark here: progress changes nothing."""
        return StageOutput()

    def suppress_emitted(self, watermark_ms: int) -> None:
        """No windows here."""
