"""UnboundedWindow: one state per group for a GROUP BY without WINDOW."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from vsql.engine.columns import OP
from vsql.engine.sql.plan import AggFunc, EmitMode
from vsql.engine.state import SlotTable
from vsql.engine.watermark import END_OF_INPUT
from vsql.engine.windows import NO_BOUND
from vsql.engine.windows.unbounded import UnboundedWindow


def test_final_emits_every_group_once_at_end_of_input(driver_factory) -> None:
    driver = driver_factory(UnboundedWindow(emit_changes=False, slots=SlotTable()))
    driver.feed([5, 1, 9], [0, 1, 0])
    driver.feed([0], [2])
    assert driver.sink.closed == []
    driver.finish()
    assert driver.sink.closed == [
        (0, NO_BOUND, NO_BOUND, [0, 2]),
        (1, NO_BOUND, NO_BOUND, [1]),
        (2, NO_BOUND, NO_BOUND, [3]),
    ]


def test_no_row_is_ever_late(driver_factory) -> None:
    driver = driver_factory(UnboundedWindow(emit_changes=False, slots=SlotTable()))
    assert driver.feed([100, 1, 0]).tolist() == [False, False, False]


def test_advance_before_end_of_input_closes_nothing(driver_factory) -> None:
    strategy = UnboundedWindow(emit_changes=False, slots=SlotTable())
    driver = driver_factory(strategy)
    driver.feed([5, 6], [0, 1])
    strategy.advance(END_OF_INPUT - 1, driver.sink)
    assert driver.sink.closed == []
    assert strategy.open_slots == 2


def test_end_of_input_releases_every_slot(driver_factory) -> None:
    strategy = UnboundedWindow(emit_changes=False, slots=SlotTable())
    driver = driver_factory(strategy)
    driver.feed([5, 6], [0, 1])
    driver.finish()
    assert strategy.open_slots == 0
    assert driver.sink.contents == {}


def test_changes_updates_every_row_with_no_window_bounds(driver_factory) -> None:
    driver = driver_factory(UnboundedWindow(emit_changes=True, slots=SlotTable()))
    driver.feed([5, 1, 9], [0, 1, 0])
    assert driver.sink.updates == [
        (0, 0, NO_BOUND, NO_BOUND),
        (1, 1, NO_BOUND, NO_BOUND),
        (2, 0, NO_BOUND, NO_BOUND),
    ]
    driver.finish()
    assert driver.sink.closed == []


def test_group_keeps_its_slot_across_batches(driver_factory) -> None:
    driver = driver_factory(UnboundedWindow(emit_changes=False, slots=SlotTable()))
    driver.feed([1], [0])
    driver.feed([2, 3], [1, 0])
    folds = [slots.tolist() for kind, (_, slots) in driver.sink.calls if kind == "fold"]
    assert folds[0][0] == folds[1][1]
    assert folds[1][0] != folds[0][0]


def test_pipeline_group_by_without_window_final(plan_factory, pipeline_runner) -> None:
    plan = plan_factory(aggregates=[(AggFunc.COUNT, None), (AggFunc.AVG, "v")])
    data = pa.table({"symbol": ["b", "a", None, "b"], "v": [1, 2, 3, 4]})
    for batch_rows in (1, 3, None):
        assert pipeline_runner(plan, data, batch_rows=batch_rows).rows == [
            {"symbol": None, "a0": 1, "a1": 3.0},
            {"symbol": "a", "a0": 1, "a1": 2.0},
            {"symbol": "b", "a0": 2, "a1": 2.5},
        ]


def test_pipeline_group_by_without_window_changes(plan_factory, pipeline_runner) -> None:
    plan = plan_factory(aggregates=[(AggFunc.SUM, "v")], emit=EmitMode.CHANGES)
    data = pa.table({"symbol": ["b", "a", "b"], "v": [1, 2, None]})
    rows = pipeline_runner(plan, data, batch_rows=2).rows
    assert rows == [
        {"symbol": "b", "a0": 1, OP: None},
        {"symbol": "a", "a0": 2, OP: None},
        {"symbol": "b", "a0": 1, OP: None},
    ]


def test_slots_for_many_groups_are_distinct(driver_factory) -> None:
    driver = driver_factory(UnboundedWindow(emit_changes=False, slots=SlotTable()))
    groups = np.arange(50)[::-1]
    driver.feed(np.zeros(50, np.int64).tolist(), groups.tolist())
    _, slots = driver.sink.calls[0][1]
    assert len(set(slots.tolist())) == 50


def test_every_group_seen_is_live_and_renumbering_all_keeps_them(driver_factory) -> None:
    strategy = UnboundedWindow(emit_changes=False, slots=SlotTable())
    driver = driver_factory(strategy)
    driver.feed([5, 6, 7], [0, 2, 1])
    assert strategy.live_groups().tolist() == [0, 1, 2]
    strategy.renumber_groups(strategy.live_groups())
    driver.feed([8], [2])
    driver.finish()
    assert [(group, rows) for group, _, _, rows in driver.sink.closed] == [(0, [0]), (1, [2]), (2, [1, 3])]
