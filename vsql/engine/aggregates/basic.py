"""COUNT, SUM and AVG (one running count and total), MIN and MAX (one running extreme).

State per slot: ``count`` of non-NULL values and their ``total`` (int64 while every input is an
integer, float64 from the first float on), or the ``extreme`` value seen. Results of an empty slot
are NULL, except COUNT, which is 0.
"""

from __future__ import annotations

from enum import Enum

import numpy as np
import pyarrow as pa

from vsql.engine.aggregates.base import Segments, ValueColumn

__all__ = ["ExtremeAccumulator", "SumCountAccumulator", "SumCountKind"]


class SumCountKind(Enum):
    """Which result a ``SumCountAccumulator`` reports."""

    COUNT = "count"
    SUM = "sum"
    AVG = "avg"


def _grow(array: np.ndarray, capacity: int, fill: object) -> np.ndarray:
    if len(array) >= capacity:
        return array
    grown = np.full(capacity, fill, dtype=array.dtype)
    grown[: len(array)] = array
    return grown


def _arrow(values: np.ndarray, valid: np.ndarray, arrow_type: pa.DataType) -> pa.Array:
    if values.dtype == object:
        return pa.array(np.where(valid, values, None), type=arrow_type)
    return pa.array(values, mask=~valid, type=arrow_type)


class SumCountAccumulator:
    """COUNT(x), COUNT(*), SUM(x) and AVG(x): a count and a total per slot."""

    def __init__(self, kind: SumCountKind) -> None:
        self.kind = kind
        self.count = np.zeros(0, dtype=np.int64)
        self.total = np.zeros(0, dtype=np.int64)

    def resize(self, capacity: int) -> None:
        self.count = _grow(self.count, capacity, 0)
        self.total = _grow(self.total, capacity, 0)

    def _accept(self, column: ValueColumn) -> np.ndarray:
        if column.values.dtype == np.float64 and self.total.dtype != np.float64:
            self.total = self.total.astype(np.float64)
        if column.values.dtype == object and self.kind is not SumCountKind.COUNT:
            raise TypeError(f"{self.kind.name} needs numbers, got {column.type}")
        return np.where(column.valid, column.values, 0) if self.kind is not SumCountKind.COUNT else None

    def update(self, slots: np.ndarray, column: ValueColumn) -> None:
        values = self._accept(column)
        np.add.at(self.count, slots, column.valid.astype(np.int64))
        if values is not None:
            np.add.at(self.total, slots, values.astype(self.total.dtype))

    def running(self, segments: Segments, column: ValueColumn) -> pa.Array:
        values = self._accept(column)
        prior = segments.slots[segments.segment_of]
        count = segments.cumsum(column.valid[segments.order].astype(np.int64)) + self.count[prior]
        if values is None:
            total = np.zeros(len(count), dtype=self.total.dtype)
        else:
            total = segments.cumsum(values[segments.order].astype(self.total.dtype)) + self.total[prior]
        last = segments.last_positions()
        self.count[segments.slots] = count[last]
        self.total[segments.slots] = total[last]
        return self._result(count, total)

    def merge(self, into: np.ndarray, sources: np.ndarray) -> None:
        np.add.at(self.count, into, self.count[sources])
        np.add.at(self.total, into, self.total[sources])

    def combine(self, slots: np.ndarray, starts: np.ndarray) -> pa.Array:
        count = np.add.reduceat(self.count[slots], starts) if len(slots) else self.count[:0]
        total = np.add.reduceat(self.total[slots], starts) if len(slots) else self.total[:0]
        return self._result(count, total)

    def release(self, slots: np.ndarray) -> None:
        self.count[slots] = 0
        self.total[slots] = 0

    def _result(self, count: np.ndarray, total: np.ndarray) -> pa.Array:
        if self.kind is SumCountKind.COUNT:
            return pa.array(count, type=pa.int64())
        empty = count == 0
        if self.kind is SumCountKind.SUM:
            return pa.array(total, mask=empty, type=pa.from_numpy_dtype(total.dtype))
        average = total / np.where(empty, 1, count)
        return pa.array(average, mask=empty, type=pa.float64())


