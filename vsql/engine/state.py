"""Slots: the integer addresses of aggregation state, and the index from (unit, group) to slot.

A slot holds one aggregation state (one pane, window or session of one group). Slots are reused
after release, so memory is bounded by the units open at once, never by records seen.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SlotTable", "UnitIndex"]

_EMPTY = np.zeros(0, dtype=np.int64)


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

    Per open unit start it keeps the group ids holding a slot there, ascending, and their slots:
    memory is proportional to the (unit, group) pairs with state, whatever the range of group ids.
    Looking up a batch costs one Python step per distinct unit and array work per row.
    """

    def __init__(self, slots: SlotTable) -> None:
        self._slots = slots
        self.units: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def lookup(self, unit_ms: np.ndarray, group_ids: np.ndarray) -> np.ndarray:
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
            result[rows] = self._unit_lookup(start, group_ids[rows])
        return result

    def _unit_lookup(self, start: int, groups: np.ndarray) -> np.ndarray:
        """Slots of ``groups`` (non-empty) in unit ``start``, allocating the missing ones."""
        known = self.units.get(start)
        if known is None:
            distinct, inverse = _distinct_ids(groups)
            slots = self._slots.allocate(len(distinct))
            self.units[start] = (distinct, slots)
            return slots[inverse]
        known_groups, known_slots = known
        position, is_known = _find(known_groups, groups)
        if is_known.all():
            return known_slots[position]
        fresh = np.unique(groups[~is_known])
        at = np.searchsorted(known_groups, fresh)
        known_groups = np.insert(known_groups, at, fresh)
        known_slots = np.insert(known_slots, at, self._slots.allocate(len(fresh)))
        self.units[start] = (known_groups, known_slots)
        return known_slots[_find(known_groups, groups)[0]]

    def occupied(self, start: int) -> tuple[np.ndarray, np.ndarray]:
        """Groups with a slot in unit ``start``, and those slots, by ascending group id. The
        arrays are the index's own: callers read them and never write."""
        return self.units.get(start, (_EMPTY, _EMPTY))

    def drop(self, start: int) -> np.ndarray:
        """Forget unit ``start``; returns its slots for the caller to clear and release."""
        return self.units.pop(start, (_EMPTY, _EMPTY))[1]

    def live_groups(self) -> np.ndarray:
        """The distinct group ids holding a slot in some unit, ascending. O(pairs held)."""
        if not self.units:
            return _EMPTY
        return np.unique(np.concatenate([groups for groups, _ in self.units.values()]))

    def renumber_groups(self, live: np.ndarray) -> None:
        """Group id ``live[i]`` becomes ``i``; ``live`` is ascending and holds every group with a
        slot, so each unit's groups stay ascending. O(pairs held)."""
        self.units = {
            start: (np.searchsorted(live, groups), slots) for start, (groups, slots) in self.units.items()
        }


def _distinct_ids(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values of ``ids`` (non-empty) and each id's index among them: by counting
    when their range is at most twice their number (few groups, many rows), else by sorting."""
    low = int(ids.min())
    span = int(ids.max()) - low + 1
    if span > 2 * len(ids):
        return np.unique(ids, return_inverse=True)
    offset = ids - low
    is_present = np.zeros(span, dtype=bool)
    is_present[offset] = True
    return np.flatnonzero(is_present) + low, (np.cumsum(is_present) - 1)[offset]


def _find(known: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Position of each of ``ids`` in ``known`` (ascending, distinct, non-empty), and whether it
    is there (positions of absent ids are meaningless).

    A binary search per id, unless ``known`` spans few ids for this many: then an offset when
    ``known`` is a run of consecutive ids (a unit every group is in), else a table over its span
    built for the call, O(span) = O(ids)."""
    low = int(known[0])
    span = int(known[-1]) - low + 1
    is_run = span == len(known)
    if not is_run and span > 4 * len(ids):
        position = np.searchsorted(known, ids)
        return position, known[np.minimum(position, len(known) - 1)] == ids
    offset = ids - low
    inside = (offset >= 0) & (offset < span)
    if is_run:
        return offset, inside
    table = np.full(span, -1, dtype=np.int64)
    table[known - low] = np.arange(len(known))
    position = table[np.where(inside, offset, 0)]
    return position, inside & (position >= 0)


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
