"""Runs a LogicalPlan over a stream of Arrow record batches.

``Pipeline.process`` takes one batch at a time, in arrival order, and returns the result rows and
dead letters it produced; ``finish`` ends a finite input. Results do not depend on how the input
is cut into batches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from vsql.engine.columns import (
    KEY,
    OP,
    SYSTEM_COLUMNS,
    TIMESTAMP,
    WINDOW_BOUND_ALIASES,
    WINDOW_END,
    WINDOW_START,
)
from vsql.engine.errors import ExecutionError
from vsql.engine.scalar import ScalarExpr, compile_scalar
from vsql.engine.sql.plan import EmitMode, LogicalPlan, key_column
from vsql.engine.stages import Stage, StageOutput
from vsql.engine.stages.aggregate import AggregateStage
from vsql.engine.stages.rows import RowsStage
from vsql.engine.stages.stateless import StatelessStage

__all__ = ["Pipeline", "PipelineMetrics", "StepOutput"]


@dataclass
class PipelineMetrics:
    """Counters of one running query."""

    records_in: int = 0
    rows_out: int = 0
    late_count: int = 0
    dead_letter_count: int = 0
    watermark_ms: int | None = None
    state_slots: int = 0


@dataclass
class StepOutput:
    """What one ``process`` or ``finish`` call produced.

    ``rows`` holds the result rows in emission order: the SELECT columns, plus ``_op`` under EMIT
    CHANGES of an aggregate (``'delete'`` on delete rows, NULL otherwise). ``dead_letters`` holds
    the rejected input rows with a ``_reason`` column. ``context`` is aligned with ``rows`` and
    carries what sinks need whether or not it was selected: the GROUP BY keys (``__key<i>``) and
    window bounds of an aggregate, or the input ``_key`` and ``_timestamp`` of other queries.
    """

    rows: pa.Table
    dead_letters: pa.Table = field(default_factory=lambda: pa.table({}))
    context: pa.Table = field(default_factory=lambda: pa.table({}))


def _build_stage(plan: LogicalPlan) -> Stage:
    if plan.is_aggregate:
        return AggregateStage(plan)
    if plan.rows_calls:
        return RowsStage(plan)
    return StatelessStage(plan)


def _is_key_or_bound(expression: exp.Expression) -> bool:
    if not isinstance(expression, exp.Column) or expression.table:
        return False
    name = WINDOW_BOUND_ALIASES.get(expression.name.lower(), expression.name)
    return name.startswith("__key") or name.lower() in (WINDOW_START, WINDOW_END)


class Pipeline:
    """One query's engine: a stage plus the projection to the SELECT list."""

    def __init__(self, plan: LogicalPlan) -> None:
        self.plan = plan
        self.metrics = PipelineMetrics()
        self._stage = _build_stage(plan)
        self._outputs: list[tuple[str, ScalarExpr | None]] = [
            (
                column.name,
                None if isinstance(column.expression, exp.Star) else compile_scalar(column.expression),
            )
            for column in plan.outputs
        ]
        self._kept_on_delete = [_is_key_or_bound(column.expression) for column in plan.outputs]
        self._with_op = plan.is_aggregate and plan.emit is EmitMode.CHANGES
        self._context = frozenset(
            [key_column(index) for index in range(len(plan.group_by))] + [WINDOW_START, WINDOW_END]
            if plan.is_aggregate
            else [KEY, TIMESTAMP]
        )

    @property
    def held_since_seq(self) -> int | None:
        """Arrival number (0-based, counting every row ever passed to ``process``) of the oldest
        row whose effect is still held in open state, or None. Rows before it are safe to commit:
        their effects have been emitted, or they had none (filtered, late, dead letters)."""
        return self._stage.held_since_seq

    @property
    def is_done(self) -> bool:
        """True once LIMIT rows have been produced."""
        return self.plan.limit is not None and self.metrics.rows_out >= self.plan.limit

    @property
    def sources(self) -> tuple[str, ...]:
        """The names of the inputs the query reads, as written in its FROM clause."""
        return (self.plan.source.name,)

    def process(self, batch: pa.RecordBatch, *, source: str | None = None) -> StepOutput:
        """Consume one batch of the input ``source`` (None: the only one); returns what it produced.

        Raises:
            ExecutionError: the query reads no input of that name.
        """
        self._check_source(source)
        self.metrics.records_in += batch.num_rows
        return self._collect(self._stage.process(batch))

    def mark_idle(self, partition: int, *, source: str | None = None) -> StepOutput:
        """``partition`` of ``source`` has delivered nothing for ``watermark.idle_timeout``
        (processing time, decided by the caller): it stops holding the watermark back until it
        delivers again, and the windows that releases close."""
        self._check_source(source)
        return self._collect(self._stage.mark_idle(partition))

    def _check_source(self, source: str | None) -> None:
        if source is not None and source.lower() not in (name.lower() for name in self.sources):
            raise ExecutionError(
                f"the query reads no input named {source!r}; it reads {', '.join(self.sources)}"
            )

    def observe_progress(self, partitions: np.ndarray, event_ms: np.ndarray) -> StepOutput:
        """Partition ``partitions[i]`` has reached event time ``event_ms[i]`` (int64 epoch ms),
        though its rows went elsewhere (a shuffle sends each key's rows to one consumer): the
        watermark moves as if rows with those times had arrived here, and the windows it closes
        are emitted."""
        return self._collect(self._stage.observe_progress(partitions, event_ms))

    def expect_partitions(self, partitions: list[int]) -> None:
        """``partitions`` are known to have data waiting (a topic's partitions with unread
        messages): until each delivers, or is marked idle, it holds the watermark back, as if it
        had delivered at the beginning of time. Without this, a partition read after the others
        would find its rows late."""
        self._stage.expect_partitions(partitions)

    def resume_after(self, watermark_ms: int) -> None:
        """This run resumes an earlier one whose watermark had reached ``watermark_ms`` when it
        last committed. Rows replayed from the committed offsets rebuild every window that was
        open then; windows that had closed by then were emitted by the earlier run, and replayed
        rows can only rebuild them partially, so they are not emitted again."""
        self._stage.suppress_emitted(watermark_ms)

    def finish(self) -> StepOutput:
        """End of a finite input: the watermark moves to +infinity and every window closes."""
        return self._collect(self._stage.finish())

    def _collect(self, output: StageOutput) -> StepOutput:
        rows, context = self._project(output.frames)
        if self.plan.limit is not None:
            room = max(self.plan.limit - self.metrics.rows_out, 0)
            rows, context = rows.slice(0, room), context.slice(0, room)
        dead = (
            pa.concat_tables(output.dead_letters, promote_options="permissive")
            if output.dead_letters
            else None
        )
        metrics = self.metrics
        metrics.rows_out += rows.num_rows
        metrics.late_count += output.late_count
        metrics.dead_letter_count += dead.num_rows if dead is not None else 0
        metrics.watermark_ms = self._stage.watermark_ms
        metrics.state_slots = self._stage.state_slots
        return StepOutput(rows=rows, dead_letters=dead if dead is not None else pa.table({}), context=context)

    def _project(self, frames: list[pa.Table]) -> tuple[pa.Table, pa.Table]:
        if not frames:
            return self._project_one(None), pa.table({})
        rows = [self._project_one(frame) for frame in frames]
        contexts = [
            frame.select([name for name in frame.column_names if name in self._context]) for frame in frames
        ]
        if len(frames) == 1:
            return rows[0], contexts[0]
        concat = partial(pa.concat_tables, promote_options="permissive")
        return concat(rows), concat(contexts)

    def _project_one(self, frame: pa.Table | None) -> pa.Table:
        if frame is None:
            names = [name for name, _ in self._outputs] + ([OP] if self._with_op else [])
            return pa.Table.from_arrays([pa.nulls(0) for _ in names], names=names)
        names: list[str] = []
        arrays: list[pa.Array] = []
        is_delete = None
        if self._with_op:
            is_delete = frame.column(OP).is_valid()
        for (name, expression), kept in zip(self._outputs, self._kept_on_delete, strict=True):
            if expression is None:
                stars = [column for column in frame.column_names if column not in SYSTEM_COLUMNS]
                names += stars
                arrays += [frame.column(column) for column in stars]
                continue
            values = expression.evaluate(frame)
            if is_delete is not None and not kept:
                values = pc.if_else(is_delete, pa.nulls(len(values), type=values.type), values)
            names.append(name)
            arrays.append(values)
        if self._with_op:
            names.append(OP)
            arrays.append(frame.column(OP))
        return pa.Table.from_arrays(arrays, names=names)
