"""ROWS windows (``RowsStage``): per-partition frames over the last n rows, checked against a
naive per-row reference and with several batch sizes."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from sqlglot import exp

from vsql.engine.errors import UnsupportedError
from vsql.engine.pipeline import Pipeline
from vsql.engine.sql.plan import (
    EmitMode,
    LogicalPlan,
    OutputColumn,
    RowsCall,
    RowsFunc,
    RowsSpec,
    SourceSpec,
    rows_column,
)

BATCH_SIZES = [1, 3, 7, 1000]
AGGREGATES = [RowsFunc.AVG, RowsFunc.SUM, RowsFunc.MIN, RowsFunc.MAX, RowsFunc.COUNT]


def _spec(buffer_rows: int, *, preceding: int | None = None, expire_ms: int | None = None) -> RowsSpec:
    return RowsSpec(
        buffer_rows=buffer_rows,
        partition_by=(exp.column("symbol"),),
        order_by=exp.column("ts"),
        preceding_rows=preceding,
        expire_after_ms=expire_ms,
    )


def _call(
    func: RowsFunc,
    spec: RowsSpec,
    argument: str | None = "price",
    *,
    offset: int = 1,
    default: exp.Expression | None = None,
) -> RowsCall:
    return RowsCall(
        func=func,
        argument=None if argument is None else exp.column(argument),
        window=spec,
        offset=offset,
        default=default,
    )


def _plan(calls: Sequence[RowsCall], *, where: exp.Expression | None = None) -> LogicalPlan:
    outputs = [OutputColumn("symbol", exp.column("symbol")), OutputColumn("price", exp.column("price"))]
    outputs += [OutputColumn(f"r{index}", exp.column(rows_column(index))) for index in range(len(calls))]
    return LogicalPlan(
        source=SourceSpec("trades"),
        outputs=tuple(outputs),
        emit=EmitMode.CHANGES,
        where=where,
        rows_calls=tuple(calls),
    )


def _run(plan: LogicalPlan, data: pa.Table, batch_rows: int) -> list[dict]:
    pipeline = Pipeline(plan)
    rows: list[dict] = []
    for batch in data.to_batches(max_chunksize=batch_rows):
        rows += pipeline.process(batch).rows.to_pylist()
    return rows + pipeline.finish().rows.to_pylist()


def _table(
    ts: Sequence[int], symbols: Sequence[str | None], prices: Sequence[object], price_type=None
) -> pa.Table:
    return pa.table(
        {
            "_timestamp": pa.array(ts, pa.int64()),
            "ts": pa.array(ts, pa.int64()),
            "symbol": pa.array(symbols, pa.string()),
            "price": pa.array(prices, price_type),
        }
    )


def _stream(seed: int, rows: int = 80, *, kind: str = "float", keys: int = 3) -> pa.Table:
    rng = np.random.default_rng(seed)
    ts = np.cumsum(rng.integers(0, 5, rows)).tolist()
    symbols = [None if k == keys else f"S{k}" for k in rng.integers(0, keys + 1, rows).tolist()]
    if kind == "float":
        prices: list[object] = np.round(rng.normal(100, 10, rows), 2).tolist()
    else:
        prices = rng.integers(-50, 50, rows).tolist()
    prices = [None if drop else p for p, drop in zip(prices, rng.random(rows) < 0.15, strict=True)]
    return _table(ts, symbols, prices, pa.float64() if kind == "float" else pa.int64())


def _aggregate(func: RowsFunc, frame: list) -> object:
    values = [v for v in frame if v is not None]
    if func is RowsFunc.COUNT:
        return len(values)
    if not values:
        return None
    if func is RowsFunc.SUM:
        return sum(values)
    if func is RowsFunc.AVG:
        return sum(values) / len(values)
    return min(values) if func is RowsFunc.MIN else max(values)


def _reference(data: pa.Table, call: RowsCall) -> list[object]:
    """Per row, in input order, the call's result computed from the rows of its partition."""
    history: dict[object, list[dict]] = {}
    frame_rows = call.window.frame_rows
    result = []
    for row in data.to_pylist():
        rows = history.setdefault(row["symbol"], [])
        if call.func is RowsFunc.LAG:
            default = None if call.default is None else call.default.to_py()
            result.append(rows[-call.offset]["price"] if len(rows) >= call.offset else default)
        rows.append(row)
        frame = rows[-frame_rows:]
        if call.func is RowsFunc.ROW_NUMBER:
            result.append(len(rows))
        elif call.func in (RowsFunc.RANK, RowsFunc.DENSE_RANK):
            below = [r["ts"] for r in frame[:-1] if r["ts"] < row["ts"]]
            result.append(1 + (len(below) if call.func is RowsFunc.RANK else len(set(below))))
        elif call.func is not RowsFunc.LAG:
            result.append(_aggregate(call.func, [r["price"] for r in frame]))
    return result