class ExtremeAccumulator:
    """MIN(x) or MAX(x): the smallest or largest non-NULL value per slot.

    Numbers use numpy's ufuncs (``np.minimum.at``); strings and other comparable values use the
    same code on object arrays.
    """

    def __init__(self, *, is_max: bool) -> None:
        self.is_max = is_max
        self.ufunc = np.maximum if is_max else np.minimum
        self.count = np.zeros(0, dtype=np.int64)
        self.extreme = np.zeros(0, dtype=np.int64)
        self.type: pa.DataType = pa.int64()

    def _neutral(self, dtype: np.dtype) -> object:
        if dtype == np.float64:
            return -np.inf if self.is_max else np.inf
        if dtype == np.int64:
            info = np.iinfo(np.int64)
            return info.min if self.is_max else info.max
        return None

    def resize(self, capacity: int) -> None:
        self.count = _grow(self.count, capacity, 0)
        self.extreme = _grow(self.extreme, capacity, self._neutral(self.extreme.dtype))

    def _accept(self, column: ValueColumn) -> None:
        """Settle the state's dtype: ints widen to floats; strings need a slot table without numbers."""
        incoming, current = column.values.dtype, self.extreme.dtype
        if incoming == current or (incoming == np.int64 and current == np.float64):
            return
        name = "MAX" if self.is_max else "MIN"
        if "O" in (incoming.kind, current.kind) and self.count.any():
            raise TypeError(f"{name} cannot compare {column.type} with {self.type}")
        widened = object if incoming.kind == "O" else np.float64
        converted = self.extreme.astype(widened)
        converted[self.count == 0] = self._neutral(np.dtype(widened))
        self.extreme = converted
        self.type = column.type if widened is object else pa.float64()

    def update(self, slots: np.ndarray, column: ValueColumn) -> None:
        self._accept(column)
        valid = column.valid
        slots, values = slots[valid], column.values[valid]
        if self.extreme.dtype == object:
            self._update_objects(slots, values)
        else:
            self.ufunc.at(self.extreme, slots, values.astype(self.extreme.dtype))
        np.add.at(self.count, slots, 1)

    def _update_objects(self, slots: np.ndarray, values: np.ndarray) -> None:
        present = np.not_equal(values, None)
        slots, values = slots[present], values[present]
        order = np.lexsort((values, slots)) if len(values) else np.zeros(0, dtype=np.int64)
        sorted_slots = slots[order]
        pick_last = self.is_max
        boundary = np.flatnonzero(np.diff(sorted_slots)) + (0 if pick_last else 1)
        picks = np.append(boundary, len(order) - 1) if pick_last else np.insert(boundary, 0, 0)
        if not len(order):
            return
        touched = sorted_slots[picks]
        candidates = values[order][picks]
        present = np.ones(len(touched), dtype=bool)
        better = self._improves(
            candidates, self.extreme[touched], has_candidate=present, has_current=self.count[touched] > 0
        )
        self.extreme[touched[better]] = candidates[better]

    def _improves(
        self,
        candidate: np.ndarray,
        current: np.ndarray,
        *,
        has_candidate: np.ndarray,
        has_current: np.ndarray,
    ) -> np.ndarray:
        """Where a present ``candidate`` beats ``current`` (or there is no current value); object
        arrays are compared element by element inside numpy, never in a Python loop."""
        beats = has_candidate.copy()
        both = has_candidate & has_current
        compare = np.greater if self.is_max else np.less
        beats[both] = compare(candidate[both], current[both]).astype(bool)
        return beats

    def running(self, segments: Segments, column: ValueColumn) -> pa.Array:
        self._accept(column)
        values = column.values[segments.order]
        valid = column.valid[segments.order]
        positions = np.arange(segments.size)
        ranked = np.argsort(np.where(valid, values, values[valid][0] if valid.any() else 0), kind="stable")
        rank = np.empty(segments.size, dtype=np.int64)
        rank[ranked] = positions if self.is_max else positions[::-1]
        stride = segments.size + 1
        key = segments.segment_of * stride + np.where(valid, rank, -1)
        best = np.maximum.accumulate(key) - segments.segment_of * stride
        has_value = best >= 0
        by_rank = np.empty(segments.size, dtype=values.dtype)
        by_rank[rank] = values
        prefix = by_rank[np.maximum(best, 0)]
        prior = segments.slots[segments.segment_of]
        prior_count = self.count[prior]
        prior_value = self.extreme[prior]
        prefix = prefix.astype(self.extreme.dtype)
        better = self._improves(prefix, prior_value, has_candidate=has_value, has_current=prior_count > 0)
        merged = np.where(better, prefix, prior_value)
        count = segments.cumsum(valid.astype(np.int64)) + prior_count
        last = segments.last_positions()
        self.count[segments.slots] = count[last]
        self.extreme[segments.slots] = np.where(
            count[last] > 0, merged[last], self._neutral(self.extreme.dtype)
        ).astype(self.extreme.dtype)
        return _arrow(merged, count > 0, self._result_type())

    def merge(self, into: np.ndarray, sources: np.ndarray) -> None:
        if self.extreme.dtype == object:
            self._update_objects(into, self.extreme[sources])
        else:
            self.ufunc.at(self.extreme, into, self.extreme[sources])
        np.add.at(self.count, into, self.count[sources])

    def combine(self, slots: np.ndarray, starts: np.ndarray) -> pa.Array:
        if not len(slots):
            return pa.array([], type=self._result_type())
        count = np.add.reduceat(self.count[slots], starts)
        if self.extreme.dtype == object:
            segment = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(slots))))
            values = self.extreme[slots]
            keep = np.not_equal(values, None)
            reduced = np.full(len(starts), None, dtype=object)
            for index, value in zip(segment[keep], values[keep], strict=True):
                current = reduced[index]
                if current is None or (value > current if self.is_max else value < current):
                    reduced[index] = value
        else:
            reduced = self.ufunc.reduceat(self.extreme[slots], starts)
        return _arrow(reduced, count > 0, self._result_type())

    def release(self, slots: np.ndarray) -> None:
        self.count[slots] = 0
        self.extreme[slots] = self._neutral(self.extreme.dtype)

    def _result_type(self) -> pa.DataType:
        if self.extreme.dtype == np.float64:
            return pa.float64()
        if self.extreme.dtype == np.int64:
            return pa.int64()
        return self.type
