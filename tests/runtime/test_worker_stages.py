"""The pure parts of partition-parallel workers: stage planning, the repartition topic's row
format and duplicate filter, worker scripts, and the ``query.workers`` setting."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from vsql.engine.errors import PlanError, UnsupportedError
from vsql.engine.settings import QuerySettings
from vsql.engine.sql.plan import LogicalPlan
from vsql.engine.sql.statements import compile_query
from vsql.io.formats.decoded import DEAD_LETTER_SCHEMA, Decoded
from vsql.runtime.explain import explain_plan
from vsql.runtime.sinks import CallbackSink
from vsql.runtime.workers import compile_script, describe_topology, plan_topology
from vsql.runtime.workers.repartition import OriginFilter, restore_origin
from vsql.runtime.workers.tasks import QueryTask
from vsql.runtime.workers.worker import WorkerStats

COUNT_BY = "SELECT {keys}, COUNT(*) AS n FROM trades GROUP BY {keys} WINDOW TUMBLING(1s)"


def topology_of(sql: str, **properties: str):
    return plan_topology(compile_query(sql, settings=QuerySettings.from_properties(properties)), group_id="g")


def test_grouping_by_the_message_key_needs_no_shuffle() -> None:
    assert not topology_of(COUNT_BY.format(keys="_key")).is_shuffled


def test_grouping_by_a_declared_key_field_needs_no_shuffle() -> None:
    topology = topology_of(COUNT_BY.format(keys="symbol"), **{"trades.key": "symbol"})
    assert not topology.is_shuffled
    assert "'trades.key' = 'symbol'" in topology.reason


def test_grouping_keys_that_include_the_message_key_need_no_shuffle() -> None:
    assert not topology_of(COUNT_BY.format(keys="side, symbol"), **{"trades.key": "symbol"}).is_shuffled


def test_grouping_by_another_field_repartitions_by_it() -> None:
    topology = topology_of(COUNT_BY.format(keys="side"), **{"trades.key": "symbol"})
    assert [key.sql() for key in topology.shuffle_keys] == ["side"]
    assert topology.repartition_topic == "g-repartition"
    assert topology.aggregate_group_id == "g-repartition"


def test_an_undeclared_key_repartitions_and_says_how_to_avoid_it() -> None:
    topology = topology_of(COUNT_BY.format(keys="symbol"))
    assert topology.is_shuffled
    assert "declare 'trades.key'" in topology.reason


def test_one_global_group_repartitions_to_one_key() -> None:
    topology = topology_of("SELECT COUNT(*) AS n FROM trades WINDOW TUMBLING(1s)")
    assert topology.shuffle_keys == ()
    assert "by one constant key" in describe_topology(topology)


def test_stateless_queries_need_no_shuffle() -> None:
    assert not topology_of("SELECT symbol, price FROM trades WHERE qty > 1").is_shuffled


def test_rows_windows_repartition_by_their_partition_by() -> None:
    sql = "SELECT symbol, AVG(price) OVER (ROWS WINDOW BUFFER 10 ROWS PARTITION BY side) AS a FROM trades"
    assert [key.sql() for key in topology_of(sql).shuffle_keys] == ["side"]


def test_rows_windows_with_different_partition_lists_are_rejected() -> None:
    sql = (
        "SELECT AVG(price) OVER (ROWS WINDOW BUFFER 10 ROWS PARTITION BY side) AS a, "
        "LAG(price, 1) OVER (ROWS WINDOW BUFFER 10 ROWS PARTITION BY symbol) AS b FROM trades"
    )
    with pytest.raises(UnsupportedError, match="one PARTITION BY list"):
        topology_of(sql)


def test_default_group_is_named_after_the_sink() -> None:
    plan = compile_query("CREATE STREAM Stats AS SELECT symbol, COUNT(*) AS n FROM trades GROUP BY symbol")
    assert plan_topology(plan).group_id == "vsql-run-stats"


def test_explain_shows_the_stages() -> None:
    plan = compile_query(
        COUNT_BY.format(keys="side"), settings=QuerySettings.from_properties({"query.workers": "3"})
    )
    line = next(line for line in explain_plan(plan).splitlines() if line.startswith("stages"))
    assert "2 stages" in line and "repartitions trades by side" in line and "3 workers per stage" in line


def test_scripts_hold_settings_then_one_query() -> None:
    plan = compile_script(
        "SET 'query.workers' = '2';\nSET 'trades.key' = 'symbol';\nUNSET 'trades.key';\n"
        "SELECT 1 AS x FROM trades"
    )
    assert plan.settings.workers == 2
    assert plan.settings.source_property("trades", "key") is None
    with pytest.raises(UnsupportedError, match="one query per script"):
        compile_script("SELECT 1 AS x FROM trades; SELECT 2 AS y FROM trades")
    with pytest.raises(UnsupportedError, match="needs a query"):
        compile_script("SET 'query.workers' = '2'")


@pytest.mark.parametrize("value", ["0", "-1", "two"])
def test_query_workers_must_be_a_positive_whole_number(value: str) -> None:
    with pytest.raises(PlanError, match=r"query\.workers"):
        QuerySettings.from_properties({"query.workers": value})


def test_restore_origin_puts_back_the_source_system_columns() -> None:
    batch = pa.RecordBatch.from_pydict(
        {
            "qty": [5, 7],
            "__origin_key": ["A", None],
            "__origin_partition": [3, 1],
            "__origin_offset": [40, 41],
            "_key": ["buy", "sell"],
            "_timestamp": [1_000, 2_000],
            "_partition": pa.array([0, 0], pa.int32()),
            "_offset": [9, 10],
        }
    )
    restored = restore_origin(batch)
    assert restored.schema.names == ["qty", "_key", "_timestamp", "_partition", "_offset"]
    assert restored.to_pydict() == {
        "qty": [5, 7],
        "_key": ["A", None],
        "_timestamp": [1_000, 2_000],
        "_partition": [3, 1],
        "_offset": [40, 41],
    }
    assert restored.schema.field("_partition").type == pa.int32()


def test_origin_filter_drops_rows_written_again_by_a_replay() -> None:
    origins = OriginFilter()
    first = origins.fresh(np.array([0, 0, 1, 0]), np.array([10, 11, 5, 12]))
    replay = origins.fresh(np.array([0, 1, 0, 1, 0]), np.array([11, 5, 12, 6, 13]))
    assert first.tolist() == [True, True, True, True]
    assert replay.tolist() == [False, False, False, True, True]


def test_origin_filter_drops_a_repeat_inside_one_batch() -> None:
    assert OriginFilter().fresh(np.array([2, 2, 2, 2]), np.array([7, 8, 7, 9])).tolist() == [
        True,
        True,
        False,
        True,
    ]


def _repartitioned(rows: list[tuple[int, int, int, int | None]]) -> Decoded:
    """Messages at offsets 0.. of repartition partition 0, as the second stage decodes them; each
    row is (timestamp, origin partition, origin offset, progress ms or None for a data row)."""
    times, partitions, offsets, progress = (list(column) for column in zip(*rows, strict=True))
    count = len(rows)
    batch = pa.RecordBatch.from_pydict(
        {
            "_key": pa.nulls(count, pa.string()),
            "_timestamp": pa.array(times, pa.int64()),
            "_partition": pa.array([0] * count, pa.int32()),
            "_offset": pa.array(range(count), pa.int64()),
            "__origin_key": pa.nulls(count, pa.string()),
            "__origin_partition": pa.array(partitions, pa.int64()),
            "__origin_offset": pa.array(offsets, pa.int64()),
            "__progress_ms": pa.array(progress, pa.int64()),
        }
    )
    return Decoded(batch, DEAD_LETTER_SCHEMA.empty_table())


def test_progress_markers_move_the_watermark_and_are_not_rows() -> None:
    """Source partition 1 sends no rows to this partition, only markers: they close the window
    the data row of source partition 0 is in, and count as no input."""
    plan = compile_query("SELECT COUNT(*) AS n, _window_start AS ws FROM trades WINDOW TUMBLING(1s)")
    tables: list[pa.Table] = []
    task = QueryTask(
        plan,
        0,
        sink=CallbackSink(tables.append),
        dead_letters=None,
        resume_watermark_ms=None,
        restore=True,
        source_partitions=2,
    )
    task.process(_repartitioned([(500, 0, 7, None), (2500, 1, 3, 2500)]))
    assert tables == [], "source partition 0 has not moved past the window yet"
    task.process(_repartitioned([(2600, 0, 8, 2600)]))
    assert [table.to_pylist() for table in tables] == [[{"n": 1, "ws": 0}]]
    assert (task.counters().records_in, task.duplicates_dropped) == (1, 0)


def _task(plan: LogicalPlan) -> QueryTask:
    return QueryTask(
        plan,
        0,
        sink=CallbackSink(lambda _: None),
        dead_letters=None,
        resume_watermark_ms=None,
        restore=True,
        source_partitions=1,
    )


def test_worker_counters_count_late_rows_and_take_the_lowest_watermark_of_its_tasks() -> None:
    """What SHOW QUERIES and the status line show of a worker query: its late rows, summed over
    the tasks, and the watermark of its slowest partition."""
    plan = compile_query("SELECT COUNT(*) AS n FROM trades WINDOW TUMBLING(1s)")
    ahead, behind = _task(plan), _task(plan)
    ahead.process(_repartitioned([(500, 0, 1, None), (2600, 0, 2, None), (300, 0, 3, None)]))
    behind.process(_repartitioned([(1500, 0, 1, None)]))
    behind.process(_repartitioned([(200, 0, 2, None)]))
    stats = WorkerStats()
    stats.refresh([ahead, behind])
    assert (stats.counters.records_in, stats.counters.late_count) == (5, 2)
    assert stats.counters.watermark_ms == 1500
    stats.retire([ahead, behind])
    stats.refresh([])
    assert stats.counters.watermark_ms is None, "no partition owned, no watermark"
    assert stats.counters.records_in == 5, "the counts of retired tasks stay"
