"""EMIT FINAL: each (window, group) once at close, HAVING, and the emission order."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from sqlglot import exp

from vsql.engine.emission import build_emission
from vsql.engine.emission.final import FinalEmission
from vsql.engine.scalar import compile_scalar
from vsql.engine.sql.plan import AggFunc, EmitMode, SlidingSpec, TumblingSpec


def _gt(column: str, value: int) -> exp.Expression:
    return exp.GT(this=exp.column(column), expression=exp.Literal.number(value))


def test_build_emission_gives_final_for_emit_final() -> None:
    assert isinstance(build_emission(EmitMode.FINAL, having=None), FinalEmission)


def test_without_having_every_closed_row_is_emitted_unchanged() -> None:
    frame = pa.table({"__key0": ["a", "b"], "__agg0": [1, 2]})
    assert FinalEmission(None).on_close(frame) == frame


def test_having_keeps_only_passing_rows_and_drops_null_results() -> None:
    emission = FinalEmission(compile_scalar(_gt("__agg0", 1)))
    frame = pa.table({"__key0": ["a", "b", "c"], "__agg0": pa.array([1, 2, None], type=pa.int64())})
    assert emission.on_close(frame).to_pylist() == [{"__key0": "b", "__agg0": 2}]


def test_final_never_emits_updates() -> None:
    with pytest.raises(TypeError):
        FinalEmission(None).on_update(pa.table({"x": [1]}), slots=np.array([0]), is_delete=np.array([False]))


def _trades(events, symbols, values, venues=None) -> pa.Table:
    columns = {
        "_timestamp": pa.array(events, type=pa.int64()),
        "symbol": pa.array(symbols, type=pa.string()),
        "v": pa.array(values, type=pa.int64()),
    }
    if venues is not None:
        columns["venue"] = pa.array(venues, type=pa.string())
    return pa.table(columns)


@pytest.mark.parametrize("batch_rows", [1, 4, None])
def test_pipeline_having_filters_windows_at_close(plan_factory, pipeline_runner, batch_rows) -> None:
    plan = plan_factory(aggregates=[(AggFunc.COUNT, None)], window=TumblingSpec(10), having=_gt("__agg0", 1))
    data = _trades([1, 2, 3, 11, 12, 13], ["a", "a", "b", "a", "b", "b"], [1] * 6)
    assert pipeline_runner(plan, data, batch_rows=batch_rows).rows == [
        {"symbol": "a", "a0": 2, "ws": 0, "we": 10},
        {"symbol": "b", "a0": 2, "ws": 10, "we": 20},
    ]


def test_windows_closing_together_come_out_by_end_then_start_then_key(plan_factory, pipeline_runner) -> None:
    plan = plan_factory(aggregates=[(AggFunc.COUNT, None)], window=SlidingSpec(10, 5))
    data = _trades([7, 3, 8], ["b", "a", None], [1, 1, 1])
    rows = pipeline_runner(plan, data).rows
    assert [(row["ws"], row["we"], row["symbol"]) for row in rows] == [
        (0, 10, None),
        (0, 10, "a"),
        (0, 10, "b"),
        (5, 15, None),
        (5, 15, "b"),
    ]


def test_multi_key_order_is_column_by_column_with_nulls_first(plan_factory, pipeline_runner) -> None:
    plan = plan_factory(
        aggregates=[(AggFunc.COUNT, None)], group_by=("symbol", "venue"), window=TumblingSpec(10)
    )
    data = _trades(
        [1, 2, 3, 4, 5, 6],
        ["b", "a", "a", None, "a", "b"],
        [1] * 6,
        venues=["x", "y", None, "z", "x", "x"],
    )
    rows = pipeline_runner(plan, data).rows
    assert [(row["symbol"], row["venue"], row["a0"]) for row in rows] == [
        (None, "z", 1),
        ("a", None, 1),
        ("a", "x", 1),
        ("a", "y", 1),
        ("b", "x", 2),
    ]


def test_numeric_keys_sort_by_value(plan_factory, pipeline_runner) -> None:
    plan = plan_factory(aggregates=[(AggFunc.COUNT, None)], group_by=("k",), window=TumblingSpec(10))
    data = pa.table({"_timestamp": pa.array([1, 2, 3, 4], type=pa.int64()), "k": [10, -3, 2, 10]})
    rows = pipeline_runner(plan, data).rows
    assert [(row["k"], row["a0"]) for row in rows] == [(-3, 1), (2, 1), (10, 2)]


def test_each_window_is_emitted_once_when_it_closes(plan_factory, pipeline_runner) -> None:
    plan = plan_factory(aggregates=[(AggFunc.SUM, "v")], window=TumblingSpec(10))
    data = _trades([1, 5, 12, 3, 25], ["a"] * 5, [1, 2, 3, 4, 5])
    run = pipeline_runner(plan, data, batch_rows=1)
    assert run.rows == [
        {"symbol": "a", "a0": 3, "ws": 0, "we": 10},
        {"symbol": "a", "a0": 3, "ws": 10, "we": 20},
        {"symbol": "a", "a0": 5, "ws": 20, "we": 30},
    ]
    assert run.late_count == 1
