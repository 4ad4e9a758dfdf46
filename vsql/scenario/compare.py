"""Expected versus actual result rows: a pure comparison and a readable diff.

Rows compare on exactly their columns (a delete row carries only its key and window-bound columns
plus ``_op``). Values compare by value: ints equal floats of the same value, floats match within a
relative tolerance of 1e-9, NaN matches NaN, booleans match only booleans. By default the rows
compare as a multiset; ``ordered`` compares them position by position.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import orjson

__all__ = ["REL_TOLERANCE", "RowDiff", "compare_rows", "format_row", "values_equal"]

REL_TOLERANCE = 1e-9

Row = Mapping[str, object]


@dataclass(frozen=True)
class RowDiff:
    """How actual rows differ from expected ones.

    Attributes:
        missing: expected rows not produced (multiset mode).
        unexpected: produced rows not expected (multiset mode).
        mismatched: ``(position, expected, actual)`` where the rows differ (ordered mode); a missing
            side is None.
    """

    missing: tuple[Row, ...] = ()
    unexpected: tuple[Row, ...] = ()
    mismatched: tuple[tuple[int, Row | None, Row | None], ...] = ()

    @property
    def is_equal(self) -> bool:
        """True when nothing differs."""
        return not (self.missing or self.unexpected or self.mismatched)

    def describe(self) -> str:
        """The differences as indented text lines, empty when equal."""
        lines: list[str] = []
        if self.missing:
            lines.append(f"  missing ({len(self.missing)} expected rows not produced):")
            lines += [f"    - {format_row(row)}" for row in self.missing]
        if self.unexpected:
            lines.append(f"  unexpected ({len(self.unexpected)} rows produced but not expected):")
            lines += [f"    + {format_row(row)}" for row in self.unexpected]
        for position, expected, actual in self.mismatched:
            lines.append(f"  row {position}:")
            lines.append(f"    expected {format_row(expected) if expected is not None else '(no row)'}")
            lines.append(f"    actual   {format_row(actual) if actual is not None else '(no row)'}")
        return "\n".join(lines)


def compare_rows(expected: Sequence[Row], actual: Sequence[Row], *, ordered: bool = False) -> RowDiff:
    """Compare result rows.

    Args:
        expected: the rows a scenario expects.
        actual: the rows the run produced, in emission order.
        ordered: compare position by position instead of as multisets.
    """
    if ordered:
        mismatched = []
        for position in range(max(len(expected), len(actual))):
            want = expected[position] if position < len(expected) else None
            got = actual[position] if position < len(actual) else None
            if want is None or got is None or not rows_equal(want, got):
                mismatched.append((position, want, got))
        return RowDiff(mismatched=tuple(mismatched))
    buckets: dict[tuple, list[Row]] = {}
    for row in actual:
        buckets.setdefault(_bucket(row), []).append(row)
    missing = []
    for row in expected:
        candidates = buckets.get(_bucket(row), [])
        match = next((i for i, candidate in enumerate(candidates) if rows_equal(row, candidate)), None)
        if match is None:
            missing.append(row)
        else:
            candidates.pop(match)
    unexpected = [row for row in actual if any(row is left for left in buckets.get(_bucket(row), []))]
    return RowDiff(missing=tuple(missing), unexpected=tuple(unexpected))


def rows_equal(expected: Row, actual: Row) -> bool:
    """True when both rows have the same columns with equal values."""
    if set(expected) != set(actual):
        return False
    return all(values_equal(expected[name], actual[name]) for name in expected)


def values_equal(expected: object, actual: object) -> bool:
    """Value equality for result cells (see the module docstring)."""
    if expected is None or actual is None:
        return expected is None and actual is None
    if isinstance(expected, bool) or isinstance(actual, bool):
        return isinstance(expected, bool) and isinstance(actual, bool) and expected == actual
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return _numbers_equal(expected, actual)
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        return rows_equal(expected, actual)
    if isinstance(expected, list | tuple) and isinstance(actual, list | tuple):
        return len(expected) == len(actual) and all(
            values_equal(want, got) for want, got in zip(expected, actual, strict=True)
        )
    return expected == actual


def format_row(row: Row) -> str:
    """One row as compact JSON (the text the diff and ``--actual-out`` show)."""
    return orjson.dumps(dict(row), default=str, option=orjson.OPT_NON_STR_KEYS).decode()


def _numbers_equal(expected: float, actual: float) -> bool:
    if isinstance(expected, int) and isinstance(actual, int):
        return expected == actual
    if math.isnan(expected) or math.isnan(actual):
        return math.isnan(expected) and math.isnan(actual)
    return math.isclose(expected, actual, rel_tol=REL_TOLERANCE)


def _bucket(row: Row) -> tuple:
    """Rows that can be equal share a bucket: same columns, same non-numeric scalar values."""
    return tuple(sorted((name, _bucket_value(value)) for name, value in row.items()))


def _bucket_value(value: object) -> object:
    if value is None or isinstance(value, bool | str):
        return (type(value).__name__, value)
    if isinstance(value, int | float):
        return ("number",)
    return ("other",)
