"""Shared factories for engine tests: a recording ``WindowSink``, hand-made plans, pipeline runs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pytest
from sqlglot import exp

from vsql.engine.pipeline import Pipeline
from vsql.engine.settings import QuerySettings
from vsql.engine.sql.plan import (
    AggFunc,
    AggregateSpec,
    EmitMode,
    LogicalPlan,
    OutputColumn,
    SourceSpec,
    WindowSpec,
    agg_column,
    key_column,
)
from vsql.engine.watermark import WatermarkTracker
from vsql.engine.windows import NO_BOUND, Changes, ClosedWindows, WindowRows


@dataclass
class RecordingSink:
    """A ``WindowSink`` that records every call and models slot contents as sets of row ids.

    Row ids are the ``index`` values strategies pass (tests make them global across batches), so
    a closed window's rows can be checked against a hand computation.
    """

    calls: list[tuple[str, object]] = field(default_factory=list)
    contents: dict[int, list[int]] = field(default_factory=dict)
    closed: list[tuple[int, int, int, list[int]]] = field(default_factory=list)
    updates: list[tuple[int, int, int, int]] = field(default_factory=list)
    deletes: list[tuple[int, int, int, int]] = field(default_factory=list)
    released: list[int] = field(default_factory=list)

    def fold(self, rows: np.ndarray, slots: np.ndarray) -> None:
        self.calls.append(("fold", (rows.copy(), slots.copy())))
        for row, slot in zip(rows.tolist(), slots.tolist(), strict=True):
            self.contents.setdefault(slot, []).append(row)

    def changes(self, changes: Changes) -> None:
        self.calls.append(("changes", changes))
        for row, slot, group, start, end in zip(
            changes.rows.tolist(),
            changes.slots.tolist(),
            changes.group_ids.tolist(),
            changes.start_ms.tolist(),
            changes.end_ms.tolist(),
            strict=True,
        ):
            self.contents.setdefault(slot, []).append(row)
            self.updates.append((row, group, start, end))
        self.deletes += list(
            zip(
                changes.delete_rows.tolist(),
                changes.delete_group_ids.tolist(),
                changes.delete_start_ms.tolist(),
                changes.delete_end_ms.tolist(),
                strict=True,
            )
        )

    def merge(self, into: np.ndarray, sources: np.ndarray) -> None:
        self.calls.append(("merge", (into.copy(), sources.copy())))
        for target, source in zip(into.tolist(), sources.tolist(), strict=True):
            self.contents.setdefault(target, []).extend(self.contents.pop(source, []))

    def close(self, closed: ClosedWindows) -> None:
        self.calls.append(("close", closed))
        ends = np.append(closed.starts[1:], len(closed.slots))
        for k, (begin, end) in enumerate(zip(closed.starts.tolist(), ends.tolist(), strict=True)):
            rows = sorted(
                row for slot in closed.slots[begin:end].tolist() for row in self.contents.get(slot, [])
            )
            self.closed.append(
                (int(closed.group_ids[k]), int(closed.start_ms[k]), int(closed.end_ms[k]), rows)
            )

    def release(self, slots: np.ndarray) -> None:
        self.calls.append(("release", slots.copy()))
        for slot in slots.tolist():
            self.contents.pop(slot, None)
            self.released.append(slot)

    def kinds(self) -> list[str]:
        """The names of the calls, in order."""
        return [kind for kind, _ in self.calls]


class StrategyDriver:
    """Feeds batches of (event_ms, group) rows to a strategy the way the aggregate stage does:
    watermark per row from a ``WatermarkTracker``, then ``advance`` to the current watermark."""

    def __init__(self, strategy: object, *, max_out_of_orderness_ms: int = 0) -> None:
        self.strategy = strategy
        self.sink = RecordingSink()
        self.tracker = WatermarkTracker(max_out_of_orderness_ms=max_out_of_orderness_ms)
        self.next_row = 0
        self.late: list[int] = []

    def feed(self, event_ms: Sequence[int], groups: Sequence[int] | None = None) -> np.ndarray:
        """One batch; returns its late mask. Row ids continue across batches."""
        events = np.asarray(event_ms, dtype=np.int64)
        group_ids = np.zeros(len(events), np.int64) if groups is None else np.asarray(groups, np.int64)
        watermark = self.tracker.observe(np.zeros(len(events), np.int64), events)
        index = np.arange(self.next_row, self.next_row + len(events))
        rows = WindowRows(event_ms=events, group_ids=group_ids, watermark_ms=watermark, index=index)
        late = self.strategy.process(rows, self.sink)
        self.strategy.advance(self.tracker.current_ms, self.sink)
        self.late += index[late].tolist()
        self.next_row += len(events)
        return late

    def finish(self) -> None:
        """End of input."""
        self.strategy.advance(self.tracker.finish(), self.sink)


@pytest.fixture
def driver_factory() -> Callable[..., StrategyDriver]:
    """Builds a ``StrategyDriver`` around a strategy."""
    return StrategyDriver


def window_rows(event_ms: Sequence[int], groups: Sequence[int], watermark_ms: Sequence[int]) -> WindowRows:
    """``WindowRows`` with explicit watermarks (``None`` entries mean ``NO_BOUND``)."""
    events = np.asarray(event_ms, dtype=np.int64)
    marks = np.asarray([NO_BOUND if mark is None else mark for mark in watermark_ms], dtype=np.int64)
    return WindowRows(
        event_ms=events,
        group_ids=np.asarray(groups, np.int64),
        watermark_ms=marks,
        index=np.arange(len(events)),
    )


@pytest.fixture
def window_rows_factory() -> Callable[..., WindowRows]:
    """Builds ``WindowRows`` with explicit watermarks."""
    return window_rows


def aggregate_plan(
    *,
    aggregates: Sequence[tuple[AggFunc, str | None]],
    group_by: Sequence[str] = ("symbol",),
    window: WindowSpec | None = None,
    emit: EmitMode = EmitMode.FINAL,
    having: exp.Expression | None = None,
    settings: QuerySettings | None = None,
    where: exp.Expression | None = None,
) -> LogicalPlan:
    """An aggregate plan selecting the keys (by their column names), ``a<i>`` per aggregate and,
    with a window, ``ws``/``we`` for the bounds."""
    outputs = [OutputColumn(name, exp.column(key_column(index))) for index, name in enumerate(group_by)]
    outputs += [OutputColumn(f"a{index}", exp.column(agg_column(index))) for index in range(len(aggregates))]
    if window is not None:
        outputs += [
            OutputColumn("ws", exp.column("_window_start")),
            OutputColumn("we", exp.column("_window_end")),
        ]
    return LogicalPlan(
        source=SourceSpec("stream"),
        outputs=tuple(outputs),
        emit=emit,
        settings=settings or QuerySettings(),
        where=where,
        group_by=tuple(exp.column(name) for name in group_by),
        aggregates=tuple(
            AggregateSpec(func, None if argument is None else exp.column(argument))
            for func, argument in aggregates
        ),
        window=window,
        having=having,
    )


@pytest.fixture
def plan_factory() -> Callable[..., LogicalPlan]:
    """Builds aggregate plans; see ``aggregate_plan``."""
    return aggregate_plan


@dataclass
class PipelineRun:
    """Everything a pipeline produced over a whole input."""

    rows: list[dict]
    late_count: int
    dead_letters: list[dict]


def run_pipeline(plan: LogicalPlan, data: pa.Table, *, batch_rows: int | None = None) -> PipelineRun:
    """Run ``plan`` over ``data`` cut into batches of ``batch_rows`` (all at once when None)."""
    pipeline = Pipeline(plan)
    rows: list[dict] = []
    dead: list[dict] = []
    size = batch_rows or max(data.num_rows, 1)
    for batch in data.to_batches(max_chunksize=size):
        output = pipeline.process(batch)
        rows += output.rows.to_pylist()
        dead += output.dead_letters.to_pylist()
    output = pipeline.finish()
    rows += output.rows.to_pylist()
    dead += output.dead_letters.to_pylist()
    return PipelineRun(rows=rows, late_count=pipeline.metrics.late_count, dead_letters=dead)


@pytest.fixture
def pipeline_runner() -> Callable[..., PipelineRun]:
    """Runs a plan over a table; see ``run_pipeline``."""
    return run_pipeline
