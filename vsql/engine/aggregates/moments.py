"""VAR_SAMP, VAR_POP, STDDEV_SAMP, STDDEV_POP: shifted sums per slot.

State per slot: ``count``, a ``shift`` (the first value seen), and the sums of ``x - shift`` and
``(x - shift)**2``. Shifting keeps the variance exact when values are large and their spread small
(prices around 100.0 varying by cents). Sample variance of fewer than two values is NULL.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from vsql.engine.aggregates.base import Segments, ValueColumn

__all__ = ["VarianceAccumulator"]


class VarianceAccumulator:
    """Variance or standard deviation, sample or population."""

    def __init__(self, *, sample: bool, root: bool) -> None:
        self.sample = sample
        self.root = root
        self.count = np.zeros(0, dtype=np.int64)
        self.shift = np.zeros(0, dtype=np.float64)
        self.sum1 = np.zeros(0, dtype=np.float64)
        self.sum2 = np.zeros(0, dtype=np.float64)

    def resize(self, capacity: int) -> None:
        if len(self.count) >= capacity:
            return
        grow = capacity - len(self.count)
        self.count = np.concatenate([self.count, np.zeros(grow, dtype=np.int64)])
        self.shift, self.sum1, self.sum2 = (
            np.concatenate([array, np.zeros(grow)]) for array in (self.shift, self.sum1, self.sum2)
        )

    @staticmethod
    def _numbers(column: ValueColumn) -> np.ndarray:
        if not column.is_numeric:
            raise TypeError(f"variance needs numbers, got {column.type}")
        return column.values.astype(np.float64)

    def update(self, slots: np.ndarray, column: ValueColumn) -> None:
        values = self._numbers(column)
        slots, values = slots[column.valid], values[column.valid]
        fresh = self.count[slots] == 0
        self.shift[slots[fresh]] = values[fresh]
        delta = values - self.shift[slots]
        np.add.at(self.count, slots, 1)
        np.add.at(self.sum1, slots, delta)
        np.add.at(self.sum2, slots, delta * delta)

    def running(self, segments: Segments, column: ValueColumn) -> pa.Array:
        values = self._numbers(column)[segments.order]
        valid = column.valid[segments.order]
        prior = segments.slots[segments.segment_of]
        positions = np.arange(segments.size)
        first_valid = np.minimum.reduceat(np.where(valid, positions, segments.size), segments.starts)
        first_value = values[np.minimum(first_valid, max(segments.size - 1, 0))]
        has_prior = self.count[prior] > 0
        shift = np.where(has_prior, self.shift[prior], first_value[segments.segment_of])
        delta = np.where(valid, values - shift, 0.0)
        count = segments.cumsum(valid.astype(np.int64)) + self.count[prior]
        sum1 = segments.cumsum(delta) + self.sum1[prior]
        sum2 = segments.cumsum(delta * delta) + self.sum2[prior]
        last = segments.last_positions()
        touched = segments.slots
        self.shift[touched] = shift[last]
        self.count[touched], self.sum1[touched], self.sum2[touched] = count[last], sum1[last], sum2[last]
        return self._result(count, sum1, sum2)

    def merge(self, into: np.ndarray, sources: np.ndarray) -> None:
        empty = self.count[into] == 0
        self.shift[into[empty]] = self.shift[sources[empty]]
        offset = self.shift[sources] - self.shift[into]
        count, sum1 = self.count[sources], self.sum1[sources]
        np.add.at(self.sum2, into, self.sum2[sources] + 2 * offset * sum1 + count * offset * offset)
        np.add.at(self.sum1, into, sum1 + count * offset)
        np.add.at(self.count, into, count)

    def combine(self, slots: np.ndarray, starts: np.ndarray) -> pa.Array:
        if not len(slots):
            return pa.array([], type=pa.float64())
        segment = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(slots))))
        reference = self.shift[slots[starts]][segment]
        offset = self.shift[slots] - reference
        count, sum1 = self.count[slots], self.sum1[slots]
        total_count = np.add.reduceat(count, starts)
        total1 = np.add.reduceat(sum1 + count * offset, starts)
        total2 = np.add.reduceat(self.sum2[slots] + 2 * offset * sum1 + count * offset * offset, starts)
        return self._result(total_count, total1, total2)

    def release(self, slots: np.ndarray) -> None:
        self.count[slots] = 0
        self.sum1[slots] = 0.0
        self.sum2[slots] = 0.0

    def _result(self, count: np.ndarray, sum1: np.ndarray, sum2: np.ndarray) -> pa.Array:
        divisor = count - 1 if self.sample else count
        defined = divisor > 0
        safe_count = np.where(count > 0, count, 1)
        squares = np.maximum(sum2 - sum1 * sum1 / safe_count, 0.0)
        variance = squares / np.where(defined, divisor, 1)
        result = np.sqrt(variance) if self.root else variance
        return pa.array(result, mask=~defined, type=pa.float64())
