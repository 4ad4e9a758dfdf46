"""FIRST_VALUE, LAST_VALUE (``ArrivalAccumulator``) and MEDIAN (``MedianAccumulator``)."""

from __future__ import annotations

import statistics

import numpy as np
import pyarrow as pa
import pytest

from vsql.engine.aggregates import Segments
from vsql.engine.aggregates.order import ArrivalAccumulator, MedianAccumulator

KINDS = {"int": pa.int64(), "float": pa.float64(), "str": pa.string()}


def _first(bag: list) -> object:
    return bag[0] if bag else None


def _last(bag: list) -> object:
    return bag[-1] if bag else None


def _median(bag: list) -> object:
    return float(statistics.median(bag)) if bag else None


def _arrival(is_last: bool, capacity: int = 8) -> ArrivalAccumulator:
    accumulator = ArrivalAccumulator(is_last=is_last)
    accumulator.resize(capacity)
    return accumulator


def _bags(slots, values, bags: dict | None = None) -> dict[int, list]:
    bags = bags if bags is not None else {}
    for slot, value in zip(np.asarray(slots).tolist(), values, strict=True):
        bags.setdefault(slot, [])
        if value is not None:
            bags[slot].append(value)
    return bags


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("is_last", [False, True], ids=["first", "last"])
def test_update_follows_arrival_order_across_batches(harness, rng, kind: str, is_last: bool) -> None:
    accumulator = _arrival(is_last, capacity=6)
    bags: dict[int, list] = {}
    seq = 0
    for size in (25, 1, 40):
        slots = rng.integers(0, 5, size)
        values = harness.random_values(rng, size, kind, null_rate=0.4)
        accumulator.update(slots, harness.column(values, arrow_type=KINDS[kind], seq_start=seq))
        seq += size
        _bags(slots, values, bags)
    function = _last if is_last else _first
    harness.assert_close(harness.read(accumulator, range(6)), [function(bags.get(s, [])) for s in range(6)])


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("is_last", [False, True], ids=["first", "last"])
def test_running_gives_each_rows_prefix_result(harness, rng, kind: str, is_last: bool) -> None:
    accumulator = _arrival(is_last, capacity=8)
    first_slots = rng.integers(0, 4, 20)
    first_values = harness.random_values(rng, 20, kind, null_rate=0.4)
    accumulator.update(first_slots, harness.column(first_values, arrow_type=KINDS[kind]))
    prior = _bags(first_slots, first_values)
    slots = rng.integers(0, 7, 50).tolist()
    values = harness.random_values(rng, 50, kind, null_rate=0.4)
    function = _last if is_last else _first
    got = harness.running(accumulator, slots, harness.column(values, arrow_type=KINDS[kind], seq_start=20))
    harness.assert_close(got, harness.naive_running(slots, values, function, prior=prior))
    bags = _bags(slots, values, prior)
    harness.assert_close(harness.read(accumulator, range(8)), [function(bags.get(s, [])) for s in range(8)])


@pytest.mark.parametrize("is_last", [False, True], ids=["first", "last"])
def test_all_null_slot_is_null(harness, is_last: bool) -> None:
    accumulator = _arrival(is_last)
    accumulator.update(np.array([0, 0]), harness.column([None, None], arrow_type=pa.int64()))
    assert harness.read(accumulator, [0, 1]) == [None, None]
    assert harness.running(accumulator, [0], harness.column([None], arrow_type=pa.int64(), seq_start=2)) == [
        None
    ]


@pytest.mark.parametrize("is_last", [False, True], ids=["first", "last"])
def test_merge_keeps_the_value_by_arrival_across_slots(harness, is_last: bool) -> None:
    """A session merge: the survivor's FIRST is the earliest-arrived value of either session, its
    LAST the latest-arrived."""
    accumulator = _arrival(is_last)
    accumulator.update(np.array([1, 0, 1, 0]), harness.column(["a", "b", "c", "d"], arrow_type=pa.string()))
    accumulator.update(np.array([2, 3]), harness.column([None, "e"], arrow_type=pa.string(), seq_start=4))
    accumulator.merge(np.array([0, 2]), np.array([1, 3]))
    expected = ["d", "e"] if is_last else ["a", "e"]
    assert harness.read(accumulator, [0, 2]) == expected


@pytest.mark.parametrize("is_last", [False, True], ids=["first", "last"])
def test_merge_from_an_empty_slot_keeps_the_target(harness, is_last: bool) -> None:
    accumulator = _arrival(is_last)
    accumulator.update(np.array([0]), harness.column([5]))
    accumulator.merge(np.array([0]), np.array([1]))
    assert harness.read(accumulator, [0]) == [5]


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("is_last", [False, True], ids=["first", "last"])
def test_combine_segments_with_a_shared_slot(harness, rng, kind: str, is_last: bool) -> None:
    accumulator = _arrival(is_last, capacity=5)
    slots = rng.integers(0, 5, 40)
    values = harness.random_values(rng, 40, kind, null_rate=0.3)
    accumulator.update(slots, harness.column(values, arrow_type=KINDS[kind]))
    function = _last if is_last else _first

    def across(*wanted: int) -> object:
        bag = [values[i] for i in range(40) if slots[i] in wanted and values[i] is not None]
        return function(bag)

    got = accumulator.combine(np.array([3, 0, 1, 1, 4, 2]), np.array([0, 3, 5])).to_pylist()
    harness.assert_close(got, [across(3, 0, 1), across(1, 4), across(2)])


