"""The in-process run loop: a plan over finite batches, counters, progress snapshots, several sources."""

from __future__ import annotations

import pyarrow as pa
import pytest

from vsql.engine.errors import ExecutionError
from vsql.engine.sql.statements import compile_query
from vsql.io.formats.decoded import Decoded
from vsql.io.formats.json import JsonDecoder
from vsql.runtime.counters import Counters
from vsql.runtime.run import run_finite, run_query
from vsql.runtime.sinks import CallbackSink
from vsql.runtime.sources import BlockSource

SQL = "SELECT symbol, COUNT(*) AS n FROM trades GROUP BY symbol WINDOW TUMBLING(1s) EMIT FINAL"
CHANGES = "SELECT k, COUNT(*) AS n FROM t GROUP BY k WINDOW TUMBLING(10s) EMIT CHANGES"


def test_run_finite_counts_records_rows_and_dead_letters() -> None:
    decoder = JsonDecoder()
    blocks = [
        decoder.decode_block(
            b'{"_timestamp": 100, "symbol": "A"}\n{"_timestamp": 1500, "symbol": "A"}\nbad\n'
        ),
        decoder.decode_block(b'{"_timestamp": 200, "symbol": "B"}\n'),
    ]
    tables: list[pa.Table] = []
    counters = run_finite(compile_query(SQL), blocks, on_rows=tables.append)
    assert (counters.records_in, counters.rows_out, counters.late_count) == (3, 2, 1)
    assert counters.dead_letter_count == 2
    assert sum(t.num_rows for t in tables) == 2


def test_hold_keeps_windows_open() -> None:
    block = JsonDecoder().decode_block(b'{"_timestamp": 100, "symbol": "A"}\n')
    counters = run_finite(compile_query(SQL), [block], on_rows=lambda rows: None, finish=False)
    assert counters.rows_out == 0


def test_the_run_loop_times_every_batch_and_reports_state_slots() -> None:
    blocks = [_block(["a", "b"], offset=0), _block(["c"], offset=2)]
    counters = run_finite(compile_query(CHANGES), blocks, on_rows=lambda _: None, finish=False)
    assert counters.latency_p50_ms is not None and counters.latency_p99_ms is not None
    assert counters.state_slots == 3
    assert counters.partition_lag == {}


def test_the_progress_hook_gets_one_snapshot_per_turn_that_later_batches_leave_alone() -> None:
    """A hook reading its counters from another thread sees one moment of the run, never
    records counted but the watermark not yet moved."""
    seen: list[Counters] = []
    blocks = [_block(["a", "b"], offset=0), _block(["c"], offset=2)]
    sink = CallbackSink(lambda _: None)
    run_query(compile_query(CHANGES), BlockSource(blocks), sink=sink, finish=False, on_progress=seen.append)
    moments = [(counters.records_in, counters.watermark_ms, counters.rows_out) for counters in seen]
    assert moments[0] == (2, 1, 2)
    assert set(moments) == {(2, 1, 2), (3, 2, 3)}


def test_batches_of_several_named_sources_take_turns() -> None:
    """A source per input name: each batch goes to the driver under its source's name."""
    seen: list[int] = []
    sink = CallbackSink(lambda rows: seen.extend(rows.column("n").to_pylist()))
    sources = {"t": BlockSource([_block(["a"], offset=0), _block(["a"], offset=1)])}
    counters = run_query(compile_query(CHANGES), sources, sink=sink, finish=False)
    assert (counters.records_in, seen) == (2, [1, 2])


def test_a_source_the_query_does_not_read_is_an_execution_error() -> None:
    sources = {"t": BlockSource([_block(["a"], offset=0)]), "u": BlockSource([_block(["b"], offset=0)])}
    with pytest.raises(ExecutionError, match="no input named 'u'"):
        run_query(compile_query(CHANGES), sources, sink=CallbackSink(lambda _: None))


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
