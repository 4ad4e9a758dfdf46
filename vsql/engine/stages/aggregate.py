"""The aggregate stage: WHERE, GROUP BY, window assignment, accumulation, emission."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from vsql.engine.aggregates import ValueColumn, build_accumulator
from vsql.engine.aggregation import Aggregation
from vsql.engine.batch import dead_letters, event_time_ms, partitions
from vsql.engine.emission import build_emission
from vsql.engine.errors import ExecutionError, UnsupportedError
from vsql.engine.groupby import build_group_by
from vsql.engine.scalar import ScalarExpr, compile_scalar
from vsql.engine.settings import LateDataStrategy
from vsql.engine.sql.plan import AggFunc, EmitMode, LogicalPlan
from vsql.engine.stages import StageOutput
from vsql.engine.state import SlotTable
from vsql.engine.watermark import WatermarkTracker
from vsql.engine.windows import NO_BOUND, WindowRows, build_window_strategy

__all__ = ["AggregateStage"]

_MIN_GROUPS_TO_FORGET = 1024
"""Group ids are never renumbered while there are at most this many, so that small key sets
(the common case) never pay for it."""


class AggregateStage:
    """Runs an aggregate plan over batches."""

    def __init__(self, plan: LogicalPlan) -> None:
        settings = plan.settings
        self._plan = plan
        self._where = compile_scalar(plan.where) if plan.where is not None else None
        self._keys = [compile_scalar(key) for key in plan.group_by]
        self._arguments: list[ScalarExpr | None] = [
            compile_scalar(spec.argument) if spec.argument is not None else None for spec in plan.aggregates
        ]
        accumulators = [build_accumulator(spec) for spec in plan.aggregates]
        if plan.emit is EmitMode.CHANGES:
            _reject_unmaintainable(plan)
        self._slots = slots = SlotTable()
        self._group_by = build_group_by(len(plan.group_by))
        having = compile_scalar(plan.having) if plan.having is not None else None
        self._aggregation = Aggregation(
            accumulators,
            group_by=self._group_by,
            key_count=len(plan.group_by),
            emission=build_emission(plan.emit, having=having),
            slots=slots,
        )
        self._windows = build_window_strategy(
            plan.window, emit=plan.emit, allowed_lateness_ms=settings.allowed_lateness_ms, slots=slots
        )
        self._watermark = WatermarkTracker(max_out_of_orderness_ms=settings.max_out_of_orderness_ms)
        self._late_to_dead_letters = settings.late_data_strategy is LateDataStrategy.DEAD_LETTER
        self._seq = 0

    @property
    def watermark_ms(self) -> int | None:
        current = self._watermark.current_ms
        return None if current == NO_BOUND else current

    @property
    def state_slots(self) -> int:
        return self._windows.open_slots

    @property
    def group_count(self) -> int:
        """Group ids the group-by holds now. Between batches it is at most twice the slots in use
        (or ``_MIN_GROUPS_TO_FORGET``), whatever the number of keys ever seen."""
        return self._group_by.group_count

    @property
    def held_since_seq(self) -> int | None:
        return self._aggregation.held_since_seq

    def process(self, batch: pa.RecordBatch) -> StageOutput:
        output = StageOutput()
        count = batch.num_rows
        if self._plan.window is not None:
            event_ms, rejected = event_time_ms(batch, self._plan.event_time_column)
            usable = np.ones(count, dtype=bool) if rejected is None else rejected == None  # noqa: E711
            if rejected is not None:
                output.dead_letters.append(dead_letters(batch, ~usable, rejected))
            watermark_ms = np.full(count, NO_BOUND, dtype=np.int64)
            watermark_ms[usable] = self._watermark.observe(partitions(batch)[usable], event_ms[usable])
        else:
            event_ms = np.zeros(count, dtype=np.int64)
            usable = np.ones(count, dtype=bool)
            watermark_ms = np.full(count, NO_BOUND, dtype=np.int64)
        if self._where is not None:
            usable &= np.asarray(pa.array(self._where.evaluate(batch)).fill_null(False), dtype=bool)
        kept = np.flatnonzero(usable)
        rows_batch = batch if len(kept) == count else batch.take(pa.array(kept))
        seq = self._seq + kept.astype(np.int64)
        self._seq += count
        group_ids = self._group_by.encode([key.evaluate(rows_batch) for key in self._keys], len(kept))
        self._aggregation.begin(self._value_columns(rows_batch, seq), seq=seq)
        rows = WindowRows(
            event_ms=event_ms[kept],
            group_ids=group_ids,
            watermark_ms=watermark_ms[kept],
            index=np.arange(len(kept)),
        )
        try:
            late = self._windows.process(rows, self._aggregation)
            self._windows.advance(self._watermark.current_ms, self._aggregation)
        except TypeError as error:
            raise ExecutionError(str(error)) from error
        self._forget_dead_groups()
        output.late_count = int(late.sum())
        if output.late_count and self._late_to_dead_letters:
            mask = np.zeros(count, dtype=bool)
            mask[kept[late]] = True
            output.dead_letters.append(dead_letters(batch, mask, "late: every window of the row was closed"))
        output.frames = self._aggregation.take_frames()
        return output

    def _forget_dead_groups(self) -> None:
        """Renumber group ids to the groups still holding state once most ids are dead, so the
        group-by's keys and the window strategy's per-group arrays are bounded by live state, not
        by every key ever seen.

        A group with state holds at least one slot, so when ids outnumber twice the slots in use,
        more than half are dead: each renumbering costs O(ids + state) and removes at least half
        of the ids, which is O(1) amortized per id ever handed out. The check itself is O(1).
        """
        if self._group_by.group_count <= max(2 * self._slots.in_use, _MIN_GROUPS_TO_FORGET):
            return
        live = self._windows.live_groups()
        self._group_by.retain(live)
        self._windows.renumber_groups(live)

    def _value_columns(self, rows_batch: pa.RecordBatch, seq: np.ndarray) -> list[ValueColumn]:
        return [
            ValueColumn.from_arrow(argument.evaluate(rows_batch) if argument else None, seq=seq)
            for argument in self._arguments
        ]

    def suppress_emitted(self, watermark_ms: int) -> None:
        self._aggregation.suppress_through(watermark_ms - self._plan.settings.allowed_lateness_ms)

    def expect_partitions(self, partitions: list[int]) -> None:
        self._watermark.expect(partitions)

    def observe_progress(self, partitions: np.ndarray, event_ms: np.ndarray) -> StageOutput:
        if self._plan.window is None or not len(event_ms):
            return StageOutput()
        self._watermark.observe(partitions, event_ms)
        self._windows.advance(self._watermark.current_ms, self._aggregation)
        self._forget_dead_groups()
        return StageOutput(frames=self._aggregation.take_frames())

    def mark_idle(self, partition: int) -> StageOutput:
        self._watermark.mark_idle(partition)
        self._windows.advance(self._watermark.current_ms, self._aggregation)
        self._forget_dead_groups()
        return StageOutput(frames=self._aggregation.take_frames())

    def finish(self) -> StageOutput:
        self._windows.advance(self._watermark.finish(), self._aggregation)
        return StageOutput(frames=self._aggregation.take_frames())


def _reject_unmaintainable(plan: LogicalPlan) -> None:
    if any(spec.func is AggFunc.MEDIAN for spec in plan.aggregates):
        raise UnsupportedError("MEDIAN is only supported with EMIT FINAL: it cannot be updated per row")
