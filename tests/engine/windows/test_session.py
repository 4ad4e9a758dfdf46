"""SessionWindows: gaps, merges, bridging rows, closed sessions, lateness, EMIT CHANGES deletes.

Strategies are driven with a recording ``WindowSink`` (see ``tests/engine/conftest.py``); a few
tests run whole plans through ``Pipeline``.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from vsql.engine.columns import OP, OP_DELETE
from vsql.engine.settings import QuerySettings
from vsql.engine.sql.plan import AggFunc, EmitMode, SessionSpec
from vsql.engine.state import SlotTable
from vsql.engine.windows import NO_BOUND
from vsql.engine.windows.session import SessionWindows


def _sessions(gap_ms: int = 10, *, lateness_ms: int = 0, changes: bool = False) -> SessionWindows:
    return SessionWindows(gap_ms, allowed_lateness_ms=lateness_ms, emit_changes=changes, slots=SlotTable())


def _naive_sessions(
    events: list[int], groups: list[int], *, gap_ms: int, lateness_ms: int, ooo_ms: int = 0
) -> tuple[dict, list[int], list[tuple], list[tuple]]:
    """Row by row: closed sessions {(group, start, end): rows}, late rows, CHANGES updates
    (row, group, start, end) and deletes (row, group, old start, old end)."""
    open_sessions: list[list] = []  # [group, start, end, rows]
    closed: dict[tuple[int, int, int], list[int]] = {}
    late: list[int] = []
    updates: list[tuple] = []
    deletes: list[tuple] = []
    running_max = NO_BOUND

    def close(watermark: int) -> None:
        for session in [s for s in open_sessions if s[2] + lateness_ms <= watermark]:
            closed[(session[0], session[1], session[2])] = sorted(session[3])
            open_sessions.remove(session)

    for row, (event, group) in enumerate(zip(events, groups, strict=True)):
        watermark = NO_BOUND if running_max == NO_BOUND else running_max - ooo_ms
        if watermark != NO_BOUND:
            close(watermark)
        hits = [s for s in open_sessions if s[0] == group and s[1] < event + gap_ms and s[2] > event]
        running_max = max(running_max, event)
        if not hits and watermark != NO_BOUND and event + gap_ms + lateness_ms <= watermark:
            late.append(row)
            continue
        start = min([event] + [s[1] for s in hits])
        end = max([event + gap_ms] + [s[2] for s in hits])
        rows = [row] + [r for s in hits for r in s[3]]
        for session in sorted(hits, key=lambda s: s[1]):
            if (session[1], session[2]) != (start, end):
                deletes.append((row, group, session[1], session[2]))
            open_sessions.remove(session)
        open_sessions.append([group, start, end, rows])
        updates.append((row, group, start, end))
    close(np.iinfo(np.int64).max)
    return closed, late, updates, deletes


def _closed_dict(sink) -> dict[tuple[int, int, int], list[int]]:
    closed: dict[tuple[int, int, int], list[int]] = {}
    for group, start, end, rows in sink.closed:
        assert (group, start, end) not in closed, "a session closed twice"
        closed[(group, start, end)] = rows
    return closed


def test_rows_inside_the_gap_share_a_session(driver_factory) -> None:
    driver = driver_factory(_sessions(10))
    driver.feed([0, 5, 14])
    driver.finish()
    assert driver.sink.closed == [(0, 0, 24, [0, 1, 2])]


def test_row_at_exact_gap_opens_new_session(driver_factory) -> None:
    driver = driver_factory(_sessions(10), max_out_of_orderness_ms=100)
    driver.feed([0, 10])
    driver.finish()
    assert driver.sink.closed == [(0, 0, 10, [0]), (0, 10, 20, [1])]


def test_row_at_exact_gap_opens_new_session_when_fed_alone(driver_factory) -> None:
    driver = driver_factory(_sessions(10), max_out_of_orderness_ms=100)
    driver.feed([0])
    driver.feed([10])
    driver.finish()
    assert driver.sink.closed == [(0, 0, 10, [0]), (0, 10, 20, [1])]


def test_out_of_order_row_just_before_the_gap_joins_the_session(driver_factory) -> None:
    """[t, t+gap) = [10, 20) does not reach a session starting at 20: half-open ranges."""
    driver = driver_factory(_sessions(10), max_out_of_orderness_ms=100)
    driver.feed([20, 10, 11])
    driver.finish()
    assert driver.sink.closed == [(0, 10, 30, [0, 1, 2])]


def test_out_of_order_row_exactly_a_gap_before_a_session_stays_apart(driver_factory) -> None:
    driver = driver_factory(_sessions(10), max_out_of_orderness_ms=100)
    driver.feed([20, 10])
    driver.finish()
    assert driver.sink.closed == [(0, 10, 20, [1]), (0, 20, 30, [0])]


def test_out_of_order_row_extends_a_session_backwards(driver_factory) -> None:
    driver = driver_factory(_sessions(10))
    assert driver.feed([20, 15]).tolist() == [False, False]
    driver.finish()
    assert driver.sink.closed == [(0, 15, 30, [0, 1])]


def test_backward_extension_under_changes_deletes_the_old_bounds(driver_factory) -> None:
    driver = driver_factory(_sessions(10, changes=True))
    driver.feed([20, 15])
    assert driver.sink.updates == [(0, 0, 20, 30), (1, 0, 15, 30)]
    assert driver.sink.deletes == [(1, 0, 20, 30)]


def test_forward_extension_under_changes_deletes_the_old_bounds(driver_factory) -> None:
    driver = driver_factory(_sessions(10, changes=True))
    driver.feed([0, 4])
    assert driver.sink.updates == [(0, 0, 0, 10), (1, 0, 0, 14)]
    assert driver.sink.deletes == [(1, 0, 0, 10)]


def test_row_inside_a_session_that_leaves_its_bounds_unchanged_emits_no_delete(driver_factory) -> None:
    driver = driver_factory(_sessions(10, changes=True), max_out_of_orderness_ms=100)
    driver.feed([0, 8, 3])
    assert driver.sink.updates == [(0, 0, 0, 10), (1, 0, 0, 18), (2, 0, 0, 18)]
    assert driver.sink.deletes == [(1, 0, 0, 10)]


@pytest.mark.parametrize("batch_rows", [1, 3])
def test_bridging_row_merges_two_sessions(driver_factory, batch_rows: int) -> None:
    driver = driver_factory(_sessions(10), max_out_of_orderness_ms=100)
    events = [0, 18, 9]
    for begin in range(0, 3, batch_rows):
        driver.feed(events[begin : begin + batch_rows])
    assert "merge" in driver.sink.kinds()
    driver.finish()
    assert driver.sink.closed == [(0, 0, 28, [0, 1, 2])]


def test_bridging_row_under_changes_deletes_both_old_sessions_in_ascending_start(driver_factory) -> None:
    driver = driver_factory(_sessions(10, changes=True), max_out_of_orderness_ms=100)
    driver.feed([18, 0, 9])
    assert driver.sink.updates[-1] == (2, 0, 0, 28)
    assert driver.sink.deletes == [(2, 0, 0, 10), (2, 0, 18, 28)]


def test_successive_bridging_rows_merge_three_sessions_into_one(driver_factory) -> None:
    driver = driver_factory(_sessions(10), max_out_of_orderness_ms=100)
    driver.feed([0, 30, 15, 9])
    driver.feed([24])
    driver.finish()
    assert driver.sink.closed == [(0, 0, 40, [0, 1, 2, 3, 4])]


def test_row_overlapping_only_a_closed_session_opens_a_new_session(driver_factory) -> None:
    """Group 0's [0, 10) closes at watermark 12; row 8 of group 0 has [8, 18) still open."""
    driver = driver_factory(_sessions(10))
    late = driver.feed([0, 12, 8], [0, 1, 0]).tolist()
    assert late == [False, False, False]
    driver.finish()
    assert _closed_dict(driver.sink) == {(0, 0, 10): [0], (1, 12, 22): [1], (0, 8, 18): [2]}


