"""Slots: the integer addresses of aggregation state, and the index from (unit, group) to slot.

A slot holds one aggregation state (one pane, window or session of one group). Slots are reused
after release, so memory is bounded by the units open at once, never by records seen.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SlotTable", "UnitIndex"]


class SlotTable:
    """Hands out slot numbers and takes them back."""

    def __init__(self) -> None:
        self.capacity = 0
        self._free = np.zeros(0, dtype=np.int64)

    @property
    def in_use(self) -> int:
        """Slots currently allocated."""
        return self.capacity - len(self._free)

    def allocate(self, count: int) -> np.ndarray:
        """``count`` slots, reusing released ones first; ``capacity`` grows as needed."""
        reused = self._free[:count]
        self._free = self._free[count:]
        fresh = np.arange(self.capacity, self.capacity + count - len(reused), dtype=np.int64)
        self.capacity += len(fresh)
        return np.concatenate([reused, fresh])

    def release(self, slots: np.ndarray) -> None:
        """Give ``slots`` back; the caller has already cleared their state."""
        self._free = np.concatenate([self._free, slots.astype(np.int64)])


class UnitIndex:
    """Slots of (unit start, group) pairs, where a unit is a pane or a window of fixed size.

    Per open unit start it keeps a dense int64 array from group id to slot (-1: none), so looking
    up a batch costs one Python step per distinct unit and array work per row.
    """

    def __init__(self, slots: SlotTable) -> None:
        self._slots = slots
        self.units: dict[int, np.ndarray] = {}

    def lookup(self, unit_ms: np.ndarray, group_ids: np.ndarray, group_count: int) -> np.ndarray:
        """Slot of every (unit_ms[i], group_ids[i]), allocating slots for pairs not seen before.

        One Python step per distinct unit in the call (the few units a batch spans), array work
        per row: rows of one unit are a contiguous run once sorted by unit, which in-order event
        time already is.
        """
        result = np.empty(len(unit_ms), dtype=np.int64)
        if not len(unit_ms):
            return result
        starts, position = _distinct(unit_ms)
        order = np.argsort(position, kind="stable") if _is_unsorted(position) else None
        bounds = np.searchsorted(position if order is None else position[order], np.arange(len(starts) + 1))
        for index, start in enumerate(starts.tolist()):
            rows = (
                slice(bounds[index], bounds[index + 1])
                if order is None
                else order[bounds[index] : bounds[index + 1]]
            )
            groups = group_ids[rows]
            table = self._table(start, int(groups.max()) + 1)
            slots = table[groups]
            missing = slots < 0
            if missing.any():
                fresh = np.unique(groups[missing])
                table[fresh] = self._slots.allocate(len(fresh))
                slots = table[groups]
            result[rows] = slots
        return result

    def _table(self, start: int, group_count: int) -> np.ndarray:
        table = self.units.get(start)
        if table is None or len(table) < group_count:
            grown = np.full(
                max(group_count, 2 * (len(table) if table is not None else 0)), -1, dtype=np.int64
            )
            if table is not None:
                grown[: len(table)] = table
            self.units[start] = table = grown
        return table

    def occupied(self, start: int) -> tuple[np.ndarray, np.ndarray]:
        """Groups with a slot in unit ``start``, and those slots, by ascending group id."""
        table = self.units.get(start)
        if table is None:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        groups = np.flatnonzero(table >= 0)
        return groups, table[groups]

    def drop(self, start: int) -> np.ndarray:
        """Forget unit ``start``; returns its slots for the caller to clear and release."""
        table = self.units.pop(start, None)
        return np.zeros(0, dtype=np.int64) if table is None else table[table >= 0]


def _is_unsorted(values: np.ndarray) -> bool:
    return bool((values[1:] < values[:-1]).any())


def _distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and each value's index among them; cheap when the values are
    already sorted (in-order event time)."""
    if not _is_unsorted(values):
        is_new = np.ones(len(values), dtype=bool)
        is_new[1:] = values[1:] != values[:-1]
        return values[is_new], np.cumsum(is_new) - 1
    return np.unique(values, return_inverse=True)
