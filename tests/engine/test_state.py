"""SlotTable (slot numbers handed out and reused) and UnitIndex ((unit, group) -> slot)."""

from __future__ import annotations

import numpy as np

from vsql.engine.state import SlotTable, UnitIndex


def test_allocate_hands_out_fresh_slots_in_order() -> None:
    table = SlotTable()
    assert table.allocate(3).tolist() == [0, 1, 2]
    assert table.allocate(2).tolist() == [3, 4]
    assert table.capacity == 5
    assert table.in_use == 5


def test_released_slots_are_reused_before_capacity_grows() -> None:
    table = SlotTable()
    table.allocate(4)
    table.release(np.array([2, 0]))
    assert table.in_use == 2
    slots = table.allocate(3)
    assert sorted(slots.tolist()[:2]) == [0, 2]
    assert slots.tolist()[2] == 4
    assert table.capacity == 5
    assert table.in_use == 5


def test_allocate_zero_slots() -> None:
    table = SlotTable()
    assert table.allocate(0).tolist() == []
    assert table.capacity == 0


def test_lookup_allocates_one_slot_per_unit_and_group() -> None:
    table = SlotTable()
    index = UnitIndex(table)
    slots = index.lookup(np.array([0, 10, 0, 0, 10]), np.array([1, 1, 1, 0, 2]), 3)
    assert slots[0] == slots[2]
    assert len(set(slots.tolist())) == 4
    assert table.in_use == 4


def test_lookup_is_stable_across_calls() -> None:
    index = UnitIndex(SlotTable())
    first = index.lookup(np.array([5, 5]), np.array([0, 1]), 2)
    second = index.lookup(np.array([5, 5, 5]), np.array([1, 0, 2]), 3)
    assert second.tolist()[:2] == [first[1], first[0]]
    assert second[2] not in first.tolist()


def test_lookup_with_group_ids_beyond_the_initial_table() -> None:
    index = UnitIndex(SlotTable())
    index.lookup(np.array([0]), np.array([0]), 1)
    slots = index.lookup(np.array([0, 0]), np.array([100, 0]), 101)
    assert slots[1] == 0
    assert slots[0] == 1


def test_occupied_lists_groups_in_ascending_order() -> None:
    index = UnitIndex(SlotTable())
    slots = index.lookup(np.array([7, 7, 7]), np.array([4, 1, 3]), 5)
    groups, occupied = index.occupied(7)
    assert groups.tolist() == [1, 3, 4]
    assert occupied.tolist() == [slots[1], slots[2], slots[0]]
    assert index.occupied(8)[0].tolist() == []


def test_drop_returns_the_units_slots_and_forgets_it() -> None:
    table = SlotTable()
    index = UnitIndex(table)
    slots = index.lookup(np.array([0, 0, 1]), np.array([0, 1, 0]), 2)
    dropped = index.drop(0)
    assert sorted(dropped.tolist()) == sorted(slots[:2].tolist())
    assert 0 not in index.units
    assert index.drop(0).tolist() == []
    table.release(dropped)
    again = index.lookup(np.array([0]), np.array([0]), 2)
    assert again[0] in dropped.tolist()


def test_lookup_of_no_rows() -> None:
    index = UnitIndex(SlotTable())
    assert len(index.lookup(np.zeros(0, np.int64), np.zeros(0, np.int64), 0)) == 0