def _assert_close(actual: list, expected: list) -> None:
    assert len(actual) == len(expected)
    for index, (got, want) in enumerate(zip(actual, expected, strict=True)):
        if isinstance(want, float):
            assert got is not None, (index, got, want)
            assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9), (index, got, want)
        else:
            assert got == want, (index, got, want)


@pytest.mark.parametrize("func", AGGREGATES)
@pytest.mark.parametrize("kind", ["float", "int"])
@pytest.mark.parametrize("batch_rows", BATCH_SIZES)
def test_aggregate_over_the_last_n_rows_of_the_partition(func: RowsFunc, kind: str, batch_rows: int) -> None:
    data = _stream(11, kind=kind)
    call = _call(func, _spec(4))
    rows = _run(_plan([call]), data, batch_rows)
    _assert_close([row["r0"] for row in rows], _reference(data, call))
    assert [row["price"] for row in rows] == data.column("price").to_pylist()


@pytest.mark.parametrize("kind", ["float", "int"])
def test_sum_of_ints_is_an_int_and_min_max_keep_the_input_type(kind: str) -> None:
    data = _stream(3, kind=kind)
    calls = [_call(RowsFunc.SUM, _spec(3)), _call(RowsFunc.MIN, _spec(3)), _call(RowsFunc.MAX, _spec(3))]
    result = Pipeline(_plan(calls)).process(data.to_batches()[0]).rows
    expected = pa.int64() if kind == "int" else pa.float64()
    assert [result.schema.field(f"r{i}").type for i in range(3)] == [expected] * 3


def test_sum_of_large_ints_is_exact() -> None:
    big = 2**53
    data = _table([1, 2, 3], ["a", "a", "a"], [big, 1, 1], pa.int64())
    rows = _run(_plan([_call(RowsFunc.SUM, _spec(3))]), data, 1000)
    assert [row["r0"] for row in rows] == [big, big + 1, big + 2]


@pytest.mark.parametrize("preceding", [0, 1, 2, 10])
@pytest.mark.parametrize("batch_rows", BATCH_SIZES)
def test_rows_between_k_preceding_and_current_row(preceding: int, batch_rows: int) -> None:
    data = _stream(12)
    calls = [_call(func, _spec(5, preceding=preceding)) for func in AGGREGATES]
    rows = _run(_plan(calls), data, batch_rows)
    for index, call in enumerate(calls):
        assert call.window.frame_rows == min(5, preceding + 1)
        _assert_close([row[f"r{index}"] for row in rows], _reference(data, call))


@pytest.mark.parametrize("offset", [1, 2, 5])
@pytest.mark.parametrize("batch_rows", BATCH_SIZES)
def test_lag_with_offset_and_default(offset: int, batch_rows: int) -> None:
    data = _stream(13, kind="int")
    calls = [
        _call(RowsFunc.LAG, _spec(3), offset=offset),
        _call(RowsFunc.LAG, _spec(3), offset=offset, default=exp.Literal.number(-1)),
    ]
    rows = _run(_plan(calls), data, batch_rows)
    for index, call in enumerate(calls):
        _assert_close([row[f"r{index}"] for row in rows], _reference(data, call))


def test_lag_of_a_null_value_is_null_not_the_default() -> None:
    data = _table([1, 2, 3], ["a", "a", "a"], [None, 5, 6], pa.int64())
    call = _call(RowsFunc.LAG, _spec(2), default=exp.Literal.number(0))
    assert [row["r0"] for row in _run(_plan([call]), data, 1)] == [0, None, 5]


@pytest.mark.parametrize("batch_rows", BATCH_SIZES)
def test_row_number_continues_across_batches(batch_rows: int) -> None:
    data = _stream(14, rows=60)
    call = _call(RowsFunc.ROW_NUMBER, _spec(2), argument=None)
    rows = _run(_plan([call]), data, batch_rows)
    assert [row["r0"] for row in rows] == _reference(data, call)
    assert max(row["r0"] for row in rows) > 2


@pytest.mark.parametrize("func", [RowsFunc.RANK, RowsFunc.DENSE_RANK])
@pytest.mark.parametrize("batch_rows", BATCH_SIZES)
def test_rank_and_dense_rank_within_the_frame(func: RowsFunc, batch_rows: int) -> None:
    rng = np.random.default_rng(15)
    data = pa.table(
        {
            "_timestamp": pa.array(np.arange(50), pa.int64()),
            "ts": pa.array(rng.integers(0, 6, 50), pa.int64()),
            "symbol": pa.array([f"S{k}" for k in rng.integers(0, 2, 50)], pa.string()),
            "price": pa.array(rng.integers(0, 9, 50), pa.int64()),
        }
    )
    call = _call(func, _spec(4), argument=None)
    assert [row["r0"] for row in _run(_plan([call]), data, batch_rows)] == _reference(data, call)


