"""COUNT(DISTINCT x) and APPROX_COUNT_DISTINCT(x) (``DistinctCountAccumulator``)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from vsql.engine.aggregates import build_accumulator
from vsql.engine.aggregates.distinct import DistinctCountAccumulator
from vsql.engine.sql.plan import AggFunc, AggregateSpec

TYPES = {"int": pa.int64(), "float": pa.float64(), "str": pa.string()}


def _built(capacity: int = 8) -> DistinctCountAccumulator:
    accumulator = DistinctCountAccumulator()
    accumulator.resize(capacity)
    return accumulator


def _distinct(bag: list) -> int:
    return len(set(bag))


def _bags(slots, values, bags: dict | None = None) -> dict[int, list]:
    bags = bags if bags is not None else {}
    for slot, value in zip(np.asarray(slots).tolist(), values, strict=True):
        bags.setdefault(slot, [])
        if value is not None:
            bags[slot].append(value)
    return bags


def _few_values(rng: np.random.Generator, size: int, kind: str) -> list[object]:
    """Values drawn from a small set, so repeats are common."""
    picks = rng.integers(0, 12, size).tolist()
    nulls = rng.random(size) < 0.2
    make = {"int": int, "float": lambda v: v / 4, "str": lambda v: f"v{v}"}[kind]
    return [None if drop else make(v) for v, drop in zip(picks, nulls, strict=True)]


@pytest.mark.parametrize(
    "spec",
    [
        AggregateSpec(AggFunc.COUNT, None, distinct=True),
        AggregateSpec(AggFunc.APPROX_COUNT_DISTINCT, None),
    ],
)
def test_both_functions_build_the_exact_distinct_counter(spec: AggregateSpec) -> None:
    assert isinstance(build_accumulator(spec), DistinctCountAccumulator)


@pytest.mark.parametrize("kind", list(TYPES))
def test_update_counts_distinct_values_across_batches(harness, rng, kind: str) -> None:
    accumulator = _built(7)
    bags: dict[int, list] = {}
    for size in (30, 1, 50):
        slots = rng.integers(0, 6, size)
        values = _few_values(rng, size, kind)
        accumulator.update(slots, harness.column(values, arrow_type=TYPES[kind]))
        _bags(slots, values, bags)
    assert harness.read(accumulator, range(7)) == [_distinct(bags.get(s, [])) for s in range(7)]


def test_only_nulls_count_zero(harness) -> None:
    accumulator = _built()
    accumulator.update(np.array([0, 0]), harness.column([None, None], arrow_type=pa.string()))
    assert harness.read(accumulator, [0, 1]) == [0, 0]


def test_int_and_float_of_equal_value_are_one_value(harness) -> None:
    accumulator = _built()
    accumulator.update(np.array([0, 0]), harness.column([15000, 7]))
    accumulator.update(np.array([0, 0]), harness.column([15000.0, 7.5]))
    assert harness.read(accumulator, [0]) == [3]


@pytest.mark.parametrize("kind", list(TYPES))
def test_running_gives_each_rows_prefix_result(harness, rng, kind: str) -> None:
    accumulator = _built(8)
    first_slots = rng.integers(0, 4, 25)
    first_values = _few_values(rng, 25, kind)
    accumulator.update(first_slots, harness.column(first_values, arrow_type=TYPES[kind]))
    prior = _bags(first_slots, first_values)
    slots = rng.integers(0, 7, 60).tolist()
    values = _few_values(rng, 60, kind)
    got = harness.running(accumulator, slots, harness.column(values, arrow_type=TYPES[kind]))
    assert got == harness.naive_running(slots, values, _distinct, prior=prior)
    bags = _bags(slots, values, prior)
    assert harness.read(accumulator, range(8)) == [_distinct(bags.get(s, [])) for s in range(8)]


def test_merge_counts_values_shared_by_both_slots_once(harness) -> None:
    accumulator = _built()
    accumulator.update(np.array([0, 0, 1, 1, 1, 2]), harness.column(["a", "b", "b", "c", None, "a"]))
    accumulator.merge(np.array([0, 3]), np.array([1, 2]))
    assert harness.read(accumulator, [0, 1, 2, 3]) == [3, 0, 0, 1]
    accumulator.update(np.array([0, 3]), harness.column(["c", "z"]))
    assert harness.read(accumulator, [0, 3]) == [3, 2]


@pytest.mark.parametrize("kind", list(TYPES))
def test_combine_segments_with_a_shared_slot(harness, rng, kind: str) -> None:
    accumulator = _built(6)
    slots = rng.integers(0, 6, 60)
    values = _few_values(rng, 60, kind)
    accumulator.update(slots, harness.column(values, arrow_type=TYPES[kind]))
    bags = _bags(slots, values)
    got = accumulator.combine(np.array([0, 1, 2, 2, 5, 5, 3, 4]), np.array([0, 3, 5])).to_pylist()
    assert got == [
        _distinct(bags[0] + bags[1] + bags[2]),
        _distinct(bags[2] + bags[5]),
        _distinct(bags[5] + bags[3] + bags[4]),
    ]
    assert harness.read(accumulator, range(6)) == [_distinct(bags[s]) for s in range(6)]


def test_released_slot_reads_empty_and_is_reusable(harness) -> None:
    accumulator = _built()
    accumulator.update(np.array([0, 1, 1]), harness.column(["x", "y", "z"]))
    accumulator.release(np.array([1]))
    assert harness.read(accumulator, [0, 1]) == [1, 0]
    accumulator.update(np.array([1, 1]), harness.column(["y", "x"]))
    assert harness.read(accumulator, [1]) == [2]
    assert harness.running(accumulator, [1, 0], harness.column(["y", "q"])) == [2, 2]