@pytest.mark.parametrize("is_last", [False, True], ids=["first", "last"])
def test_released_slot_reads_empty_and_is_reusable(harness, is_last: bool) -> None:
    accumulator = _arrival(is_last)
    accumulator.update(np.array([0, 1]), harness.column([1, 2]))
    accumulator.release(np.array([1]))
    assert harness.read(accumulator, [0, 1]) == [1, None]
    accumulator.update(np.array([1]), harness.column([9], seq_start=2))
    assert harness.read(accumulator, [1]) == [9]
    assert harness.running(accumulator, [0], harness.column([None], arrow_type=pa.int64(), seq_start=3)) == [
        1
    ]


def test_first_value_keeps_int_type(harness) -> None:
    accumulator = _arrival(False)
    accumulator.update(np.array([0]), harness.column([3]))
    assert accumulator.combine(np.array([0]), np.array([0])).type == pa.int64()


def test_last_value_after_ints_then_floats(harness) -> None:
    accumulator = _arrival(True)
    accumulator.update(np.array([0, 1]), harness.column([3, 4]))
    accumulator.update(np.array([0]), harness.column([2.5], seq_start=2))
    assert harness.read(accumulator, [0, 1]) == [2.5, 4.0]


def _median_acc() -> MedianAccumulator:
    accumulator = MedianAccumulator()
    accumulator.resize(8)
    return accumulator


@pytest.mark.parametrize("kind", ["int", "float"])
def test_median_matches_statistics_median(harness, rng, kind: str) -> None:
    accumulator = _median_acc()
    bags: dict[int, list] = {}
    for size in (30, 7, 50):
        slots = rng.integers(0, 6, size)
        values = harness.random_values(rng, size, kind)
        accumulator.update(slots, harness.column(values, arrow_type=KINDS[kind]))
        _bags(slots, values, bags)
    harness.assert_close(harness.read(accumulator, range(7)), [_median(bags.get(s, [])) for s in range(7)])


def test_median_of_even_count_is_mean_of_middle_values(harness) -> None:
    accumulator = _median_acc()
    accumulator.update(np.array([0, 0, 0, 0]), harness.column([10, 1, 4, 3]))
    assert harness.read(accumulator, [0]) == [3.5]


def test_median_of_only_nulls_is_null(harness) -> None:
    accumulator = _median_acc()
    accumulator.update(np.array([0, 0, 1]), harness.column([None, None, 2], arrow_type=pa.int64()))
    assert harness.read(accumulator, [0, 1, 2]) == [None, 2.0, None]


def test_median_merge_moves_values_to_target(harness) -> None:
    accumulator = _median_acc()
    accumulator.update(np.array([0, 0, 1, 1, 1, 2]), harness.column([1, 2, 10, 20, 30, 5]))
    accumulator.merge(np.array([0]), np.array([1]))
    accumulator.release(np.array([1]))
    assert harness.read(accumulator, [0, 1, 2]) == [10.0, None, 5.0]


def test_median_combine_segments_with_a_shared_slot(harness, rng) -> None:
    accumulator = _median_acc()
    slots = rng.integers(0, 5, 60)
    values = harness.random_values(rng, 60, "float")
    accumulator.update(slots, harness.column(values, arrow_type=pa.float64()))
    bags = _bags(slots, values)
    got = accumulator.combine(np.array([0, 1, 1, 2, 4]), np.array([0, 2])).to_pylist()
    harness.assert_close(got, [_median(bags[0] + bags[1]), _median(bags[1] + bags[2] + bags[4])])
    harness.assert_close(harness.read(accumulator, [1]), [_median(bags[1])])


def test_median_released_slot_reads_empty_and_is_reusable(harness) -> None:
    accumulator = _median_acc()
    accumulator.update(np.array([0, 1, 1]), harness.column([1.0, 2.0, 3.0]))
    accumulator.release(np.array([1]))
    assert harness.read(accumulator, [0, 1]) == [1.0, None]
    accumulator.update(np.array([1]), harness.column([8.0]))
    assert harness.read(accumulator, [1]) == [8.0]


def test_median_cannot_run_per_row(harness) -> None:
    accumulator = _median_acc()
    with pytest.raises(TypeError):
        accumulator.running(Segments(np.array([0])), harness.column([1]))


def test_median_rejects_strings(harness) -> None:
    with pytest.raises(TypeError):
        _median_acc().update(np.array([0]), harness.column(["a"]))