def test_rank_with_ties_in_ascending_input() -> None:
    data = _table([1, 1, 2, 2], ["a"] * 4, [1, 2, 3, 4], pa.int64())
    rank = _call(RowsFunc.RANK, _spec(10), argument=None)
    dense = _call(RowsFunc.DENSE_RANK, _spec(10), argument=None)
    rows = _run(_plan([rank, dense]), data, 1000)
    assert [(row["r0"], row["r1"]) for row in rows] == [(1, 1), (1, 1), (3, 2), (3, 2)]


def test_first_and_last_value_over_the_frame() -> None:
    data = _stream(16)
    calls = [_call(RowsFunc.FIRST_VALUE, _spec(3)), _call(RowsFunc.LAST_VALUE, _spec(3))]
    history: dict[object, list] = {}
    firsts, lasts = [], []
    for row in data.to_pylist():
        history.setdefault(row["symbol"], []).append(row["price"])
        frame = [p for p in history[row["symbol"]][-3:] if p is not None]
        firsts.append(frame[0] if frame else None)
        lasts.append(frame[-1] if frame else None)
    for batch_rows in BATCH_SIZES:
        rows = _run(_plan(calls), data, batch_rows)
        assert [row["r0"] for row in rows] == firsts
        assert [row["r1"] for row in rows] == lasts


@pytest.mark.parametrize("batch_rows", BATCH_SIZES)
def test_expire_after_restarts_row_numbers_and_frames(batch_rows: int) -> None:
    """EXPIRE AFTER 40 ms, idleness measured in stream event time before the row: 'a' (last at 3)
    restarts at 51 because the stream had reached 50; 'b' (last at 52) restarts at 121 because the
    stream had reached 120. 'a' at 120 goes on: the stream had only reached 52 since 'a' at 51."""
    ts = [0, 1, 2, 3, 50, 51, 52, 120, 121]
    data = _table(
        ts, ["a", "a", "b", "a", "b", "a", "b", "a", "b"], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]
    )
    spec = _spec(10, expire_ms=40)
    calls = [_call(RowsFunc.ROW_NUMBER, spec, argument=None), _call(RowsFunc.SUM, spec)]
    rows = _run(_plan(calls), data, batch_rows)
    assert [row["r0"] for row in rows] == [1, 2, 1, 3, 2, 1, 3, 2, 1]
    assert [row["r1"] for row in rows] == [1.0, 3.0, 3.0, 7.0, 8.0, 6.0, 15.0, 14.0, 9.0]


@pytest.mark.parametrize("batch_rows", [1, 2, 3])
def test_expire_after_does_not_depend_on_batching_with_out_of_order_partition_rows(batch_rows: int) -> None:
    """Partition 'a' delivers 100 then 50; at 'a'@165 the stream has reached 160. Whatever the
    inactivity rule, cutting the input differently must not change the row numbers."""
    data = _table([100, 50, 160, 165], ["a", "a", "b", "a"], [1.0, 2.0, 3.0, 4.0])
    call = _call(RowsFunc.ROW_NUMBER, _spec(10, expire_ms=60), argument=None)
    whole = [row["r0"] for row in _run(_plan([call]), data, 1000)]
    assert [row["r0"] for row in _run(_plan([call]), data, batch_rows)] == whole


def test_where_filters_rows_before_the_window() -> None:
    data = _stream(17, kind="int")
    where = exp.GT(this=exp.column("price"), expression=exp.Literal.number(0))
    call = _call(RowsFunc.COUNT, _spec(3))
    rows = _run(_plan([call], where=where), data, 5)
    kept = data.filter(pc.fill_null(pc.greater(data.column("price"), 0), False))
    assert [row["r0"] for row in rows] == _reference(kept, call)


def test_calls_over_different_windows_in_one_query() -> None:
    data = _stream(18)
    calls = [_call(RowsFunc.AVG, _spec(2)), _call(RowsFunc.AVG, _spec(6)), _call(RowsFunc.COUNT, _spec(2))]
    rows = _run(_plan(calls), data, 7)
    for index, call in enumerate(calls):
        _assert_close([row[f"r{index}"] for row in rows], _reference(data, call))


def test_lead_is_rejected() -> None:
    with pytest.raises(UnsupportedError):
        Pipeline(_plan([_call(RowsFunc.LEAD, _spec(3))]))
