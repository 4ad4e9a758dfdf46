"""The accumulator contract, the column of values accumulators read, and segment helpers.

State lives in numpy arrays indexed by slot; a slot is one (window, group) or one pane of a group.
Every method works on whole arrays: Python work per call is constant, never per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["Accumulator", "Segments", "ValueColumn"]


@dataclass(frozen=True)
class ValueColumn:
    """An aggregate's input for a set of rows, in arrival order.

    ``values`` is a numpy array (int64, float64, or object for strings); entries where ``valid`` is
    False are NULL and their ``values`` entry is meaningless. ``seq`` is each row's arrival number,
    increasing over the whole stream. ``type`` is the Arrow type results are built in.
    """

    values: np.ndarray
    valid: np.ndarray
    seq: np.ndarray
    type: pa.DataType

    @classmethod
    def from_arrow(cls, array: pa.Array | None, *, seq: np.ndarray) -> ValueColumn:
        """Wrap an Arrow array (None means ``COUNT(*)``: every row counts, no value)."""
        if array is None:
            ones = np.ones(len(seq), dtype=bool)
            return cls(values=ones, valid=ones, seq=seq, type=pa.int64())
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        valid = np.asarray(array.is_valid(), dtype=bool)
        kind = array.type
        if pa.types.is_null(kind):
            return cls(values=np.zeros(len(array)), valid=valid, seq=seq, type=pa.float64())
        if pa.types.is_boolean(kind) or pa.types.is_integer(kind):
            filled = pc.fill_null(array.cast(pa.int64()), 0)
            return cls(values=filled.to_numpy(), valid=valid, seq=seq, type=pa.int64())
        if pa.types.is_floating(kind) or pa.types.is_decimal(kind):
            filled = pc.fill_null(array.cast(pa.float64()), 0.0)
            return cls(values=filled.to_numpy(), valid=valid, seq=seq, type=pa.float64())
        if pa.types.is_timestamp(kind):
            filled = pc.fill_null(array.cast(pa.int64()), 0)
            return cls(values=filled.to_numpy(), valid=valid, seq=seq, type=pa.int64())
        return cls(values=array.to_numpy(zero_copy_only=False), valid=valid, seq=seq, type=kind)

    @property
    def is_numeric(self) -> bool:
        """True when values are int64 or float64."""
        return self.values.dtype != object

    def take(self, indices: np.ndarray) -> ValueColumn:
        """The rows at ``indices``, in that order."""
        size = len(indices)
        if (
            size == len(self.values)
            and (not size or indices[-1] == size - 1)
            and (np.diff(indices) > 0).all()
        ):
            return self
        return ValueColumn(
            values=self.values[indices], valid=self.valid[indices], seq=self.seq[indices], type=self.type
        )


class Segments:
    """Rows sorted stably by slot, cut into one segment per slot.

    Built once per batch (EMIT CHANGES) and shared by every accumulator: ``order`` sorts rows by slot
    keeping arrival order inside a slot; ``starts`` are the sorted positions where segments begin;
    ``slots`` the slot of each segment; ``segment_of`` the segment of each sorted position.
    """

    def __init__(self, slots: np.ndarray) -> None:
        self.order = np.argsort(slots, kind="stable")
        sorted_slots = slots[self.order]
        is_start = np.ones(len(sorted_slots), dtype=bool)
        is_start[1:] = sorted_slots[1:] != sorted_slots[:-1]
        self.starts = np.flatnonzero(is_start)
        self.slots = sorted_slots[self.starts]
        self.segment_of = np.cumsum(is_start) - 1
        self.first_position = self.starts[self.segment_of]
        self.size = len(slots)

    def cumsum(self, values: np.ndarray) -> np.ndarray:
        """Inclusive prefix sums of sorted ``values`` restarting at each segment."""
        total = np.cumsum(values)
        before = total[self.first_position] - values[self.first_position]
        return total - before

    def last_positions(self) -> np.ndarray:
        """Sorted position of the last row of each segment."""
        return np.append(self.starts[1:], self.size) - 1

    def unsort(self, sorted_values: np.ndarray) -> np.ndarray:
        """Back from slot order to arrival order."""
        out = np.empty_like(sorted_values)
        out[self.order] = sorted_values
        return out


class Accumulator(Protocol):
    """One aggregate's state for every slot.

    The pipeline owns slots (``vsql.engine.state.SlotTable``) and calls ``resize`` before any
    method touches a slot beyond the current capacity. A released slot reads as empty until reused.
    """

    def resize(self, capacity: int) -> None:
        """Grow state arrays to ``capacity`` slots; existing slots keep their state."""

    def update(self, slots: np.ndarray, column: ValueColumn) -> None:
        """Fold rows into slots. Called once per batch (or chunk) with rows in arrival order; slots
        may repeat. Cost O(rows) in C kernels."""

    def running(self, segments: Segments, column: ValueColumn) -> pa.Array:
        """Fold rows like ``update`` and return, in slot-sorted order (``segments.order``), the
        result of each row's slot right after that row. Used by EMIT CHANGES."""

    def merge(self, into: np.ndarray, sources: np.ndarray) -> None:
        """Fold the state of ``sources[i]`` into ``into[i]`` (session merges). ``sources`` are
        distinct and never appear in ``into``; the caller releases them afterwards."""

    def combine(self, slots: np.ndarray, starts: np.ndarray) -> pa.Array:
        """The result of each segment ``slots[starts[k]:starts[k+1]]`` merged, in segment order,
        without changing state (panes combined into sliding windows)."""

    def release(self, slots: np.ndarray) -> None:
        """Forget the state of ``slots``; they read as empty afterwards."""
