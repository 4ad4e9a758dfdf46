"""Pipeline: what it reports about held state, the contract behind at-least-once commits."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from vsql.engine.pipeline import Pipeline
from vsql.engine.settings import QuerySettings
from vsql.engine.sql.statements import compile_query


def _batch(times: list[int], symbols: list[str]) -> pa.RecordBatch:
    return pa.record_batch({"_timestamp": pa.array(times, type=pa.int64()), "symbol": symbols})


def test_tumbling_holds_from_the_first_row_of_the_oldest_open_window() -> None:
    pipeline = Pipeline(
        compile_query("SELECT symbol, COUNT(*) AS n FROM t GROUP BY symbol WINDOW TUMBLING(1s)")
    )
    assert pipeline.held_since_seq is None
    pipeline.process(_batch([0, 10, 500], ["a", "b", "a"]))
    assert pipeline.held_since_seq == 0
    pipeline.process(_batch([1000, 1200], ["b", "a"]))
    assert pipeline.held_since_seq == 3
    pipeline.finish()
    assert pipeline.held_since_seq is None


def test_filtered_and_late_rows_are_never_held() -> None:
    pipeline = Pipeline(compile_query("SELECT COUNT(*) AS n FROM t WHERE symbol = 'a' WINDOW TUMBLING(1s)"))
    pipeline.process(_batch([0, 1500, 10, 1600], ["b", "b", "a", "a"]))
    assert pipeline.held_since_seq == 3


def test_session_merge_keeps_the_oldest_row_of_both_sessions() -> None:
    settings = QuerySettings.from_properties({"watermark.max_out_of_orderness": "1s"})
    sql = "SELECT symbol, COUNT(*) AS n FROM t GROUP BY symbol WINDOW SESSION(200ms)"
    pipeline = Pipeline(compile_query(sql, settings=settings))
    pipeline.process(_batch([300, 0], ["a", "a"]))
    pipeline.process(_batch([150], ["a"]))
    assert pipeline.held_since_seq == 0


def test_stateless_query_holds_nothing() -> None:
    pipeline = Pipeline(compile_query("SELECT symbol FROM t"))
    pipeline.process(_batch([0, 1], ["a", "b"]))
    assert pipeline.held_since_seq is None


def test_rows_window_holds_the_rows_kept_in_its_buffers() -> None:
    lag = "LAG(_timestamp, 1) OVER (ROWS WINDOW BUFFER 2 ROWS PARTITION BY symbol)"
    pipeline = Pipeline(compile_query(f"SELECT symbol, {lag} AS p FROM t"))
    pipeline.process(_batch([0, 1, 2, 3], ["a", "b", "a", "a"]))
    assert pipeline.held_since_seq == 1


def test_idle_partition_stops_holding_the_watermark_and_windows_close() -> None:
    pipeline = Pipeline(compile_query("SELECT COUNT(*) AS n, _window_start AS ws FROM t WINDOW TUMBLING(1s)"))
    batch = pa.record_batch(
        {
            "_timestamp": pa.array([0, 100, 2500], type=pa.int64()),
            "_partition": pa.array([1, 0, 0], pa.int32()),
        }
    )
    assert pipeline.process(batch).rows.num_rows == 0
    assert pipeline.metrics.watermark_ms == 0
    closed = pipeline.mark_idle(1).rows.to_pylist()
    assert closed == [{"n": 2, "ws": 0}]
    assert pipeline.metrics.watermark_ms == 2500


def test_progress_of_a_partition_moves_the_watermark_as_its_rows_would() -> None:
    query = "SELECT COUNT(*) AS n, _window_start AS ws FROM t WINDOW TUMBLING(1s)"
    batch = pa.record_batch(
        {"_timestamp": pa.array([100, 2500], type=pa.int64()), "_partition": pa.array([0, 0], pa.int32())}
    )
    with_progress, with_rows = Pipeline(compile_query(query)), Pipeline(compile_query(query))
    for pipeline in (with_progress, with_rows):
        pipeline.expect_partitions([0, 1])
        assert pipeline.process(batch).rows.num_rows == 0, "partition 1 holds the watermark"
    progress = with_progress.observe_progress(np.array([1]), np.array([2600]))
    late_row = pa.record_batch(
        {"_timestamp": pa.array([2600], type=pa.int64()), "_partition": pa.array([1], pa.int32())}
    )
    rows = with_rows.process(late_row)
    assert progress.rows.to_pylist() == [{"n": 1, "ws": 0}]
    assert rows.rows.to_pylist() == [{"n": 1, "ws": 0}]
    assert with_progress.metrics.watermark_ms == with_rows.metrics.watermark_ms == 2500
    advanced = with_progress.observe_progress(np.array([1, 0]), np.array([3100, 3200]))
    assert advanced.rows.to_pylist() == [{"n": 1, "ws": 2000}]


def test_context_carries_group_keys_and_window_bounds_even_when_not_selected() -> None:
    pipeline = Pipeline(compile_query("SELECT COUNT(*) AS n FROM t GROUP BY symbol WINDOW TUMBLING(1s)"))
    output = pipeline.process(_batch([0, 5, 2000], ["a", "b", "a"]))
    assert output.rows.to_pylist() == [{"n": 1}, {"n": 1}]
    assert output.context.to_pylist() == [
        {"__key0": "a", "_window_start": 0, "_window_end": 1000},
        {"__key0": "b", "_window_start": 0, "_window_end": 1000},
    ]


def test_context_of_a_stateless_query_is_the_input_key_and_timestamp() -> None:
    pipeline = Pipeline(compile_query("SELECT symbol FROM t WHERE symbol <> 'b'"))
    batch = pa.record_batch(
        {"_timestamp": pa.array([7, 8], pa.int64()), "_key": ["k1", "k2"], "symbol": ["a", "b"]}
    )
    assert pipeline.process(batch).context.to_pylist() == [{"_timestamp": 7, "_key": "k1"}]


def test_resumed_run_does_not_emit_windows_the_earlier_run_closed() -> None:
    pipeline = Pipeline(compile_query("SELECT COUNT(*) AS n, _window_start AS ws FROM t WINDOW TUMBLING(1s)"))
    pipeline.resume_after(2000)
    emitted = pipeline.process(_batch([1500, 1900, 2100, 3500], ["a"] * 4)).rows.to_pylist()
    emitted += pipeline.finish().rows.to_pylist()
    assert emitted == [{"n": 1, "ws": 2000}, {"n": 1, "ws": 3000}]


def test_resumed_changelog_skips_updates_of_closed_windows_but_keeps_their_state() -> None:
    sql = (
        "SELECT symbol, COUNT(*) AS n, _window_end AS we FROM t GROUP BY symbol "
        "WINDOW SESSION(1s) EMIT CHANGES"
    )
    settings = QuerySettings.from_properties({"watermark.max_out_of_orderness": "10s"})
    pipeline = Pipeline(compile_query(sql, settings=settings))
    pipeline.resume_after(1500)
    rows = pipeline.process(_batch([0, 400, 900], ["a", "a", "a"])).rows.to_pylist()
    assert rows == [{"symbol": "a", "n": 3, "we": 1900, "_op": None}]
