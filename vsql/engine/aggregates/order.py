"""FIRST_VALUE and LAST_VALUE (by arrival order), and MEDIAN (exact, over a bag of values).

FIRST_VALUE keeps, per slot, the non-NULL value with the smallest arrival number; LAST_VALUE the
largest. MEDIAN keeps every non-NULL value of an open slot in a columnar bag of (slot, value) pairs
and sorts only the slots asked for; an even count gives the mean of the two middle values.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from vsql.engine.aggregates.base import Segments, ValueColumn

__all__ = ["ArrivalAccumulator", "MedianAccumulator"]

_NONE = -1


def _segment_ids(starts: np.ndarray, size: int) -> np.ndarray:
    return np.repeat(np.arange(len(starts)), np.diff(np.append(starts, size)))


class ArrivalAccumulator:
    """FIRST_VALUE(x) (``is_last=False``) or LAST_VALUE(x) (``is_last=True``); NULLs are skipped."""

    def __init__(self, *, is_last: bool) -> None:
        self.is_last = is_last
        self.seq = np.zeros(0, dtype=np.int64)
        self.value = np.zeros(0, dtype=object)
        self.type: pa.DataType = pa.null()

    def resize(self, capacity: int) -> None:
        if len(self.seq) >= capacity:
            return
        seq = np.full(capacity, _NONE, dtype=np.int64)
        seq[: len(self.seq)] = self.seq
        value = np.zeros(capacity, dtype=self.value.dtype)
        value[: len(self.value)] = self.value
        self.seq, self.value = seq, value

    def _accept(self, column: ValueColumn) -> None:
        if pa.types.is_null(self.type):
            self.type = column.type
            self.value = self.value.astype(column.values.dtype)
        elif column.values.dtype != self.value.dtype:
            self.value = self.value.astype(object if column.values.dtype == object else np.float64)
            self.type = column.type if column.values.dtype == object else pa.float64()

    def _better(self, candidate: np.ndarray, current: np.ndarray) -> np.ndarray:
        if self.is_last:
            return candidate > current
        return (current == _NONE) | ((candidate < current) & (candidate != _NONE))

    def update(self, slots: np.ndarray, column: ValueColumn) -> None:
        self._accept(column)
        valid = column.valid
        slots, seq, values = slots[valid], column.seq[valid], column.values[valid]
        if not len(slots):
            return
        best = self.seq.copy()
        if self.is_last:
            np.maximum.at(best, slots, seq)
        else:
            best[best == _NONE] = np.iinfo(np.int64).max
            np.minimum.at(best, slots, seq)
            best[best == np.iinfo(np.int64).max] = _NONE
        winners = seq == best[slots]
        self.seq[slots[winners]] = seq[winners]
        self.value[slots[winners]] = values[winners]

    def running(self, segments: Segments, column: ValueColumn) -> pa.Array:
        self._accept(column)
        valid = column.valid[segments.order]
        values = column.values[segments.order]
        seq = column.seq[segments.order]
        positions = np.arange(segments.size)
        prior = segments.slots[segments.segment_of]
        has_prior = self.seq[prior] != _NONE
        if self.is_last:
            last_valid = np.maximum.accumulate(np.where(valid, positions, -1))
            own = last_valid >= segments.first_position
            pick = np.maximum(last_valid, 0)
            use_own = own
        else:
            big = segments.size
            first_valid = np.minimum.reduceat(np.where(valid, positions, big), segments.starts)
            first = first_valid[segments.segment_of]
            own = first <= positions
            pick = np.minimum(first, big - 1)
            use_own = own & ~has_prior
        result = np.where(use_own, values[pick], self.value[prior])
        result_seq = np.where(use_own, seq[pick], self.seq[prior])
        present = use_own | has_prior
        last = segments.last_positions()
        self.seq[segments.slots] = np.where(present[last], result_seq[last], _NONE)
        self.value[segments.slots] = result[last]
        return _to_arrow(result, present, self.type)

    def merge(self, into: np.ndarray, sources: np.ndarray) -> None:
        for target, source in zip(into.tolist(), sources.tolist(), strict=True):
            if self._better(self.seq[[source]], self.seq[[target]])[0]:
                self.seq[target] = self.seq[source]
                self.value[target] = self.value[source]

    def combine(self, slots: np.ndarray, starts: np.ndarray) -> pa.Array:
        if not len(slots):
            return pa.array([], type=self.type)
        seq = self.seq[slots]
        if self.is_last:
            best = np.maximum.reduceat(seq, starts)
        else:
            best = np.minimum.reduceat(np.where(seq == _NONE, np.iinfo(np.int64).max, seq), starts)
            best[best == np.iinfo(np.int64).max] = _NONE
        segment = _segment_ids(starts, len(slots))
        winner = (seq == best[segment]) & (seq != _NONE)
        value = np.zeros(len(starts), dtype=self.value.dtype)
        value[segment[winner]] = self.value[slots[winner]]
        return _to_arrow(value, best != _NONE, self.type)

    def release(self, slots: np.ndarray) -> None:
        self.seq[slots] = _NONE


def _to_arrow(values: np.ndarray, present: np.ndarray, arrow_type: pa.DataType) -> pa.Array:
    if pa.types.is_null(arrow_type):
        return pa.nulls(len(values))
    if values.dtype == object:
        return pa.array(np.where(present, values, None), type=arrow_type)
    return pa.array(values, mask=~present, type=arrow_type)


class MedianAccumulator:
    """MEDIAN(x): exact, over every non-NULL number of the slot."""

    def __init__(self) -> None:
        self._slots = np.zeros(0, dtype=np.int64)
        self._values = np.zeros(0, dtype=np.float64)
        self._pending: list[tuple[np.ndarray, np.ndarray]] = []

    def resize(self, capacity: int) -> None:
        """The bag grows with the values, not with the slots."""

    def _bag(self) -> tuple[np.ndarray, np.ndarray]:
        if self._pending:
            self._slots = np.concatenate([self._slots, *(slots for slots, _ in self._pending)])
            self._values = np.concatenate([self._values, *(values for _, values in self._pending)])
            self._pending.clear()
        return self._slots, self._values

    def update(self, slots: np.ndarray, column: ValueColumn) -> None:
        if not column.is_numeric:
            raise TypeError(f"MEDIAN needs numbers, got {column.type}")
        valid = column.valid
        self._pending.append((slots[valid], column.values[valid].astype(np.float64)))

    def running(self, segments: Segments, column: ValueColumn) -> pa.Array:
        raise TypeError("MEDIAN cannot be maintained per row; use it with EMIT FINAL")

    def merge(self, into: np.ndarray, sources: np.ndarray) -> None:
        slots, _ = self._bag()
        relabel = np.arange(max(int(slots.max(initial=0)), int(sources.max(initial=0))) + 1)
        relabel[sources] = into
        self._slots = relabel[slots]

    def combine(self, slots: np.ndarray, starts: np.ndarray) -> pa.Array:
        bag_slots, bag_values = self._bag()
        by_slot = np.argsort(bag_slots, kind="stable")
        bag_slots, bag_values = bag_slots[by_slot], bag_values[by_slot]
        self._slots, self._values = bag_slots, bag_values
        low = np.searchsorted(bag_slots, slots, side="left")
        lengths = np.searchsorted(bag_slots, slots, side="right") - low
        member = np.repeat(low - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
        owner = np.repeat(_segment_ids(starts, len(slots)), lengths)
        values = bag_values[member]
        order = np.lexsort((values, owner))
        owner, values = owner[order], values[order]
        counts = np.bincount(owner, minlength=len(starts))
        begin = np.cumsum(counts) - counts
        last = max(len(values) - 1, 0)
        low_pick = np.minimum(begin + np.maximum(counts - 1, 0) // 2, last)
        high_pick = np.minimum(begin + counts // 2, last)
        median = (values[low_pick] + values[high_pick]) / 2 if len(values) else np.zeros(len(starts))
        return pa.array(median, mask=counts == 0, type=pa.float64())

    def release(self, slots: np.ndarray) -> None:
        bag_slots, bag_values = self._bag()
        keep = ~np.isin(bag_slots, slots)
        self._slots, self._values = bag_slots[keep], bag_values[keep]
