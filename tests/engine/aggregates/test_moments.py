"""VAR_SAMP, VAR_POP, STDDEV_SAMP, STDDEV_POP (``VarianceAccumulator``)."""

from __future__ import annotations

import statistics
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pytest

from vsql.engine.aggregates.moments import VarianceAccumulator

VARIANTS: dict[str, tuple[dict, Callable[[list], object]]] = {
    "var_samp": ({"sample": True, "root": False}, lambda b: statistics.variance(b) if len(b) > 1 else None),
    "var_pop": ({"sample": False, "root": False}, lambda b: statistics.pvariance(b) if b else None),
    "stddev_samp": ({"sample": True, "root": True}, lambda b: statistics.stdev(b) if len(b) > 1 else None),
    "stddev_pop": ({"sample": False, "root": True}, lambda b: statistics.pstdev(b) if b else None),
}
CASES = [(name, kind) for name in VARIANTS for kind in ("int", "float")]
TYPES = {"int": pa.int64(), "float": pa.float64()}


def _built(name: str, capacity: int = 8) -> VarianceAccumulator:
    accumulator = VarianceAccumulator(**VARIANTS[name][0])
    accumulator.resize(capacity)
    return accumulator


def _float(value: object) -> object:
    return None if value is None else float(value)


def _expected(name: str, bag: list) -> object:
    return _float(VARIANTS[name][1](bag))


def _bags(slots, values, bags: dict | None = None) -> dict[int, list]:
    bags = bags if bags is not None else {}
    for slot, value in zip(np.asarray(slots).tolist(), values, strict=True):
        bags.setdefault(slot, [])
        if value is not None:
            bags[slot].append(value)
    return bags


@pytest.mark.parametrize(("name", "kind"), CASES)
def test_update_matches_statistics_on_random_data(harness, rng, name: str, kind: str) -> None:
    accumulator = _built(name, capacity=7)
    bags: dict[int, list] = {}
    for size in (40, 1, 60):
        slots = rng.integers(0, 6, size)
        values = harness.random_values(rng, size, kind)
        accumulator.update(slots, harness.column(values, arrow_type=TYPES[kind]))
        _bags(slots, values, bags)
    got = harness.read(accumulator, range(7))
    harness.assert_close(got, [_expected(name, bags.get(s, [])) for s in range(7)], rel=1e-7)


@pytest.mark.parametrize("name", list(VARIANTS))
def test_matches_numpy_variance(harness, rng, name: str) -> None:
    values = rng.normal(50.0, 10.0, 500)
    accumulator = _built(name, capacity=1)
    accumulator.update(np.zeros(500, np.int64), harness.column(values.tolist()))
    ddof = 1 if VARIANTS[name][0]["sample"] else 0
    expected = np.std(values, ddof=ddof) if VARIANTS[name][0]["root"] else np.var(values, ddof=ddof)
    assert harness.read(accumulator, [0])[0] == pytest.approx(float(expected), rel=1e-9)


def test_variance_stays_exact_for_large_values_with_small_spread(harness) -> None:
    values = [1e9 + 0.01 * i for i in range(100)]
    accumulator = _built("var_samp", capacity=1)
    accumulator.update(np.zeros(100, np.int64), harness.column(values))
    assert harness.read(accumulator, [0])[0] == pytest.approx(statistics.variance(values), rel=1e-6)


@pytest.mark.parametrize("name", ["var_samp", "stddev_samp"])
def test_sample_variance_of_one_value_is_null(harness, name: str) -> None:
    accumulator = _built(name)
    accumulator.update(np.array([0, 1, 1]), harness.column([5.0, 1.0, None]))
    assert harness.read(accumulator, [0, 1]) == [None, None]


@pytest.mark.parametrize("name", ["var_pop", "stddev_pop"])
def test_population_variance_of_one_value_is_zero(harness, name: str) -> None:
    accumulator = _built(name)
    accumulator.update(np.array([0]), harness.column([5.0]))
    assert harness.read(accumulator, [0]) == [0.0]


@pytest.mark.parametrize("name", list(VARIANTS))
def test_all_null_slot_is_null(harness, name: str) -> None:
    accumulator = _built(name)
    accumulator.update(np.array([0, 0]), harness.column([None, None], arrow_type=pa.float64()))
    assert harness.read(accumulator, [0, 5]) == [None, None]


@pytest.mark.parametrize(("name", "kind"), CASES)
def test_running_gives_each_rows_prefix_result(harness, rng, name: str, kind: str) -> None:
    accumulator = _built(name, capacity=8)
    first_slots = rng.integers(0, 4, 30)
    first_values = harness.random_values(rng, 30, kind)
    accumulator.update(first_slots, harness.column(first_values, arrow_type=TYPES[kind]))
    prior = _bags(first_slots, first_values)
    slots = rng.integers(0, 7, 60).tolist()
    values = harness.random_values(rng, 60, kind, null_rate=0.3)
    got = harness.running(accumulator, slots, harness.column(values, arrow_type=TYPES[kind]))
    expected = harness.naive_running(slots, values, lambda bag: _expected(name, bag), prior=prior)
    harness.assert_close(got, expected, rel=1e-7)
    bags = _bags(slots, values, prior)
    harness.assert_close(
        harness.read(accumulator, range(8)), [_expected(name, bags.get(s, [])) for s in range(8)], rel=1e-7
    )


