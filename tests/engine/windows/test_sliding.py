"""SlidingWindows: tumbling and hopping windows, panes, lateness, closing, EMIT CHANGES updates.

Strategies are driven with a recording ``WindowSink`` (see ``tests/engine/conftest.py``); a few
tests run whole plans through ``Pipeline``.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from vsql.engine.settings import QuerySettings
from vsql.engine.sql.plan import AggFunc, EmitMode, SlidingSpec, TumblingSpec
from vsql.engine.state import SlotTable
from vsql.engine.windows import NO_BOUND, build_window_strategy
from vsql.engine.windows.sliding import SlidingWindows


def _sliding(size_ms: int, advance_ms: int, *, lateness_ms: int = 0, changes: bool = False) -> SlidingWindows:
    return SlidingWindows(
        size_ms, advance_ms, allowed_lateness_ms=lateness_ms, per_window=changes, slots=SlotTable()
    )


def _feed_in_batches(driver, events: list[int], groups: list[int], batch_rows: int) -> None:
    for begin in range(0, len(events), batch_rows):
        driver.feed(events[begin : begin + batch_rows], groups[begin : begin + batch_rows])
    driver.finish()


def _naive_windows(
    events: list[int], groups: list[int], *, size_ms: int, advance_ms: int, lateness_ms: int, ooo_ms: int = 0
) -> tuple[dict[tuple[int, int, int], list[int]], list[int], list[tuple[int, int, int, int]]]:
    """Row by row: closed window contents, late rows and EMIT CHANGES updates (row, group, start, end)."""
    contents: dict[tuple[int, int, int], list[int]] = {}
    late: list[int] = []
    updates: list[tuple[int, int, int, int]] = []
    running_max = NO_BOUND
    for row, (event, group) in enumerate(zip(events, groups, strict=True)):
        watermark = NO_BOUND if running_max == NO_BOUND else running_max - ooo_ms
        starts = [s for s in range(0, event + 1, advance_ms) if s <= event < s + size_ms]
        is_open = [s for s in starts if watermark == NO_BOUND or s + size_ms + lateness_ms > watermark]
        if starts and not is_open:
            late.append(row)
        for start in is_open:
            contents.setdefault((group, start, start + size_ms), []).append(row)
            updates.append((row, group, start, start + size_ms))
        running_max = max(running_max, event)
    return contents, late, updates


def _closed_dict(sink) -> dict[tuple[int, int, int], list[int]]:
    closed: dict[tuple[int, int, int], list[int]] = {}
    for group, start, end, rows in sink.closed:
        assert (group, start, end) not in closed, "a window closed twice"
        closed[(group, start, end)] = rows
    return closed


def _random_stream(seed: int, rows: int = 120) -> tuple[list[int], list[int]]:
    rng = np.random.default_rng(seed)
    base = np.cumsum(rng.integers(0, 6, rows))
    events = np.maximum(base - rng.integers(0, 25, rows) * (rng.random(rows) < 0.3), 0)
    return events.tolist(), rng.integers(0, 3, rows).tolist()


def test_row_exactly_at_a_window_end_belongs_to_the_next_window(driver_factory) -> None:
    driver = driver_factory(_sliding(10, 10))
    driver.feed([0, 9, 10, 19, 20])
    driver.finish()
    assert driver.sink.closed == [(0, 0, 10, [0, 1]), (0, 10, 20, [2, 3]), (0, 20, 30, [4])]


def test_row_at_time_zero_falls_in_the_first_window(driver_factory) -> None:
    driver = driver_factory(_sliding(5, 5))
    driver.feed([0])
    driver.finish()
    assert driver.sink.closed == [(0, 0, 5, [0])]


def test_no_sliding_window_starts_below_zero(driver_factory) -> None:
    driver = driver_factory(_sliding(10, 5, changes=True))
    driver.feed([3, 7, 12])
    assert driver.sink.updates == [(0, 0, 0, 10), (1, 0, 0, 10), (1, 0, 5, 15), (2, 0, 5, 15), (2, 0, 10, 20)]


def test_sliding_row_is_counted_in_every_window_that_contains_it(driver_factory) -> None:
    driver = driver_factory(_sliding(10, 5))
    driver.feed([3, 7, 12])
    driver.finish()
    assert driver.sink.closed == [(0, 0, 10, [0, 1]), (0, 5, 15, [1, 2]), (0, 10, 20, [2])]


def test_window_closes_when_the_watermark_reaches_its_end(driver_factory) -> None:
    driver = driver_factory(_sliding(10, 10))
    driver.feed([2, 9])
    assert driver.sink.closed == []
    driver.feed([10])
    assert driver.sink.closed == [(0, 0, 10, [0, 1])]


def test_allowed_lateness_keeps_a_window_open_past_its_end(driver_factory) -> None:
    driver = driver_factory(_sliding(10, 10, lateness_ms=5))
    late = driver.feed([2, 12, 8, 15, 9]).tolist()
    assert late == [False, False, False, False, True]
    assert driver.sink.closed == [(0, 0, 10, [0, 2])]


def test_row_whose_every_window_closed_is_late(driver_factory) -> None:
    driver = driver_factory(_sliding(10, 10))
    assert driver.feed([15, 5, 10]).tolist() == [False, True, False]
    driver.finish()
    assert driver.sink.closed == [(0, 10, 20, [0, 2])]


def test_advance_greater_than_size_skips_rows_in_gaps_without_counting_them_late(driver_factory) -> None:
    driver = driver_factory(_sliding(5, 10))
    late = driver.feed([3, 7, 12, 30, 17, 4]).tolist()
    assert late == [False, False, False, False, False, True]
    driver.finish()
    assert driver.sink.closed == [(0, 0, 5, [0]), (0, 10, 15, [2]), (0, 30, 35, [3])]


def test_advance_greater_than_size_under_changes_skips_gap_rows(driver_factory) -> None:
    driver = driver_factory(_sliding(5, 10, changes=True))
    late = driver.feed([3, 7, 12]).tolist()
    assert late == [False, False, False]
    assert driver.sink.updates == [(0, 0, 0, 5), (2, 0, 10, 15)]


@pytest.mark.parametrize("batch_rows", [1, 2, 3])
def test_partially_late_row_under_final_joins_only_still_open_windows(
    driver_factory, batch_rows: int
) -> None:
    """Row 8 arrives at watermark 12: window [0, 10) has closed, [5, 15) is open."""
    driver = driver_factory(_sliding(10, 5))
    _feed_in_batches(driver, [3, 12, 8], [0, 0, 0], batch_rows)
    assert driver.late == []
    assert driver.sink.closed == [(0, 0, 10, [0]), (0, 5, 15, [1, 2]), (0, 10, 20, [1])]


def test_partially_late_row_under_changes_updates_only_open_windows(driver_factory) -> None:
    driver = driver_factory(_sliding(10, 5, changes=True))
    driver.feed([3, 12, 8])
    assert [update for update in driver.sink.updates if update[0] == 2] == [(2, 0, 5, 15)]


def test_groups_get_separate_windows(driver_factory) -> None:
    driver = driver_factory(_sliding(10, 10))
    driver.feed([1, 2, 3], [1, 0, 1])
    driver.finish()
    assert sorted(driver.sink.closed) == [(0, 0, 10, [1]), (1, 0, 10, [0, 2])]


def test_closed_panes_are_released(driver_factory) -> None:
    strategy = _sliding(10, 5)
    driver = driver_factory(strategy)
    driver.feed([1, 6, 11], [0, 1, 0])
    assert strategy.open_slots > 0
    driver.finish()
    assert strategy.open_slots == 0
    assert driver.sink.kinds()[-1] == "release"
    assert driver.sink.contents == {}


def test_changes_windows_are_released_when_closed(driver_factory) -> None:
    strategy = _sliding(10, 10, changes=True)
    driver = driver_factory(strategy)
    driver.feed([1, 25])
    assert strategy.open_slots == 1
    driver.finish()
    assert strategy.open_slots == 0
    assert driver.sink.closed == []


def test_tumbling_spec_builds_sliding_with_advance_equal_to_size() -> None:
    strategy = build_window_strategy(
        TumblingSpec(60_000), emit=EmitMode.FINAL, allowed_lateness_ms=0, slots=SlotTable()
    )
    assert isinstance(strategy, SlidingWindows)
    assert (strategy.size_ms, strategy.advance_ms, strategy.unit_ms) == (60_000, 60_000, 60_000)


def test_sliding_final_aggregates_in_panes_of_the_gcd() -> None:
    strategy = build_window_strategy(
        SlidingSpec(10_000, 4_000), emit=EmitMode.FINAL, allowed_lateness_ms=0, slots=SlotTable()
    )
    assert strategy.unit_ms == 2_000


@pytest.mark.parametrize(("size_ms", "advance_ms"), [(10, 10), (10, 5), (10, 4), (6, 9), (7, 3)])
@pytest.mark.parametrize("lateness_ms", [0, 6])
@pytest.mark.parametrize("batch_rows", [1, 7, 1000])
def test_final_windows_match_a_row_by_row_reference(
    driver_factory, size_ms: int, advance_ms: int, lateness_ms: int, batch_rows: int
) -> None:
    events, groups = _random_stream(size_ms * 31 + advance_ms + lateness_ms)
    driver = driver_factory(_sliding(size_ms, advance_ms, lateness_ms=lateness_ms))
    _feed_in_batches(driver, events, groups, batch_rows)
    contents, late, _ = _naive_windows(
        events, groups, size_ms=size_ms, advance_ms=advance_ms, lateness_ms=lateness_ms
    )
    assert _closed_dict(driver.sink) == contents
    assert driver.late == late


@pytest.mark.parametrize(("size_ms", "advance_ms"), [(10, 10), (10, 5), (10, 4), (7, 3)])
def test_final_windows_close_as_soon_as_the_watermark_passes(
    driver_factory, size_ms: int, advance_ms: int
) -> None:
    """Fed one row at a time: after each row, exactly the windows whose end has been reached
    have been emitted."""
    events, groups = _random_stream(5)
    driver = driver_factory(_sliding(size_ms, advance_ms))
    contents, _, _ = _naive_windows(events, groups, size_ms=size_ms, advance_ms=advance_ms, lateness_ms=0)
    for row in range(len(events)):
        driver.feed(events[row : row + 1], groups[row : row + 1])
        watermark = max(events[: row + 1])
        seen_until_now = {key for key, rows in contents.items() if rows[0] <= row and key[2] <= watermark}
        assert set(_closed_dict(driver.sink)) == seen_until_now


@pytest.mark.parametrize(("size_ms", "advance_ms"), [(10, 10), (10, 5), (10, 4), (6, 9)])
@pytest.mark.parametrize("batch_rows", [1, 7, 1000])
def test_changes_updates_match_a_row_by_row_reference(
    driver_factory, size_ms: int, advance_ms: int, batch_rows: int
) -> None:
    events, groups = _random_stream(size_ms + advance_ms)
    driver = driver_factory(_sliding(size_ms, advance_ms, changes=True))
    _feed_in_batches(driver, events, groups, batch_rows)
    _, late, updates = _naive_windows(events, groups, size_ms=size_ms, advance_ms=advance_ms, lateness_ms=0)
    assert driver.sink.updates == updates
    assert driver.late == late
    assert driver.sink.deletes == []


def test_out_of_orderness_delays_closing(driver_factory) -> None:
    driver = driver_factory(_sliding(10, 10), max_out_of_orderness_ms=5)
    assert driver.feed([1, 12, 7, 15, 8]).tolist() == [False, False, False, False, True]
    assert driver.sink.closed == [(0, 0, 10, [0, 2])]


def _trades(events: list[int], symbols: list[str], values: list[int | None]) -> pa.Table:
    return pa.table(
        {
            "_timestamp": pa.array(events, type=pa.int64()),
            "symbol": pa.array(symbols, type=pa.string()),
            "v": pa.array(values, type=pa.int64()),
        }
    )


def test_pipeline_tumbling_final_emits_closed_windows_in_end_then_key_order(
    plan_factory, pipeline_runner
) -> None:
    plan = plan_factory(aggregates=[(AggFunc.COUNT, None), (AggFunc.SUM, "v")], window=TumblingSpec(10))
    data = _trades([1, 3, 5, 12, 14, 25], ["b", "a", "b", None, "a", "a"], [1, 2, None, 4, 5, 6])
    run = pipeline_runner(plan, data)
    assert run.rows == [
        {"symbol": "a", "a0": 1, "a1": 2, "ws": 0, "we": 10},
        {"symbol": "b", "a0": 2, "a1": 1, "ws": 0, "we": 10},
        {"symbol": None, "a0": 1, "a1": 4, "ws": 10, "we": 20},
        {"symbol": "a", "a0": 1, "a1": 5, "ws": 10, "we": 20},
        {"symbol": "a", "a0": 1, "a1": 6, "ws": 20, "we": 30},
    ]


def test_pipeline_sliding_final_combines_panes(plan_factory, pipeline_runner) -> None:
    plan = plan_factory(aggregates=[(AggFunc.SUM, "v"), (AggFunc.MAX, "v")], window=SlidingSpec(10, 5))
    data = _trades([3, 7, 12], ["a", "a", "a"], [1, 10, 100])
    assert pipeline_runner(plan, data).rows == [
        {"symbol": "a", "a0": 11, "a1": 10, "ws": 0, "we": 10},
        {"symbol": "a", "a0": 110, "a1": 100, "ws": 5, "we": 15},
        {"symbol": "a", "a0": 100, "a1": 100, "ws": 10, "we": 20},
    ]


def test_pipeline_late_row_goes_to_dead_letters_and_is_counted(plan_factory, pipeline_runner) -> None:
    plan = plan_factory(aggregates=[(AggFunc.COUNT, None)], window=TumblingSpec(10))
    data = _trades([15, 5, 16], ["a", "a", "a"], [1, 2, 3])
    run = pipeline_runner(plan, data, batch_rows=1)
    assert run.rows == [{"symbol": "a", "a0": 2, "ws": 10, "we": 20}]
    assert run.late_count == 1
    assert [row["_timestamp"] for row in run.dead_letters] == [5]


def test_pipeline_late_rows_are_dropped_under_drop_strategy(plan_factory, pipeline_runner) -> None:
    settings = QuerySettings.from_properties({"late.data.strategy": "drop"})
    plan = plan_factory(aggregates=[(AggFunc.COUNT, None)], window=TumblingSpec(10), settings=settings)
    run = pipeline_runner(plan, _trades([15, 5], ["a", "a"], [1, 2]))
    assert run.late_count == 1
    assert run.dead_letters == []


def test_pipeline_negative_and_null_event_times_are_dead_letters(plan_factory, pipeline_runner) -> None:
    plan = plan_factory(aggregates=[(AggFunc.COUNT, None)], window=TumblingSpec(10))
    data = pa.table(
        {
            "_timestamp": pa.array([1, -5, None, 2], type=pa.int64()),
            "symbol": ["a", "a", "a", "a"],
            "v": [1, 2, 3, 4],
        }
    )
    run = pipeline_runner(plan, data)
    assert run.rows == [{"symbol": "a", "a0": 2, "ws": 0, "we": 10}]
    assert sorted(row["v"] for row in run.dead_letters) == [2, 3]
    assert run.late_count == 0


def test_live_groups_are_those_of_open_panes(driver_factory) -> None:
    strategy = _sliding(10, 5)
    driver = driver_factory(strategy)
    driver.feed([1, 2, 11, 16], [4, 2, 7, 9])
    assert strategy.live_groups().tolist() == [7, 9]


def test_renumbered_groups_keep_their_windows(driver_factory) -> None:
    strategy = _sliding(10, 10)
    driver = driver_factory(strategy)
    driver.feed([1, 2, 3], [9, 4, 9])
    strategy.renumber_groups(strategy.live_groups())
    driver.feed([4, 5], [0, 2])
    driver.finish()
    assert sorted(driver.sink.closed) == [(0, 0, 10, [1, 3]), (1, 0, 10, [0, 2]), (2, 0, 10, [4])]
