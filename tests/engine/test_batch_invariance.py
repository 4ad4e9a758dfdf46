"""Results never depend on how the input is cut into batches (DESIGN: "Time", lateness per row).

For random small streams (out of order, NULL keys and values, two Kafka partitions) every window
kind under EMIT FINAL and EMIT CHANGES, and the ROWS stage, give the same rows in the same order,
the same late count and the same dead letters whether fed one row at a time, 7 at a time, 1000 at
a time or all at once.
"""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlglot import exp

from vsql.engine.pipeline import Pipeline
from vsql.engine.settings import QuerySettings
from vsql.engine.sql.plan import (
    AggFunc,
    AggregateSpec,
    EmitMode,
    LogicalPlan,
    OutputColumn,
    RowsCall,
    RowsFunc,
    RowsSpec,
    SessionSpec,
    SlidingSpec,
    SourceSpec,
    TumblingSpec,
    agg_column,
    key_column,
    rows_column,
)

BATCH_SIZES = (1, 7, 1000, None)
WINDOWS = {
    "tumbling": TumblingSpec(10),
    "sliding": SlidingSpec(10, 4),
    "hopping_gaps": SlidingSpec(4, 10),
    "session": SessionSpec(6),
}
CHANGES_AGGREGATES = (
    (AggFunc.COUNT, None, False),
    (AggFunc.COUNT, "v", False),
    (AggFunc.SUM, "v", False),
    (AggFunc.MIN, "v", False),
    (AggFunc.MAX, "v", False),
    (AggFunc.AVG, "v", False),
    (AggFunc.FIRST_VALUE, "v", False),
    (AggFunc.LAST_VALUE, "v", False),
    (AggFunc.COUNT, "v", True),
    (AggFunc.VAR_POP, "v", False),
)
FINAL_AGGREGATES = (*CHANGES_AGGREGATES, (AggFunc.MEDIAN, "v", False))


def _streams(partition_count: int) -> st.SearchStrategy[list[tuple]]:
    row = st.tuples(
        st.integers(0, 80),
        st.sampled_from(["a", "b", "c", None]),
        st.one_of(st.none(), st.integers(-20, 20)),
        st.integers(0, partition_count - 1),
    )
    return st.lists(row, min_size=1, max_size=30)


streams = _streams(1)
lateness = st.sampled_from([{}, {"watermark.max_out_of_orderness": "5"}, {"window.allowed_lateness": "3"}])


def _table(rows: list[tuple]) -> pa.Table:
    events, symbols, values, partitions = zip(*rows, strict=True)
    return pa.table(
        {
            "_timestamp": pa.array(events, pa.int64()),
            "_partition": pa.array(partitions, pa.int64()),
            "symbol": pa.array(symbols, pa.string()),
            "v": pa.array(values, pa.int64()),
        }
    )


def _aggregate_plan(window: str, emit: EmitMode, properties: dict[str, str]) -> LogicalPlan:
    aggregates = FINAL_AGGREGATES if emit is EmitMode.FINAL else CHANGES_AGGREGATES
    outputs = [OutputColumn("symbol", exp.column(key_column(0)))]
    outputs += [OutputColumn(f"a{index}", exp.column(agg_column(index))) for index in range(len(aggregates))]
    outputs += [
        OutputColumn("ws", exp.column("_window_start")),
        OutputColumn("we", exp.column("_window_end")),
    ]
    return LogicalPlan(
        source=SourceSpec("stream"),
        outputs=tuple(outputs),
        emit=emit,
        settings=QuerySettings.from_properties(properties),
        group_by=(exp.column("symbol"),),
        aggregates=tuple(
            AggregateSpec(func, None if argument is None else exp.column(argument), distinct=distinct)
            for func, argument, distinct in aggregates
        ),
        window=WINDOWS[window],
    )


def _rows_plan(expire_ms: int | None) -> LogicalPlan:
    spec = RowsSpec(
        buffer_rows=3,
        partition_by=(exp.column("symbol"),),
        order_by=exp.column("_timestamp"),
        expire_after_ms=expire_ms,
    )
    framed = RowsSpec(buffer_rows=5, partition_by=(exp.column("symbol"),), preceding_rows=1)
    calls = (
        RowsCall(RowsFunc.AVG, exp.column("v"), spec),
        RowsCall(RowsFunc.SUM, exp.column("v"), spec),
        RowsCall(RowsFunc.MIN, exp.column("v"), framed),
        RowsCall(RowsFunc.COUNT, exp.column("v"), spec),
        RowsCall(RowsFunc.LAG, exp.column("v"), spec, offset=2, default=exp.Literal.number(0)),
        RowsCall(RowsFunc.ROW_NUMBER, None, spec),
        RowsCall(RowsFunc.RANK, None, spec),
        RowsCall(RowsFunc.DENSE_RANK, None, spec),
    )
    outputs = [OutputColumn("symbol", exp.column("symbol")), OutputColumn("v", exp.column("v"))]
    outputs += [OutputColumn(f"r{index}", exp.column(rows_column(index))) for index in range(len(calls))]
    return LogicalPlan(
        source=SourceSpec("stream"), outputs=tuple(outputs), emit=EmitMode.CHANGES, rows_calls=calls
    )


def _rounded(rows: list[dict]) -> list[dict]:
    return [
        {key: round(value, 9) if isinstance(value, float) else value for key, value in r.items()}
        for r in rows
    ]


def _run(plan: LogicalPlan, data: pa.Table, batch_rows: int | None) -> tuple[list[dict], int, list[dict]]:
    pipeline = Pipeline(plan)
    rows: list[dict] = []
    dead: list[dict] = []
    for batch in data.to_batches(max_chunksize=batch_rows or data.num_rows):
        output = pipeline.process(batch)
        rows += output.rows.to_pylist()
        dead += output.dead_letters.to_pylist()
    output = pipeline.finish()
    rows += output.rows.to_pylist()
    return _rounded(rows), pipeline.metrics.late_count, dead


def _assert_invariant(plan: LogicalPlan, data: pa.Table) -> None:
    reference = _run(plan, data, None)
    for batch_rows in BATCH_SIZES[:-1]:
        assert _run(plan, data, batch_rows) == reference, f"batches of {batch_rows} differ from one batch"


INVARIANCE = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.mark.parametrize("emit", [EmitMode.FINAL, EmitMode.CHANGES], ids=["final", "changes"])
@pytest.mark.parametrize("window", list(WINDOWS))
@INVARIANCE
@given(rows=streams, properties=lateness)
def test_window_results_do_not_depend_on_batching(window: str, emit: EmitMode, rows, properties) -> None:
    _assert_invariant(_aggregate_plan(window, emit, properties), _table(rows))


@pytest.mark.parametrize(("window", "emit"), [("tumbling", EmitMode.FINAL), ("session", EmitMode.CHANGES)])
@INVARIANCE
@given(rows=_streams(2), properties=lateness)
def test_window_results_over_two_partitions_do_not_depend_on_batching(
    window: str, emit: EmitMode, rows, properties
) -> None:
    _assert_invariant(_aggregate_plan(window, emit, properties), _table(rows))


@pytest.mark.parametrize("expire_ms", [None, 15], ids=["no_expiry", "expire_after"])
@INVARIANCE
@given(rows=streams)
def test_rows_window_results_do_not_depend_on_batching(expire_ms: int | None, rows) -> None:
    _assert_invariant(_rows_plan(expire_ms), _table(rows))
