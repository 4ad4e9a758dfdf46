"""COUNT, SUM, AVG (``SumCountAccumulator``) and MIN, MAX (``ExtremeAccumulator``)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pytest

from vsql.engine.aggregates.basic import ExtremeAccumulator, SumCountAccumulator, SumCountKind


def _count(bag: list) -> int:
    return len(bag)


def _sum(bag: list) -> object:
    return sum(bag) if bag else None


def _avg(bag: list) -> object:
    return sum(bag) / len(bag) if bag else None


def _min(bag: list) -> object:
    return min(bag) if bag else None


def _max(bag: list) -> object:
    return max(bag) if bag else None


FACTORIES: dict[str, tuple[Callable[[], object], Callable[[list], object]]] = {
    "count": (lambda: SumCountAccumulator(SumCountKind.COUNT), _count),
    "sum": (lambda: SumCountAccumulator(SumCountKind.SUM), _sum),
    "avg": (lambda: SumCountAccumulator(SumCountKind.AVG), _avg),
    "min": (lambda: ExtremeAccumulator(is_max=False), _min),
    "max": (lambda: ExtremeAccumulator(is_max=True), _max),
}
NUMERIC = [(name, kind) for name in FACTORIES for kind in ("int", "float")]


def _built(name: str, capacity: int = 8) -> object:
    accumulator = FACTORIES[name][0]()
    accumulator.resize(capacity)
    return accumulator


def test_count_star_counts_every_row(harness) -> None:
    accumulator = _built("count")
    accumulator.update(np.array([0, 1, 0, 0]), harness.column(None, length=4))
    assert harness.read(accumulator, [0, 1, 2]) == [3, 1, 0]


def test_count_of_a_column_skips_nulls(harness) -> None:
    accumulator = _built("count")
    accumulator.update(np.array([0, 0, 1, 1]), harness.column([1, None, None, None]))
    assert harness.read(accumulator, [0, 1]) == [1, 0]


@pytest.mark.parametrize("name", ["sum", "avg", "min", "max"])
def test_only_nulls_give_null(harness, name: str) -> None:
    accumulator = _built(name)
    accumulator.update(np.array([0, 0, 1]), harness.column([None, None, 5], arrow_type=pa.int64()))
    assert harness.read(accumulator, [0, 1, 2]) == [None, FACTORIES[name][1]([5]), None]


def test_count_of_only_nulls_is_zero(harness) -> None:
    accumulator = _built("count")
    accumulator.update(np.array([0, 0]), harness.column([None, None], arrow_type=pa.float64()))
    assert harness.read(accumulator, [0, 3]) == [0, 0]


def test_sum_of_ints_is_an_int(harness) -> None:
    accumulator = _built("sum")
    accumulator.update(np.array([0, 0]), harness.column([2**40, 3]))
    result = accumulator.combine(np.array([0]), np.array([0]))
    assert result.type == pa.int64()
    assert result.to_pylist() == [2**40 + 3]


def test_sum_widens_to_float_when_a_float_arrives(harness) -> None:
    accumulator = _built("sum")
    accumulator.update(np.array([0, 1]), harness.column([2, 7]))
    accumulator.update(np.array([0]), harness.column([0.5]))
    result = accumulator.combine(np.array([0, 1]), np.array([0, 1]))
    assert result.type == pa.float64()
    assert result.to_pylist() == [2.5, 7.0]


def test_avg_of_ints_is_a_float(harness) -> None:
    accumulator = _built("avg")
    accumulator.update(np.array([0, 0]), harness.column([1, 2]))
    result = accumulator.combine(np.array([0]), np.array([0]))
    assert result.type == pa.float64()
    assert result.to_pylist() == [1.5]


def test_min_max_of_ints_stay_ints(harness) -> None:
    for name, expected in (("min", -3), ("max", 9)):
        accumulator = _built(name)
        accumulator.update(np.array([0, 0, 0]), harness.column([4, -3, 9]))
        result = accumulator.combine(np.array([0]), np.array([0]))
        assert result.type == pa.int64()
        assert result.to_pylist() == [expected]


def test_max_widens_int_state_to_float(harness) -> None:
    accumulator = _built("max")
    accumulator.update(np.array([0, 1]), harness.column([10, 3]))
    accumulator.update(np.array([0, 1]), harness.column([2.5, 3.5]))
    assert harness.read(accumulator, [0, 1, 2]) == [10.0, 3.5, None]


def test_min_keeps_int_state_when_ints_follow_floats(harness) -> None:
    accumulator = _built("min")
    accumulator.update(np.array([0]), harness.column([2.5]))
    accumulator.update(np.array([0, 1]), harness.column([1, 4]))
    assert harness.read(accumulator, [0, 1]) == [1.0, 4.0]


@pytest.mark.parametrize(("name", "kind"), NUMERIC)
def test_update_matches_naive_on_random_data(harness, rng, name: str, kind: str) -> None:
    accumulator = _built(name, capacity=6)
    expected_bags: dict[int, list] = {slot: [] for slot in range(6)}
    for _ in range(3):
        slots = rng.integers(0, 5, 40)
        values = harness.random_values(rng, 40, kind)
        accumulator.update(
            slots, harness.column(values, arrow_type=pa.int64() if kind == "int" else pa.float64())
        )
        for slot, value in zip(slots.tolist(), values, strict=True):
            if value is not None:
                expected_bags[slot].append(value)
    function = FACTORIES[name][1]
    harness.assert_close(harness.read(accumulator, range(6)), [function(expected_bags[s]) for s in range(6)])


@pytest.mark.parametrize(("name", "kind"), NUMERIC)
def test_running_gives_each_rows_prefix_result(harness, rng, name: str, kind: str) -> None:
    """EMIT CHANGES: after an ``update`` batch, ``running`` reports each row's slot result right
    after that row, including state from earlier batches, and leaves the state at the last row."""
    arrow_type = pa.int64() if kind == "int" else pa.float64()
    accumulator = _built(name, capacity=8)
    first_slots = rng.integers(0, 4, 30)
    first_values = harness.random_values(rng, 30, kind)
    accumulator.update(first_slots, harness.column(first_values, arrow_type=arrow_type))
    prior: dict[int, list] = {}
    for slot, value in zip(first_slots.tolist(), first_values, strict=True):
        if value is not None:
            prior.setdefault(slot, []).append(value)
    function = FACTORIES[name][1]
    slots = rng.integers(0, 7, 60).tolist()
    values = harness.random_values(rng, 60, kind, null_rate=0.3)
    got = harness.running(accumulator, slots, harness.column(values, arrow_type=arrow_type, seq_start=30))
    harness.assert_close(got, harness.naive_running(slots, values, function, prior=prior))
    bags = {slot: list(items) for slot, items in prior.items()}
    for slot, value in zip(slots, values, strict=True):
        bags.setdefault(slot, [])
        if value is not None:
            bags[slot].append(value)
    harness.assert_close(harness.read(accumulator, range(8)), [function(bags.get(s, [])) for s in range(8)])


@pytest.mark.parametrize("name", list(FACTORIES))
def test_running_of_an_all_null_slot(harness, name: str) -> None:
    accumulator = _built(name)
    got = harness.running(accumulator, [2, 2], harness.column([None, None], arrow_type=pa.int64()))
    expected = 0 if name == "count" else None
    assert got == [expected, expected]


@pytest.mark.parametrize(("name", "kind"), NUMERIC)
def test_merge_folds_sources_into_targets(harness, rng, name: str, kind: str) -> None:
    arrow_type = pa.int64() if kind == "int" else pa.float64()
    accumulator = _built(name, capacity=6)
    slots = rng.integers(0, 6, 50)
    values = harness.random_values(rng, 50, kind)
    accumulator.update(slots, harness.column(values, arrow_type=arrow_type))
    accumulator.merge(np.array([0, 0, 1]), np.array([3, 4, 5]))
    bags: dict[int, list] = {slot: [] for slot in range(6)}
    for slot, value in zip(slots.tolist(), values, strict=True):
        if value is not None:
            bags[slot].append(value)
    function = FACTORIES[name][1]
    expected = [function(bags[0] + bags[3] + bags[4]), function(bags[1] + bags[5]), function(bags[2])]
    harness.assert_close(harness.read(accumulator, [0, 1, 2]), expected)


@pytest.mark.parametrize(("name", "kind"), NUMERIC)
def test_merge_into_an_empty_slot(harness, name: str, kind: str) -> None:
    arrow_type = pa.int64() if kind == "int" else pa.float64()
    accumulator = _built(name)
    accumulator.update(np.array([1, 1]), harness.column([3, 5], arrow_type=arrow_type))
    accumulator.merge(np.array([0]), np.array([1]))
    harness.assert_close(harness.read(accumulator, [0]), [FACTORIES[name][1]([3, 5])])


@pytest.mark.parametrize(("name", "kind"), NUMERIC)
def test_combine_merges_segments_without_changing_state(harness, rng, name: str, kind: str) -> None:
    arrow_type = pa.int64() if kind == "int" else pa.float64()
    accumulator = _built(name, capacity=6)
    slots = rng.integers(0, 6, 50)
    values = harness.random_values(rng, 50, kind)
    values[slots.tolist().index(5)] = None
    accumulator.update(slots, harness.column(values, arrow_type=arrow_type))
    bags: dict[int, list] = {slot: [] for slot in range(6)}
    for slot, value in zip(slots.tolist(), values, strict=True):
        if value is not None:
            bags[slot].append(value)
    function = FACTORIES[name][1]
    segment_slots = np.array([0, 1, 2, 2, 3, 1, 4])
    starts = np.array([0, 3, 5])
    expected = [
        function(bags[0] + bags[1] + bags[2]),
        function(bags[2] + bags[3]),
        function(bags[1] + bags[4]),
    ]
    before = harness.read(accumulator, range(6))
    harness.assert_close(accumulator.combine(segment_slots, starts).to_pylist(), expected)
    assert harness.read(accumulator, range(6)) == before


@pytest.mark.parametrize("name", list(FACTORIES))
def test_combine_of_no_segments_is_empty(name: str) -> None:
    accumulator = _built(name)
    assert len(accumulator.combine(np.zeros(0, np.int64), np.zeros(0, np.int64))) == 0


@pytest.mark.parametrize(("name", "kind"), NUMERIC)
def test_released_slot_reads_empty_and_is_reusable(harness, name: str, kind: str) -> None:
    arrow_type = pa.int64() if kind == "int" else pa.float64()
    accumulator = _built(name)
    accumulator.update(np.array([0, 1, 1]), harness.column([7, 8, 9], arrow_type=arrow_type))
    accumulator.release(np.array([1]))
    function = FACTORIES[name][1]
    assert harness.read(accumulator, [1]) == [function([])]
    harness.assert_close(harness.read(accumulator, [0]), [function([7])])
    accumulator.update(np.array([1]), harness.column([-4], arrow_type=arrow_type))
    harness.assert_close(harness.read(accumulator, [1]), [function([-4])])


def test_released_slot_is_reusable_under_running(harness) -> None:
    accumulator = _built("max")
    accumulator.update(np.array([0]), harness.column([100]))
    accumulator.release(np.array([0]))
    assert harness.running(accumulator, [0, 0], harness.column([-5, -7])) == [-5, -5]


def test_resize_keeps_existing_state(harness) -> None:
    for name in FACTORIES:
        accumulator = _built(name, capacity=2)
        accumulator.update(np.array([1]), harness.column([4]))
        accumulator.resize(100)
        accumulator.update(np.array([99]), harness.column([6]))
        function = FACTORIES[name][1]
        assert harness.read(accumulator, [1, 99, 50]) == [function([4]), function([6]), function([])]


@pytest.mark.parametrize("name", ["min", "max"])
def test_min_max_of_strings(harness, rng, name: str) -> None:
    accumulator = _built(name, capacity=5)
    function = FACTORIES[name][1]
    slots = rng.integers(0, 4, 40)
    values = harness.random_values(rng, 40, "str")
    accumulator.update(slots, harness.column(values, arrow_type=pa.string()))
    bags: dict[int, list] = {slot: [] for slot in range(5)}
    for slot, value in zip(slots.tolist(), values, strict=True):
        if value is not None:
            bags[slot].append(value)
    result = accumulator.combine(np.arange(5), np.arange(5))
    assert result.type == pa.string()
    assert result.to_pylist() == [function(bags[s]) for s in range(5)]


@pytest.mark.parametrize("name", ["min", "max"])
def test_running_min_max_of_strings(harness, rng, name: str) -> None:
    accumulator = _built(name, capacity=6)
    function = FACTORIES[name][1]
    first_slots = rng.integers(0, 3, 20)
    first_values = harness.random_values(rng, 20, "str")
    accumulator.update(first_slots, harness.column(first_values, arrow_type=pa.string()))
    prior: dict[int, list] = {}
    for slot, value in zip(first_slots.tolist(), first_values, strict=True):
        if value is not None:
            prior.setdefault(slot, []).append(value)
    slots = rng.integers(0, 6, 40).tolist()
    values = harness.random_values(rng, 40, "str", null_rate=0.3)
    got = harness.running(accumulator, slots, harness.column(values, arrow_type=pa.string(), seq_start=20))
    assert got == harness.naive_running(slots, values, function, prior=prior)


@pytest.mark.parametrize("name", ["min", "max"])
def test_merge_and_combine_min_max_of_strings(harness, name: str) -> None:
    accumulator = _built(name, capacity=4)
    function = FACTORIES[name][1]
    accumulator.update(
        np.array([0, 0, 1, 2, 2, 3]), harness.column(["m", "c", "x", None, "a", "q"], arrow_type=pa.string())
    )
    assert accumulator.combine(np.array([0, 2, 1, 3]), np.array([0, 2])).to_pylist() == [
        function(["m", "c", "a"]),
        function(["x", "q"]),
    ]
    accumulator.merge(np.array([0, 1]), np.array([2, 3]))
    assert harness.read(accumulator, [0, 1]) == [function(["m", "c", "a"]), function(["x", "q"])]


def test_count_of_strings_counts_non_null_values(harness) -> None:
    accumulator = _built("count")
    accumulator.update(np.array([0, 0, 0]), harness.column(["a", None, "b"]))
    assert harness.read(accumulator, [0]) == [2]


@pytest.mark.parametrize("name", ["sum", "avg"])
def test_sum_and_avg_reject_strings(harness, name: str) -> None:
    accumulator = _built(name)
    with pytest.raises(TypeError):
        accumulator.update(np.array([0]), harness.column(["a"]))


@pytest.mark.parametrize("name", ["min", "max"])
def test_merge_of_an_all_null_string_slot_keeps_the_target(harness, name: str) -> None:
    """A session whose values were all NULL merges into one with values (a bridging row)."""
    accumulator = _built(name, capacity=4)
    accumulator.update(np.array([0, 1]), harness.column(["m", None], arrow_type=pa.string()))
    accumulator.merge(np.array([0]), np.array([1]))
    assert harness.read(accumulator, [0]) == ["m"]


def test_running_leaves_an_all_null_string_slot_empty_for_a_later_merge(harness) -> None:
    """Slot 0 only sees NULL under ``running``; merging slot 3 (value '0') into it must give '0',
    not a value left over from other slots of the batch."""
    accumulator = _built("max", capacity=4)
    harness.running(accumulator, [1, 1, 0, 2], harness.column(["b", "a", None, "c"], arrow_type=pa.string()))
    harness.running(accumulator, [3], harness.column(["0"], arrow_type=pa.string(), seq_start=4))
    accumulator.merge(np.array([0]), np.array([3]))
    assert harness.read(accumulator, [0]) == ["0"]
