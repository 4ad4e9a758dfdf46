"""Helpers for accumulator tests: value columns, reading slots, naive per-row references."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import pyarrow as pa
import pytest

from vsql.engine.aggregates import Accumulator, Segments, ValueColumn


class AccumulatorHarness:
    """Builds inputs for accumulators and reads their results back as Python values."""

    @staticmethod
    def column(
        values: Sequence[object] | None,
        *,
        arrow_type: pa.DataType | None = None,
        seq_start: int = 0,
        length: int | None = None,
    ) -> ValueColumn:
        """A ``ValueColumn`` of ``values`` (``None`` entries are NULL); ``values=None`` is COUNT(*)."""
        size = length if values is None else len(values)
        seq = np.arange(seq_start, seq_start + size, dtype=np.int64)
        array = None if values is None else pa.array(list(values), type=arrow_type)
        return ValueColumn.from_arrow(array, seq=seq)

    @staticmethod
    def read(accumulator: Accumulator, slots: Sequence[int]) -> list[object]:
        """The result of each slot, read with one-slot segments."""
        array = np.asarray(slots, dtype=np.int64)
        return accumulator.combine(array, np.arange(len(array))).to_pylist()

    @staticmethod
    def running(accumulator: Accumulator, slots: Sequence[int], column: ValueColumn) -> list[object]:
        """``running`` over ``slots``, results put back in arrival order."""
        segments = Segments(np.asarray(slots, dtype=np.int64))
        result = accumulator.running(segments, column)
        assert len(result) == len(slots)
        rank = np.empty(len(slots), dtype=np.int64)
        rank[segments.order] = np.arange(len(slots))
        return result.take(pa.array(rank)).to_pylist()

    @staticmethod
    def naive_running(
        slots: Sequence[int],
        values: Sequence[object],
        function: Callable[[list[object]], object],
        *,
        prior: dict[int, list[object]] | None = None,
    ) -> list[object]:
        """Per row, ``function`` of the non-NULL values its slot has seen up to and including it."""
        seen: dict[int, list[object]] = {slot: list(items) for slot, items in (prior or {}).items()}
        result = []
        for slot, value in zip(slots, values, strict=True):
            bag = seen.setdefault(slot, [])
            if value is not None:
                bag.append(value)
            result.append(function(list(bag)))
        return result

    @staticmethod
    def random_values(
        rng: np.random.Generator, size: int, kind: str, *, null_rate: float = 0.2
    ) -> list[object]:
        """``size`` random ints, floats or strings with about ``null_rate`` NULLs."""
        if kind == "int":
            values: list[object] = rng.integers(-1000, 1000, size).tolist()
        elif kind == "float":
            values = np.round(rng.normal(100.0, 25.0, size), 3).tolist()
        else:
            values = [f"s{value:03d}" for value in rng.integers(0, 300, size).tolist()]
        return [
            None if drop else value for value, drop in zip(values, rng.random(size) < null_rate, strict=True)
        ]

    @staticmethod
    def assert_close(actual: Sequence[object], expected: Sequence[object], *, rel: float = 1e-9) -> None:
        """Equal element by element; floats compared with a relative tolerance."""
        assert len(actual) == len(expected)
        for index, (got, want) in enumerate(zip(actual, expected, strict=True)):
            if isinstance(want, float) or isinstance(got, float):
                assert got is not None and want is not None, (index, got, want)
                assert math.isclose(got, want, rel_tol=rel, abs_tol=1e-9), (index, got, want)
            else:
                assert got == want, (index, got, want)


@pytest.fixture
def harness() -> type[AccumulatorHarness]:
    """The accumulator test helpers."""
    return AccumulatorHarness


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator."""
    return np.random.default_rng(20240611)
