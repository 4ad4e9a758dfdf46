"""EMIT CHANGES: per-row updates, ``_op = 'delete'`` rows, and HAVING under a changelog."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from sqlglot import exp

from vsql.engine.columns import OP, OP_DELETE
from vsql.engine.emission import build_emission
from vsql.engine.emission.changes import ChangesEmission
from vsql.engine.scalar import compile_scalar
from vsql.engine.settings import QuerySettings
from vsql.engine.sql.plan import AggFunc, EmitMode, OutputColumn, SessionSpec, TumblingSpec


def _gt(column: str, value: int) -> exp.Expression:
    return exp.GT(this=exp.column(column), expression=exp.Literal.number(value))


def _frame(keys: list, values: list) -> pa.Table:
    return pa.table({"__key0": pa.array(keys, pa.string()), "__agg0": pa.array(values, pa.int64())})


def test_build_emission_gives_changes_for_emit_changes() -> None:
    assert isinstance(build_emission(EmitMode.CHANGES, having=None), ChangesEmission)


def test_updates_carry_a_null_op_and_deletes_carry_delete() -> None:
    emission = ChangesEmission(None)
    out = emission.on_update(
        _frame(["a", "a"], [None, 3]), slots=np.array([-1, 0]), is_delete=np.array([True, False])
    )
    assert out.column(OP).to_pylist() == [OP_DELETE, None]


def test_having_group_that_stops_passing_emits_a_delete() -> None:
    emission = ChangesEmission(compile_scalar(_gt("__agg0", 5)))
    frame = _frame(["a", "a", "a", "a"], [10, 2, 3, 10])
    out = emission.on_update(frame, slots=np.zeros(4, np.int64), is_delete=np.zeros(4, bool))
    assert out.to_pylist() == [
        {"__key0": "a", "__agg0": 10, OP: None},
        {"__key0": "a", "__agg0": 2, OP: OP_DELETE},
        {"__key0": "a", "__agg0": 10, OP: None},
    ]


def test_having_memory_spans_calls_and_is_kept_per_slot() -> None:
    emission = ChangesEmission(compile_scalar(_gt("__agg0", 5)))
    emission.on_update(_frame(["a", "b"], [9, 1]), slots=np.array([0, 1]), is_delete=np.zeros(2, bool))
    out = emission.on_update(_frame(["b", "a"], [0, 1]), slots=np.array([1, 0]), is_delete=np.zeros(2, bool))
    assert out.to_pylist() == [{"__key0": "a", "__agg0": 1, OP: OP_DELETE}]


def test_released_slot_forgets_that_it_passed() -> None:
    emission = ChangesEmission(compile_scalar(_gt("__agg0", 5)))
    emission.on_update(_frame(["a"], [9]), slots=np.array([0]), is_delete=np.zeros(1, bool))
    emission.on_release(np.array([0]))
    out = emission.on_update(_frame(["z"], [1]), slots=np.array([0]), is_delete=np.zeros(1, bool))
    assert out.num_rows == 0


def test_changes_never_closes_windows() -> None:
    with pytest.raises(TypeError):
        ChangesEmission(None).on_close(_frame(["a"], [1]))


def _table(events: list[int], symbols: list[str], values: list[int | None]) -> pa.Table:
    return pa.table(
        {
            "_timestamp": pa.array(events, type=pa.int64()),
            "symbol": pa.array(symbols, type=pa.string()),
            "v": pa.array(values, type=pa.int64()),
        }
    )


@pytest.mark.parametrize("batch_rows", [1, 2, None])
def test_every_row_emits_the_updated_rows_of_its_windows_in_input_order(
    plan_factory, pipeline_runner, batch_rows
) -> None:
    plan = plan_factory(
        aggregates=[(AggFunc.COUNT, None), (AggFunc.MAX, "v")],
        window=TumblingSpec(10),
        emit=EmitMode.CHANGES,
        settings=QuerySettings.from_properties({"window.allowed_lateness": "5"}),
    )
    data = _table([1, 2, 11, 3], ["a", "b", "a", "a"], [5, 1, 2, 9])
    assert pipeline_runner(plan, data, batch_rows=batch_rows).rows == [
        {"symbol": "a", "a0": 1, "a1": 5, "ws": 0, "we": 10, OP: None},
        {"symbol": "b", "a0": 1, "a1": 1, "ws": 0, "we": 10, OP: None},
        {"symbol": "a", "a0": 1, "a1": 2, "ws": 10, "we": 20, OP: None},
        {"symbol": "a", "a0": 2, "a1": 9, "ws": 0, "we": 10, OP: None},
    ]


@pytest.mark.parametrize("batch_rows", [1, 3, None])
def test_having_under_changes_deletes_a_group_that_stops_passing_and_reemits_it(
    plan_factory, pipeline_runner, batch_rows
) -> None:
    plan = plan_factory(
        aggregates=[(AggFunc.SUM, "v")],
        window=TumblingSpec(100),
        emit=EmitMode.CHANGES,
        having=_gt("__agg0", 5),
    )
    data = _table([1, 2, 3, 4, 5], ["a", "a", "a", "b", "a"], [10, -8, 1, 1, 7])
    assert pipeline_runner(plan, data, batch_rows=batch_rows).rows == [
        {"symbol": "a", "a0": 10, "ws": 0, "we": 100, OP: None},
        {"symbol": "a", "a0": None, "ws": 0, "we": 100, OP: OP_DELETE},
        {"symbol": "a", "a0": 10, "ws": 0, "we": 100, OP: None},
    ]


def test_delete_rows_carry_only_key_and_window_bound_columns(plan_factory, pipeline_runner) -> None:
    plan = plan_factory(
        aggregates=[(AggFunc.SUM, "v"), (AggFunc.COUNT, None)],
        window=TumblingSpec(100),
        emit=EmitMode.CHANGES,
        having=_gt("__agg0", 5),
    )
    data = _table([1, 2], ["a", "a"], [10, -8])
    rows = pipeline_runner(plan, data).rows
    assert rows[1] == {"symbol": "a", "a0": None, "a1": None, "ws": 0, "we": 100, OP: OP_DELETE}


def test_delete_rows_null_out_expressions_over_aggregates(plan_factory, pipeline_runner) -> None:
    plan = plan_factory(
        aggregates=[(AggFunc.SUM, "v")],
        window=TumblingSpec(100),
        emit=EmitMode.CHANGES,
        having=_gt("__agg0", 5),
    )
    doubled = OutputColumn("twice", exp.Mul(this=exp.column("__agg0"), expression=exp.Literal.number(2)))
    plan = type(plan)(**{**plan.__dict__, "outputs": (*plan.outputs, doubled)})
    rows = pipeline_runner(plan, _table([1, 2], ["a", "a"], [10, -8])).rows
    assert rows[1]["twice"] is None
    assert rows[1]["symbol"] == "a"


def test_slot_reused_by_a_later_window_does_not_inherit_having_state(plan_factory, pipeline_runner) -> None:
    plan = plan_factory(
        aggregates=[(AggFunc.SUM, "v")],
        window=TumblingSpec(10),
        emit=EmitMode.CHANGES,
        having=_gt("__agg0", 5),
    )
    data = _table([1, 15, 25], ["a", "a", "a"], [10, 1, 1])
    assert pipeline_runner(plan, data, batch_rows=1).rows == [
        {"symbol": "a", "a0": 10, "ws": 0, "we": 10, OP: None},
    ]


def test_session_extension_deletes_the_old_bounds_before_the_new_row(plan_factory, pipeline_runner) -> None:
    plan = plan_factory(aggregates=[(AggFunc.COUNT, None)], window=SessionSpec(10), emit=EmitMode.CHANGES)
    rows = pipeline_runner(plan, _table([0, 4, 4], ["a", "a", "a"], [1, 1, 1])).rows
    assert rows == [
        {"symbol": "a", "a0": 1, "ws": 0, "we": 10, OP: None},
        {"symbol": "a", "a0": None, "ws": 0, "we": 10, OP: OP_DELETE},
        {"symbol": "a", "a0": 2, "ws": 0, "we": 14, OP: None},
        {"symbol": "a", "a0": 3, "ws": 0, "we": 14, OP: None},
    ]


def test_session_merge_deletes_come_in_ascending_start_before_the_merged_row(
    plan_factory, pipeline_runner
) -> None:
    settings = QuerySettings.from_properties({"watermark.max_out_of_orderness": "100"})
    plan = plan_factory(
        aggregates=[(AggFunc.COUNT, None)], window=SessionSpec(10), emit=EmitMode.CHANGES, settings=settings
    )
    rows = pipeline_runner(plan, _table([18, 0, 9], ["a", "a", "a"], [1, 1, 1])).rows
    assert rows[2:] == [
        {"symbol": "a", "a0": None, "ws": 0, "we": 10, OP: OP_DELETE},
        {"symbol": "a", "a0": None, "ws": 18, "we": 28, OP: OP_DELETE},
        {"symbol": "a", "a0": 3, "ws": 0, "we": 28, OP: None},
    ]
