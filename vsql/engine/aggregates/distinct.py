"""COUNT(DISTINCT x) and APPROX_COUNT_DISTINCT(x): exact distinct counts per slot.

Values get dense ids (``KeyEncoder``); the state is one sorted int64 array of ``slot << 32 | id``
codes seen, plus a count per slot. APPROX_COUNT_DISTINCT uses the same exact state: its error is
zero, at the memory cost of one code per distinct (slot, value).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from vsql.engine.aggregates.base import Segments, ValueColumn
from vsql.engine.groupby import KeyEncoder

__all__ = ["DistinctCountAccumulator"]

_SHIFT = 32


class DistinctCountAccumulator:
    """Number of distinct non-NULL values per slot."""

    def __init__(self) -> None:
        self.count = np.zeros(0, dtype=np.int64)
        self._seen = np.zeros(0, dtype=np.int64)
        self._ids = KeyEncoder()

    def resize(self, capacity: int) -> None:
        if len(self.count) < capacity:
            self.count = np.concatenate([self.count, np.zeros(capacity - len(self.count), dtype=np.int64)])

    def _codes(self, slots: np.ndarray, column: ValueColumn) -> tuple[np.ndarray, np.ndarray]:
        """Codes of the valid rows, and the positions of those rows."""
        positions = np.flatnonzero(column.valid)
        values = column.values[positions]
        array = pa.array(values, type=column.type) if values.dtype == object else pa.array(values)
        ids = self._ids.encode(array)
        return (slots[positions] << _SHIFT) | ids, positions

    def _unseen(self, codes: np.ndarray) -> np.ndarray:
        if not len(self._seen):
            return np.ones(len(codes), dtype=bool)
        found = np.minimum(np.searchsorted(self._seen, codes), len(self._seen) - 1)
        return self._seen[found] != codes

    def _add(self, codes: np.ndarray) -> None:
        self._seen = np.union1d(self._seen, codes)

    def update(self, slots: np.ndarray, column: ValueColumn) -> None:
        codes, _ = self._codes(slots, column)
        fresh = np.unique(codes)
        fresh = fresh[self._unseen(fresh)]
        np.add.at(self.count, fresh >> _SHIFT, 1)
        self._add(fresh)

    def running(self, segments: Segments, column: ValueColumn) -> pa.Array:
        ordered = column.take(segments.order)
        codes, positions = self._codes(segments.slots[segments.segment_of], ordered)
        _, first = np.unique(codes, return_index=True)
        is_first = np.zeros(len(codes), dtype=bool)
        is_first[first] = True
        is_new = is_first & self._unseen(codes)
        fresh = np.zeros(segments.size, dtype=np.int64)
        fresh[positions] = is_new
        prior = segments.slots[segments.segment_of]
        count = segments.cumsum(fresh) + self.count[prior]
        self.count[segments.slots] = count[segments.last_positions()]
        self._add(codes[is_new])
        return pa.array(count, type=pa.int64())

    def _members(self, slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Codes of ``slots`` and, for each, the index into ``slots`` it belongs to."""
        low = np.searchsorted(self._seen, slots << _SHIFT)
        high = np.searchsorted(self._seen, (slots + 1) << _SHIFT)
        lengths = high - low
        owner = np.repeat(np.arange(len(slots)), lengths)
        offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        return self._seen[np.repeat(low, lengths) + offsets], owner

    def merge(self, into: np.ndarray, sources: np.ndarray) -> None:
        codes, owner = self._members(sources)
        relabelled = (into[owner] << _SHIFT) | (codes & ((1 << _SHIFT) - 1))
        self.release(sources)
        fresh = np.unique(relabelled)
        fresh = fresh[self._unseen(fresh)]
        np.add.at(self.count, fresh >> _SHIFT, 1)
        self._add(fresh)

    def combine(self, slots: np.ndarray, starts: np.ndarray) -> pa.Array:
        segment = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(slots))))
        codes, owner = self._members(slots)
        pairs = np.unique((segment[owner] << _SHIFT) | (codes & ((1 << _SHIFT) - 1)))
        return pa.array(np.bincount(pairs >> _SHIFT, minlength=len(starts)), type=pa.int64())

    def release(self, slots: np.ndarray) -> None:
        self.count[slots] = 0
        if len(self._seen):
            self._seen = self._seen[~np.isin(self._seen >> _SHIFT, slots)]
