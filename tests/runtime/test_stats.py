"""RunStats figures the dashboard shows: batch latency quantiles and engine state, filled by the run loop."""

from __future__ import annotations

from collections import deque

import pyarrow as pa

from vsql.engine.sql.statements import compile_statement
from vsql.io.formats.decoded import Decoded
from vsql.runtime import RunStats, run_finite
from vsql.runtime.run import run_query
from vsql.runtime.sinks import CallbackSink
from vsql.runtime.sources import BlockSource
from vsql.runtime.stats import LATENCY_WINDOW


def test_latency_quantiles_over_the_recent_batches() -> None:
    stats = RunStats(batch_ms=deque([4.0, 1.0, 3.0, 2.0]))
    assert (stats.batch_latency_ms(0.5), stats.batch_latency_ms(0.99)) == (3.0, 4.0)
    assert RunStats().batch_latency_ms(0.5) is None


def test_only_the_latest_batches_are_kept() -> None:
    stats = RunStats()
    stats.batch_ms.extend(float(index) for index in range(LATENCY_WINDOW + 10))
    assert len(stats.batch_ms) == LATENCY_WINDOW and stats.batch_ms[0] == 10.0


def test_the_run_loop_times_every_batch_and_reports_state_slots() -> None:
    plan = compile_statement("SELECT k, COUNT(*) AS n FROM t GROUP BY k WINDOW TUMBLING(10s) EMIT CHANGES")
    blocks = [_block(["a", "b"], offset=0), _block(["c"], offset=2)]
    stats = run_finite(plan, blocks, on_rows=lambda _: None, finish=False)
    assert len(stats.batch_ms) == 2
    assert stats.state_slots == 3
    assert stats.partition_lag == {}


def test_the_progress_hook_gets_snapshots_that_later_batches_leave_alone() -> None:
    """A hook reading its counters from another thread sees one moment of the run, never
    records counted but the watermark not yet moved."""
    plan = compile_statement("SELECT k, COUNT(*) AS n FROM t GROUP BY k WINDOW TUMBLING(10s) EMIT CHANGES")
    seen: list[RunStats] = []
    blocks = [_block(["a", "b"], offset=0), _block(["c"], offset=2)]
    sink = CallbackSink(lambda _: None)
    run_query(plan, BlockSource(blocks), sink=sink, finish=False, on_progress=seen.append)
    moments = [(stats.records_in, stats.watermark_ms, len(stats.batch_ms)) for stats in seen]
    assert moments[0] == (2, 1, 1)
    assert set(moments) == {(2, 1, 1), (3, 2, 2)}


def _block(keys: list[str], *, offset: int) -> Decoded:
    count = len(keys)
    batch = pa.record_batch(
        {
            "k": keys,
            "_timestamp": list(range(offset, offset + count)),
            "_partition": [0] * count,
            "_offset": list(range(offset, offset + count)),
        }
    )
    return Decoded(batch=batch, dead_letters=pa.table({}))