def test_row_whose_own_range_is_closed_is_late(driver_factory) -> None:
    driver = driver_factory(_sessions(10))
    assert driver.feed([0, 30, 5, 20], [0, 1, 0, 2]).tolist() == [False, False, True, True]
    driver.finish()
    assert driver.late == [2, 3]
    assert _closed_dict(driver.sink) == {(0, 0, 10): [0], (1, 30, 40): [1]}


def test_allowed_lateness_keeps_sessions_open_for_late_rows(driver_factory) -> None:
    driver = driver_factory(_sessions(10, lateness_ms=15))
    assert driver.feed([0, 22, 5], [0, 1, 0]).tolist() == [False, False, False]
    driver.finish()
    assert _closed_dict(driver.sink) == {(0, 0, 15): [0, 2], (1, 22, 32): [1]}


def test_sessions_close_when_the_watermark_reaches_their_end(driver_factory) -> None:
    driver = driver_factory(_sessions(10))
    driver.feed([0, 5], [0, 1])
    assert driver.sink.closed == []
    driver.feed([14], [1])
    assert driver.sink.closed == [(0, 0, 10, [0])]


def test_sessions_closing_together_come_out_in_end_then_start_order(driver_factory) -> None:
    driver = driver_factory(_sessions(10), max_out_of_orderness_ms=1000)
    driver.feed([5, 0, 3, 40], [2, 1, 0, 0])
    driver.finish()
    closed = [(start, end) for _, start, end, _ in driver.sink.closed]
    assert closed == sorted(closed, key=lambda bounds: (bounds[1], bounds[0]))


