"""Frame computations for ROWS windows, on whole arrays.

``FrameLayout`` sorts the kept history plus the new batch by partition (arrival order inside a
partition, history first) and cuts segments where the partition changes or restarts. Each row's
frame is ``[max(segment_start, position - frame_rows + 1), position]`` in that order. Functions
are prefix sums (COUNT, SUM, AVG, variance), a sparse table (MIN, MAX), index scans
(FIRST_VALUE, LAST_VALUE), shifts (LAG) and a bounded comparison sweep (RANK, DENSE_RANK).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vsql.engine.sql.plan import RowsCall, RowsFunc

__all__ = ["FrameLayout", "frame_function"]


@dataclass(frozen=True)
class FrameLayout:
    """Rows (history then batch) sorted into partition segments; see the module docstring."""

    order: np.ndarray
    segment_start: np.ndarray
    frame_start: np.ndarray
    current_from: int
    current_positions: np.ndarray
    restarted: np.ndarray
    sorted_partition: np.ndarray

    @classmethod
    def build(
        cls, *, partition: np.ndarray, restarts: np.ndarray, frame_rows: int, current_from: int
    ) -> FrameLayout:
        order = np.argsort(partition, kind="stable")
        sorted_partition = partition[order]
        is_start = np.ones(len(order), dtype=bool)
        is_start[1:] = sorted_partition[1:] != sorted_partition[:-1]
        is_start |= restarts[order]
        positions = np.arange(len(order))
        segment_start = np.maximum.accumulate(np.where(is_start, positions, 0))
        position_of = np.empty(len(order), dtype=np.int64)
        position_of[order] = positions
        return cls(
            order=order,
            segment_start=segment_start,
            frame_start=np.maximum(segment_start, positions - frame_rows + 1),
            current_from=current_from,
            current_positions=position_of[current_from:],
            restarted=restarts[order][segment_start],
            sorted_partition=sorted_partition,
        )

    def tail_positions(self, rows: int) -> np.ndarray:
        """Indices (into history-then-batch order) of the last ``rows`` rows of every partition's
        last segment (earlier segments of a partition have expired)."""
        if rows <= 0:
            return np.zeros(0, dtype=np.int64)
        positions = np.arange(len(self.order))
        changes = self.sorted_partition[1:] != self.sorted_partition[:-1]
        partition_id = np.cumsum(np.concatenate([[True], changes])) - 1
        last_position = positions[np.concatenate([changes, [True]])][partition_id]
        keep = (self.segment_start == self.segment_start[last_position]) & (last_position - positions < rows)
        return np.sort(self.order[keep])

    def history_before(self, at: np.ndarray) -> np.ndarray:
        """How many history rows precede each position ``at`` inside its segment."""
        is_history = (self.order < self.current_from).astype(np.int64)
        total = np.cumsum(is_history)
        start = self.segment_start[at]
        return total[at] - is_history[at] - (total[start] - is_history[start])

    def in_frame_before(self, positions: np.ndarray, back: int) -> np.ndarray:
        """Whether the row ``back`` places before each position is in the same frame."""
        return positions - back >= self.frame_start[positions]


def _numbers(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    valid = np.asarray(array.is_valid(), dtype=bool)
    if pa.types.is_null(array.type):
        return np.zeros(len(array)), valid
    return np.asarray(pc.fill_null(array.cast(pa.float64()), 0.0), dtype=np.float64), valid


def _window_sum(values: np.ndarray, layout: FrameLayout, at: np.ndarray) -> np.ndarray:
    total = np.concatenate([np.zeros(1, dtype=values.dtype), np.cumsum(values)])
    return total[at + 1] - total[layout.frame_start[at]]


def _sparse_extreme(values: np.ndarray, layout: FrameLayout, at: np.ndarray, ufunc: np.ufunc) -> np.ndarray:
    levels = [values]
    span = 1
    while span * 2 <= max(int((at - layout.frame_start[at]).max(initial=0)) + 1, 1):
        previous = levels[-1]
        levels.append(ufunc(previous[:-span], previous[span:]))
        span *= 2
    length = at - layout.frame_start[at] + 1
    level = np.floor(np.log2(np.maximum(length, 1))).astype(np.int64)
    result = np.empty(len(at), dtype=values.dtype)
    for k, table in enumerate(levels):
        rows = level == k
        if rows.any():
            left = layout.frame_start[at[rows]]
            right = at[rows] - (1 << k) + 1
            result[rows] = ufunc(table[left], table[right])
    return result


def _aggregate(func: RowsFunc, sorted_values: pa.Array, layout: FrameLayout, at: np.ndarray) -> pa.Array:
    values, valid = _numbers(sorted_values)
    count = _window_sum(valid.astype(np.float64), layout, at).round().astype(np.int64)
    empty = count == 0
    if func is RowsFunc.COUNT:
        return pa.array(count)
    if func in (RowsFunc.MIN, RowsFunc.MAX):
        ufunc = np.minimum if func is RowsFunc.MIN else np.maximum
        neutral = np.inf if func is RowsFunc.MIN else -np.inf
        extreme = _sparse_extreme(np.where(valid, values, neutral), layout, at, ufunc)
        return pa.array(extreme, mask=empty).cast(sorted_values.type, safe=False)
    if func in (RowsFunc.FIRST_VALUE, RowsFunc.LAST_VALUE):
        return _arrival(func, sorted_values, valid, layout, at)
    if func is RowsFunc.SUM and pa.types.is_integer(sorted_values.type):
        exact = np.asarray(pc.fill_null(sorted_values.cast(pa.int64()), 0), dtype=np.int64)
        return pa.array(_window_sum(exact, layout, at), mask=empty)
    shift = values[valid].mean() if valid.any() else 0.0
    centered = np.where(valid, values - shift, 0.0)
    total = _window_sum(centered, layout, at)
    if func is RowsFunc.SUM:
        return pa.array(total + count * shift, mask=empty)
    if func is RowsFunc.AVG:
        return pa.array(total / np.maximum(count, 1) + shift, mask=empty)
    squares = np.maximum(
        _window_sum(centered * centered, layout, at) - total * total / np.maximum(count, 1), 0
    )
    sample = func in (RowsFunc.VAR_SAMP, RowsFunc.STDDEV_SAMP)
    divisor = count - 1 if sample else count
    variance = squares / np.maximum(divisor, 1)
    result = np.sqrt(variance) if func in (RowsFunc.STDDEV_SAMP, RowsFunc.STDDEV_POP) else variance
    return pa.array(result, mask=divisor <= 0)


def _arrival(
    func: RowsFunc, sorted_values: pa.Array, valid: np.ndarray, layout: FrameLayout, at: np.ndarray
) -> pa.Array:
    positions = np.arange(len(valid))
    if func is RowsFunc.LAST_VALUE:
        pick = np.maximum.accumulate(np.where(valid, positions, -1))[at]
        present = pick >= layout.frame_start[at]
    else:
        after = np.minimum.accumulate(np.where(valid, positions, len(valid))[::-1])[::-1]
        pick = after[layout.frame_start[at]]
        present = pick <= at
    chosen = sorted_values.take(pa.array(np.clip(pick, 0, max(len(valid) - 1, 0))))
    return pc.if_else(pa.array(present), chosen, pa.nulls(len(at), type=sorted_values.type))


def _lag(call: RowsCall, sorted_values: pa.Array, layout: FrameLayout, at: np.ndarray) -> pa.Array:
    source = at - call.offset
    present = source >= layout.segment_start[at]
    chosen = sorted_values.take(pa.array(np.maximum(source, 0)))
    if call.default is None:
        fallback = pa.nulls(len(at), type=sorted_values.type)
    else:
        fallback = pa.array([call.default.to_py()] * len(at)).cast(sorted_values.type, safe=False)
    return pc.if_else(pa.array(present), chosen, fallback)


def _rank(func: RowsFunc, sorted_order: pa.Array, layout: FrameLayout, at: np.ndarray) -> pa.Array:
    ranks = np.asarray(pc.rank(sorted_order, sort_keys="ascending", tiebreaker="dense"), dtype=np.int64)
    current = ranks[at]
    below = np.zeros(len(at), dtype=np.int64)
    longest = int((at - layout.frame_start[at]).max(initial=0))
    distinct_below: list[np.ndarray] = []
    for back in range(1, longest + 1):
        inside = layout.in_frame_before(at, back)
        other = np.where(inside, ranks[np.maximum(at - back, 0)], -1)
        is_below = inside & (other < current)
        below += is_below
        distinct_below.append(np.where(is_below, other, -1))
    if func is RowsFunc.RANK or not distinct_below:
        return pa.array(below + 1 if func is RowsFunc.RANK else np.ones(len(at), dtype=np.int64))
    matrix = np.sort(np.stack(distinct_below, axis=1), axis=1)
    distinct = ((matrix[:, 1:] != matrix[:, :-1]) & (matrix[:, 1:] >= 0)).sum(axis=1) + (matrix[:, 0] >= 0)
    return pa.array(distinct + 1)


def frame_function(
    call: RowsCall, layout: FrameLayout, values: pa.Array, order_values: pa.Array, row_number: np.ndarray
) -> pa.Array:
    """Result of ``call`` for every batch row, in batch order.

    Args:
        call: the ROWS-window call.
        layout: the sorted history-then-batch layout.
        values: the call's argument over history then batch (NULLs when it has none).
        order_values: the ORDER BY values over history then batch.
        row_number: ROW_NUMBER of every batch row.
    """
    at = layout.current_positions
    if call.func is RowsFunc.ROW_NUMBER:
        return pa.array(row_number)
    sorted_indices = pa.array(layout.order)
    if call.func in (RowsFunc.RANK, RowsFunc.DENSE_RANK):
        return _rank(call.func, order_values.take(sorted_indices), layout, at)
    sorted_values = values.take(sorted_indices)
    if call.func is RowsFunc.LAG:
        return _lag(call, sorted_values, layout, at)
    return _aggregate(call.func, sorted_values, layout, at)
