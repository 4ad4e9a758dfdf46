"""WatermarkTracker: per-row watermarks, partitions, out-of-orderness, idleness, end of input."""

from __future__ import annotations

import numpy as np
import pytest

from vsql.engine.watermark import END_OF_INPUT, WatermarkTracker
from vsql.engine.windows import NO_BOUND


def _observe(tracker: WatermarkTracker, events: list[int], partitions: list[int] | None = None) -> list[int]:
    parts = np.zeros(len(events), np.int64) if partitions is None else np.asarray(partitions, np.int64)
    return tracker.observe(parts, np.asarray(events, np.int64)).tolist()


def _naive(events: list[int], partitions: list[int], ooo: int) -> tuple[list[int], int]:
    """Watermark before each row, and after the last, computed row by row."""
    maxima: dict[int, int] = {}
    current = NO_BOUND
    before = []
    for event, partition in zip(events, partitions, strict=True):
        before.append(current)
        maxima[partition] = max(maxima.get(partition, event), event)
        current = max(current, min(maxima.values()) - ooo)
    return before, current


def test_first_row_has_no_watermark() -> None:
    tracker = WatermarkTracker(max_out_of_orderness_ms=0)
    assert _observe(tracker, [50]) == [NO_BOUND]
    assert tracker.current_ms == 50


def test_watermark_before_each_row_is_the_running_maximum_of_earlier_rows() -> None:
    tracker = WatermarkTracker(max_out_of_orderness_ms=0)
    assert _observe(tracker, [5, 3, 10, 7, 12]) == [NO_BOUND, 5, 5, 10, 10]
    assert tracker.current_ms == 12


def test_watermark_carries_over_to_the_next_batch() -> None:
    tracker = WatermarkTracker(max_out_of_orderness_ms=0)
    _observe(tracker, [5, 9])
    assert _observe(tracker, [2, 11]) == [9, 9]
    assert tracker.current_ms == 11


def test_max_out_of_orderness_is_subtracted() -> None:
    tracker = WatermarkTracker(max_out_of_orderness_ms=4)
    assert _observe(tracker, [10, 20, 15]) == [NO_BOUND, 6, 16]
    assert tracker.current_ms == 16


def test_query_watermark_is_the_minimum_over_partitions_that_delivered() -> None:
    tracker = WatermarkTracker(max_out_of_orderness_ms=0)
    assert _observe(tracker, [10, 4, 20, 30, 40], [0, 1, 0, 1, 0]) == [NO_BOUND, 10, 10, 10, 20]
    assert tracker.current_ms == 30


def test_partition_that_has_not_delivered_does_not_hold_the_watermark() -> None:
    tracker = WatermarkTracker(max_out_of_orderness_ms=0)
    assert _observe(tracker, [10, 20], [3, 3]) == [NO_BOUND, 10]
    assert tracker.current_ms == 20


def test_watermark_never_moves_back_when_a_slower_partition_starts() -> None:
    tracker = WatermarkTracker(max_out_of_orderness_ms=0)
    _observe(tracker, [100], [0])
    assert _observe(tracker, [5, 6], [1, 1]) == [100, 100]
    assert tracker.current_ms == 100


def test_watermark_never_moves_back_within_a_batch() -> None:
    tracker = WatermarkTracker(max_out_of_orderness_ms=0)
    assert _observe(tracker, [100, 5, 6], [0, 1, 1]) == [NO_BOUND, 100, 100]


def test_mark_idle_releases_a_lagging_partition() -> None:
    tracker = WatermarkTracker(max_out_of_orderness_ms=0)
    _observe(tracker, [10, 100], [1, 0])
    assert tracker.current_ms == 10
    tracker.mark_idle(1)
    assert tracker.current_ms == 100
    assert _observe(tracker, [150], [0]) == [100]
    assert tracker.current_ms == 150