def test_sessions_are_kept_per_group(driver_factory) -> None:
    driver = driver_factory(_sessions(10))
    driver.feed([0, 5, 8], [0, 1, 0])
    driver.finish()
    assert sorted(driver.sink.closed) == [(0, 0, 18, [0, 2]), (1, 5, 15, [1])]


def test_closed_and_absorbed_sessions_release_their_slots(driver_factory) -> None:
    strategy = _sessions(10)
    driver = driver_factory(strategy, max_out_of_orderness_ms=100)
    driver.feed([0, 18, 9])
    assert strategy.open_slots == 1
    driver.finish()
    assert strategy.open_slots == 0
    assert driver.sink.contents == {}


def _random_stream(seed: int, rows: int = 150) -> tuple[list[int], list[int]]:
    rng = np.random.default_rng(seed)
    base = np.cumsum(rng.integers(0, 9, rows))
    events = np.maximum(base - rng.integers(0, 30, rows) * (rng.random(rows) < 0.35), 0)
    return events.tolist(), rng.integers(0, 3, rows).tolist()


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(("lateness_ms", "ooo_ms"), [(0, 0), (8, 0), (0, 12)])
@pytest.mark.parametrize("batch_rows", [1, 7, 1000])
def test_final_sessions_match_a_row_by_row_reference(
    driver_factory, seed: int, lateness_ms: int, ooo_ms: int, batch_rows: int
) -> None:
    events, groups = _random_stream(seed)
    driver = driver_factory(_sessions(10, lateness_ms=lateness_ms), max_out_of_orderness_ms=ooo_ms)
    for begin in range(0, len(events), batch_rows):
        driver.feed(events[begin : begin + batch_rows], groups[begin : begin + batch_rows])
    driver.finish()
    closed, late, _, _ = _naive_sessions(events, groups, gap_ms=10, lateness_ms=lateness_ms, ooo_ms=ooo_ms)
    assert _closed_dict(driver.sink) == closed
    assert driver.late == late


@pytest.mark.parametrize("seed", [4, 5])
@pytest.mark.parametrize("batch_rows", [1, 7, 1000])
def test_changes_updates_and_deletes_match_a_row_by_row_reference(
    driver_factory, seed: int, batch_rows: int
) -> None:
    events, groups = _random_stream(seed)
    driver = driver_factory(_sessions(10, changes=True), max_out_of_orderness_ms=12)
    for begin in range(0, len(events), batch_rows):
        driver.feed(events[begin : begin + batch_rows], groups[begin : begin + batch_rows])
    _, late, updates, deletes = _naive_sessions(events, groups, gap_ms=10, lateness_ms=0, ooo_ms=12)
    assert driver.sink.updates == updates
    assert sorted(driver.sink.deletes) == sorted(deletes)
    assert driver.sink.deletes == deletes
    assert driver.late == late


def _table(events: list[int], symbols: list[str], values: list[int | None]) -> pa.Table:
    return pa.table(
        {
            "_timestamp": pa.array(events, type=pa.int64()),
            "symbol": pa.array(symbols, type=pa.string()),
            "v": pa.array(values, type=pa.int64()),
        }
    )


def test_pipeline_session_final_reports_first_event_and_last_event_plus_gap(
    plan_factory, pipeline_runner
) -> None:
    plan = plan_factory(
        aggregates=[(AggFunc.COUNT, None), (AggFunc.FIRST_VALUE, "v"), (AggFunc.LAST_VALUE, "v")],
        window=SessionSpec(10),
    )
    data = _table([0, 18, 9, 100], ["a", "a", "a", "b"], [1, 2, 3, 4])
    assert pipeline_runner(plan, data).rows == [
        {"symbol": "a", "a0": 1, "a1": 1, "a2": 1, "ws": 0, "we": 10},
        {"symbol": "a", "a0": 2, "a1": 2, "a2": 3, "ws": 9, "we": 28},
        {"symbol": "b", "a0": 1, "a1": 4, "a2": 4, "ws": 100, "we": 110},
    ]
    assert pipeline_runner(plan, data).late_count == 0