@pytest.mark.parametrize("name", list(VARIANTS))
def test_running_on_a_slot_whose_first_rows_are_null(harness, name: str) -> None:
    accumulator = _built(name)
    values = [None, 1e6 + 1, 1e6 + 3, None, 1e6 + 8]
    got = harness.running(accumulator, [0] * 5, harness.column(values))
    harness.assert_close(got, harness.naive_running([0] * 5, values, lambda bag: _expected(name, bag)))


@pytest.mark.parametrize(("name", "kind"), CASES)
def test_merge_folds_sources_into_targets(harness, rng, name: str, kind: str) -> None:
    accumulator = _built(name, capacity=6)
    slots = rng.integers(0, 5, 60)
    values = harness.random_values(rng, 60, kind)
    accumulator.update(slots, harness.column(values, arrow_type=TYPES[kind]))
    bags = _bags(slots, values)
    accumulator.merge(np.array([0, 0, 1]), np.array([2, 3, 4]))
    expected = [
        _expected(name, bags[0] + bags[2] + bags[3]),
        _expected(name, bags[1] + bags[4]),
    ]
    harness.assert_close(harness.read(accumulator, [0, 1]), expected, rel=1e-7)


@pytest.mark.parametrize("name", list(VARIANTS))
def test_merge_into_an_empty_slot_takes_the_source(harness, name: str) -> None:
    accumulator = _built(name)
    accumulator.update(np.array([1, 1, 1]), harness.column([1e6 + 1.0, 1e6 + 2.0, 1e6 + 6.0]))
    accumulator.merge(np.array([0]), np.array([1]))
    harness.assert_close(harness.read(accumulator, [0]), [_expected(name, [1e6 + 1.0, 1e6 + 2.0, 1e6 + 6.0])])


@pytest.mark.parametrize("name", list(VARIANTS))
def test_merge_of_slots_with_different_shifts(harness, name: str) -> None:
    accumulator = _built(name)
    accumulator.update(np.array([0, 0, 1, 1]), harness.column([1.0, 3.0, 1000.0, 1010.0]))
    accumulator.merge(np.array([0]), np.array([1]))
    harness.assert_close(harness.read(accumulator, [0]), [_expected(name, [1.0, 3.0, 1000.0, 1010.0])])


@pytest.mark.parametrize(("name", "kind"), CASES)
def test_combine_segments_with_a_shared_slot(harness, rng, name: str, kind: str) -> None:
    accumulator = _built(name, capacity=6)
    slots = rng.integers(0, 6, 60)
    values = harness.random_values(rng, 60, kind)
    accumulator.update(slots, harness.column(values, arrow_type=TYPES[kind]))
    bags = _bags(slots, values)
    bags.setdefault(5, [])
    got = accumulator.combine(np.array([0, 1, 2, 2, 5, 5, 3, 4]), np.array([0, 3, 5])).to_pylist()
    expected = [
        _expected(name, bags[0] + bags[1] + bags[2]),
        _expected(name, bags[2] + bags[5]),
        _expected(name, bags[5] + bags[3] + bags[4]),
    ]
    harness.assert_close(got, expected, rel=1e-7)
    harness.assert_close(harness.read(accumulator, [2]), [_expected(name, bags[2])], rel=1e-7)


@pytest.mark.parametrize("name", list(VARIANTS))
def test_combine_with_an_empty_first_slot(harness, name: str) -> None:
    accumulator = _built(name)
    accumulator.update(np.array([1, 1, 2]), harness.column([500.0, 504.0, 509.0]))
    got = accumulator.combine(np.array([0, 1, 2]), np.array([0])).to_pylist()
    harness.assert_close(got, [_expected(name, [500.0, 504.0, 509.0])])


@pytest.mark.parametrize("name", list(VARIANTS))
def test_released_slot_reads_empty_and_is_reusable(harness, name: str) -> None:
    accumulator = _built(name)
    accumulator.update(np.array([0, 0, 1, 1]), harness.column([1.0, 2.0, 100.0, 300.0]))
    accumulator.release(np.array([1]))
    assert harness.read(accumulator, [1]) == [None]
    harness.assert_close(harness.read(accumulator, [0]), [_expected(name, [1.0, 2.0])])
    accumulator.update(np.array([1, 1]), harness.column([7.0, 9.0]))
    harness.assert_close(harness.read(accumulator, [1]), [_expected(name, [7.0, 9.0])])
    got = harness.running(accumulator, [1], harness.column([20.0]))
    harness.assert_close(got, [_expected(name, [7.0, 9.0, 20.0])])


def test_variance_rejects_strings(harness) -> None:
    with pytest.raises(TypeError):
        _built("var_samp").update(np.array([0]), harness.column(["a"]))