def test_idle_partition_delivering_again_holds_without_moving_back() -> None:
    tracker = WatermarkTracker(max_out_of_orderness_ms=0)
    _observe(tracker, [100, 10], [0, 1])
    tracker.mark_idle(1)
    assert _observe(tracker, [20, 200, 300], [1, 0, 1]) == [100, 100, 100]
    assert tracker.current_ms == 200


def test_mark_idle_with_out_of_orderness() -> None:
    tracker = WatermarkTracker(max_out_of_orderness_ms=30)
    _observe(tracker, [100, 10], [0, 1])
    tracker.mark_idle(1)
    assert tracker.current_ms == 70


def test_finish_moves_the_watermark_to_infinity() -> None:
    tracker = WatermarkTracker(max_out_of_orderness_ms=0)
    _observe(tracker, [10])
    assert tracker.finish() == END_OF_INPUT
    assert tracker.current_ms == END_OF_INPUT


def test_empty_batch_changes_nothing() -> None:
    tracker = WatermarkTracker(max_out_of_orderness_ms=0)
    _observe(tracker, [10])
    assert _observe(tracker, []) == []
    assert tracker.current_ms == 10


@pytest.mark.parametrize("ooo", [0, 25])
@pytest.mark.parametrize("batch_rows", [1, 3, 17, 1000])
def test_per_row_watermarks_match_a_row_by_row_computation(ooo: int, batch_rows: int) -> None:
    rng = np.random.default_rng(99)
    events = (np.cumsum(rng.integers(0, 20, 200)) - rng.integers(0, 60, 200)).clip(0).tolist()
    partitions = rng.integers(0, 3, 200).tolist()
    partitions[:10] = [0] * 10
    expected, final = _naive(events, partitions, ooo)
    tracker = WatermarkTracker(max_out_of_orderness_ms=ooo)
    got: list[int] = []
    for begin in range(0, 200, batch_rows):
        got += _observe(tracker, events[begin : begin + batch_rows], partitions[begin : begin + batch_rows])
    assert got == expected
    assert tracker.current_ms == final


def test_watermark_after_a_batch_never_falls_below_a_watermark_reached_inside_it() -> None:
    """Partition 0 reaches 10 before partition 1 first delivers (at 0) in the same batch: the rows
    saw watermark 10, so the query watermark after the batch is still 10."""
    tracker = WatermarkTracker(max_out_of_orderness_ms=0)
    assert _observe(tracker, [0, 10, 0], [0, 0, 1]) == [NO_BOUND, 0, 10]
    assert tracker.current_ms == 10
    assert _observe(tracker, [0], [0]) == [10]


@pytest.mark.parametrize("batch_rows", [1, 2, 3])
def test_late_partition_start_gives_the_same_watermarks_whatever_the_batching(batch_rows: int) -> None:
    events, partitions = [0, 10, 0, 0, 5], [0, 0, 1, 0, 1]
    expected, final = _naive(events, partitions, 0)
    tracker = WatermarkTracker(max_out_of_orderness_ms=0)
    got: list[int] = []
    for begin in range(0, len(events), batch_rows):
        got += _observe(tracker, events[begin : begin + batch_rows], partitions[begin : begin + batch_rows])
    assert got == expected
    assert tracker.current_ms == final


def test_expected_partition_holds_the_watermark_until_it_delivers() -> None:
    tracker = WatermarkTracker(max_out_of_orderness_ms=0)
    tracker.expect([0, 1])
    assert _observe(tracker, [100, 200], [0, 0]) == [NO_BOUND, NO_BOUND]
    assert tracker.current_ms == NO_BOUND
    assert _observe(tracker, [5], [1]) == [NO_BOUND]
    assert tracker.current_ms == 5


def test_expected_partition_marked_idle_stops_holding() -> None:
    tracker = WatermarkTracker(max_out_of_orderness_ms=0)
    tracker.expect([0, 1])
    _observe(tracker, [100], [0])
    tracker.mark_idle(1)
    assert tracker.current_ms == 100