def test_pipeline_bridged_session_keeps_arrival_order_for_first_and_last_value(
    plan_factory, pipeline_runner
) -> None:
    plan = plan_factory(
        aggregates=[(AggFunc.COUNT, None), (AggFunc.FIRST_VALUE, "v"), (AggFunc.LAST_VALUE, "v")],
        window=SessionSpec(10),
        settings=QuerySettings.from_properties({"watermark.max_out_of_orderness": "100"}),
    )
    data = _table([18, 0, 9], ["a", "a", "a"], [1, 2, 3])
    for batch_rows in (1, 3):
        assert pipeline_runner(plan, data, batch_rows=batch_rows).rows == [
            {"symbol": "a", "a0": 3, "a1": 1, "a2": 3, "ws": 0, "we": 28},
        ]


def test_pipeline_session_merge_under_changes_emits_deletes_before_the_merged_row(
    plan_factory, pipeline_runner
) -> None:
    plan = plan_factory(
        aggregates=[(AggFunc.COUNT, None), (AggFunc.SUM, "v")],
        window=SessionSpec(10),
        emit=EmitMode.CHANGES,
        settings=QuerySettings.from_properties({"watermark.max_out_of_orderness": "100"}),
    )
    data = _table([0, 18, 9], ["a", "a", "a"], [1, 2, 4])
    rows = pipeline_runner(plan, data).rows
    assert rows == [
        {"symbol": "a", "a0": 1, "a1": 1, "ws": 0, "we": 10, OP: None},
        {"symbol": "a", "a0": 1, "a1": 2, "ws": 18, "we": 28, OP: None},
        {"symbol": "a", "a0": None, "a1": None, "ws": 0, "we": 10, OP: OP_DELETE},
        {"symbol": "a", "a0": None, "a1": None, "ws": 18, "we": 28, OP: OP_DELETE},
        {"symbol": "a", "a0": 3, "a1": 7, "ws": 0, "we": 28, OP: None},
    ]


@pytest.mark.parametrize("emit", [EmitMode.FINAL, EmitMode.CHANGES], ids=["final", "changes"])
@pytest.mark.parametrize("batch_rows", [1, 4])
def test_pipeline_bridging_into_a_session_whose_strings_are_all_null(
    plan_factory, pipeline_runner, emit: EmitMode, batch_rows: int
) -> None:
    """Session [18, 28) of 'a' has only NULL names; row 9 bridges it with [0, 10) whose MAX is 'm'."""
    plan = plan_factory(
        aggregates=[(AggFunc.MAX, "name")],
        window=SessionSpec(10),
        emit=emit,
        settings=QuerySettings.from_properties({"watermark.max_out_of_orderness": "100"}),
    )
    data = pa.table(
        {
            "_timestamp": pa.array([0, 1, 18, 9], pa.int64()),
            "symbol": ["a", "b", "a", "a"],
            "name": pa.array(["m", "zzz", None, None], pa.string()),
        }
    )
    rows = pipeline_runner(plan, data, batch_rows=batch_rows).rows
    merged = [row for row in rows if row["symbol"] == "a" and (row["ws"], row["we"]) == (0, 28)]
    assert [row["a0"] for row in merged] == ["m"]


def test_live_groups_are_those_with_an_open_session(driver_factory) -> None:
    strategy = _sessions(10)
    driver = driver_factory(strategy)
    driver.feed([0, 3, 30, 31], [5, 2, 8, 5])
    assert strategy.live_groups().tolist() == [5, 8]


def test_renumbered_groups_keep_extending_their_sessions(driver_factory) -> None:
    strategy = _sessions(10)
    driver = driver_factory(strategy, max_out_of_orderness_ms=100)
    driver.feed([0, 3, 40], [6, 2, 6])
    strategy.renumber_groups(strategy.live_groups())
    driver.feed([45, 1, 8], [1, 0, 1])
    driver.finish()
    assert sorted(driver.sink.closed) == [(0, 1, 13, [1, 4]), (1, 0, 18, [0, 5]), (1, 40, 55, [2, 3])]
