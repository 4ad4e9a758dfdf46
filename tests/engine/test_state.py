"""SlotTable (slot numbers handed out and reused) and UnitIndex ((unit, group) -> slot)."""

from __future__ import annotations

import numpy as np
import pytest

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
    slots = index.lookup(np.array([0, 10, 0, 0, 10]), np.array([1, 1, 1, 0, 2]))
    assert slots[0] == slots[2]
    assert len(set(slots.tolist())) == 4
    assert table.in_use == 4


def test_lookup_is_stable_across_calls() -> None:
    index = UnitIndex(SlotTable())
    first = index.lookup(np.array([5, 5]), np.array([0, 1]))
    second = index.lookup(np.array([5, 5, 5]), np.array([1, 0, 2]))
    assert second.tolist()[:2] == [first[1], first[0]]
    assert second[2] not in first.tolist()


def test_lookup_of_a_group_id_far_above_the_others_keeps_one_entry_per_group() -> None:
    index = UnitIndex(SlotTable())
    index.lookup(np.array([0]), np.array([0]))
    slots = index.lookup(np.array([0, 0]), np.array([1_000_000, 0]))
    assert slots[1] == 0
    assert slots[0] == 1
    groups, occupied = index.occupied(0)
    assert groups.tolist() == [0, 1_000_000]
    assert occupied.tolist() == [0, 1]


def test_lookup_inserts_new_groups_among_known_ones() -> None:
    index = UnitIndex(SlotTable())
    first = index.lookup(np.array([3, 3]), np.array([2, 8]))
    second = index.lookup(np.array([3, 3, 3, 3]), np.array([9, 8, 0, 5]))
    assert second[1] == first[1]
    assert len(set(second.tolist()) | set(first.tolist())) == 5
    groups, occupied = index.occupied(3)
    assert groups.tolist() == [0, 2, 5, 8, 9]
    assert occupied.tolist() == [second[2], first[0], second[3], first[1], second[0]]


def test_live_groups_are_the_groups_of_every_open_unit() -> None:
    index = UnitIndex(SlotTable())
    index.lookup(np.array([0, 0, 10, 10, 20]), np.array([7, 3, 3, 12, 40]))
    index.drop(20)
    assert index.live_groups().tolist() == [3, 7, 12]
    assert UnitIndex(SlotTable()).live_groups().tolist() == []


def test_renumber_groups_maps_live_ids_to_their_rank_and_keeps_slots() -> None:
    index = UnitIndex(SlotTable())
    slots = index.lookup(np.array([0, 0, 10]), np.array([7, 3, 12]))
    index.renumber_groups(np.array([3, 7, 12]))
    assert index.occupied(0)[0].tolist() == [0, 1]
    assert index.occupied(0)[1].tolist() == [slots[1], slots[0]]
    assert index.lookup(np.array([10, 0]), np.array([2, 1])).tolist() == [slots[2], slots[0]]


def test_occupied_lists_groups_in_ascending_order() -> None:
    index = UnitIndex(SlotTable())
    slots = index.lookup(np.array([7, 7, 7]), np.array([4, 1, 3]))
    groups, occupied = index.occupied(7)
    assert groups.tolist() == [1, 3, 4]
    assert occupied.tolist() == [slots[1], slots[2], slots[0]]
    assert index.occupied(8)[0].tolist() == []


def test_drop_returns_the_units_slots_and_forgets_it() -> None:
    table = SlotTable()
    index = UnitIndex(table)
    slots = index.lookup(np.array([0, 0, 1]), np.array([0, 1, 0]))
    dropped = index.drop(0)
    assert sorted(dropped.tolist()) == sorted(slots[:2].tolist())
    assert 0 not in index.units
    assert index.drop(0).tolist() == []
    table.release(dropped)
    again = index.lookup(np.array([0]), np.array([0]))
    assert again[0] in dropped.tolist()


def test_lookup_of_no_rows() -> None:
    index = UnitIndex(SlotTable())
    assert len(index.lookup(np.zeros(0, np.int64), np.zeros(0, np.int64))) == 0


def test_each_unit_holds_one_entry_per_group_with_a_slot_whatever_the_group_ids() -> None:
    index = UnitIndex(SlotTable())
    units = np.repeat(np.arange(50) * 1000, 2)
    index.lookup(units, np.tile(np.array([3, 1_000_000]), 50))
    assert sum(len(groups) + len(slots) for groups, slots in index.units.values()) == 200


@pytest.mark.parametrize("group_range", [5, 60, 100_000])
def test_lookup_matches_a_dictionary_of_pairs(group_range: int) -> None:
    rng = np.random.default_rng(group_range)
    table = SlotTable()
    index = UnitIndex(table)
    expected: dict[tuple[int, int], int] = {}
    for _ in range(30):
        size = int(rng.integers(1, 80))
        units = rng.integers(0, 4, size) * 10
        groups = rng.integers(0, group_range, size)
        slots = index.lookup(units, groups)
        for pair, slot in zip(zip(units.tolist(), groups.tolist(), strict=True), slots.tolist(), strict=True):
            assert expected.setdefault(pair, slot) == slot
    assert table.in_use == len(expected) == len(set(expected.values()))
    for unit in range(0, 40, 10):
        groups, slots = index.occupied(unit)
        assert groups.tolist() == sorted(group for start, group in expected if start == unit)
        assert slots.tolist() == [expected[(unit, group)] for group in groups.tolist()]
