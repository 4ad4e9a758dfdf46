"""The query driver: ledgers and idle clocks per input, dead letters, counters, and the engine's calls."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pytest

from vsql.engine.errors import ExecutionError
from vsql.engine.pipeline import PipelineMetrics, StepOutput
from vsql.engine.sql.statements import compile_query
from vsql.io.formats.decoded import Decoded, dead_letter_table
from vsql.runtime.driver import Positions, QueryDriver
from vsql.runtime.sinks import CallbackSink

SQL = "SELECT k, COUNT(*) AS n FROM t GROUP BY k WINDOW TUMBLING(10s) EMIT CHANGES"


@dataclass
class TwoInputEngine:
    """An engine reading inputs ``left`` and ``right`` that holds every row until told otherwise."""

    held_since_seq: int | None = 0
    is_done: bool = False
    sources: tuple[str, ...] = ("left", "right")
    metrics: PipelineMetrics = field(default_factory=PipelineMetrics)
    calls: list[tuple[str, object]] = field(default_factory=list)

    def process(self, batch: pa.RecordBatch, *, source: str | None = None) -> StepOutput:
        self.calls.append(("process", (source, batch.num_rows)))
        return StepOutput(rows=pa.table({"n": pa.array([], pa.int64())}))

    def mark_idle(self, partition: int, *, source: str | None = None) -> StepOutput:
        self.calls.append(("idle", (source, partition)))
        return StepOutput(rows=pa.table({"n": [partition]}))


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _batch(partition: int, offsets: list[int]) -> Decoded:
    batch = pa.record_batch(
        {"k": ["a"] * len(offsets), "_partition": [partition] * len(offsets), "_offset": offsets}
    )
    return Decoded(batch, pa.table({}))


def _driver(engine: TwoInputEngine, rows: list[pa.Table], clock: Clock) -> QueryDriver:
    plan = compile_query(SQL)
    return QueryDriver(plan, sink=CallbackSink(rows.append), pipeline=engine, clock=clock)  # type: ignore[arg-type]


def test_each_input_has_its_own_ledger_counting_the_engines_arrivals_together() -> None:
    engine, clock = TwoInputEngine(), Clock()
    driver = _driver(engine, [], clock)
    driver.process(_batch(0, [10, 11]), source="left")
    driver.process(_batch(0, [500]), source="right")
    driver.process(_batch(0, [12]), source="left")
    assert engine.calls == [("process", ("left", 2)), ("process", ("right", 1)), ("process", ("left", 1))]
    assert (driver.safe_offsets("left"), driver.safe_offsets("right")) == ({0: 10}, {0: 500})
    engine.held_since_seq = 3  # the first three arrivals are emitted: both left rows and the right one
    assert (driver.safe_offsets("left"), driver.safe_offsets("right")) == ({0: 12}, {0: 501})
    engine.held_since_seq = None
    assert driver.safe_offsets("left") == {0: 13}


def test_idle_clocks_run_per_input_and_release_only_the_silent_partition() -> None:
    engine, clock, rows = TwoInputEngine(), Clock(), []
    driver = _driver(engine, rows, clock)
    driver.process(_batch(1, [0]), source="left")
    clock.now = 20.0
    driver.process(_batch(1, [0]), source="right")
    clock.now = 31.0  # left's partition 1 has been silent for the 30 s idle timeout, right's for 11 s
    driver.release_idle()
    assert [call for call in engine.calls if call[0] == "idle"] == [("idle", ("left", 1))]
    assert [table.column("n").to_pylist() for table in rows] == [[1]]
    driver.release_idle()
    assert len([call for call in engine.calls if call[0] == "idle"]) == 1, (
        "an idle partition is released once"
    )


def test_expected_partitions_with_watch_idle_are_released_though_they_never_delivered() -> None:
    engine, clock = TwoInputEngine(), Clock()
    engine.expect_partitions = lambda partitions: engine.calls.append(("expect", tuple(partitions)))  # type: ignore[attr-defined]
    driver = _driver(engine, [], clock)
    driver.expect([0, 1], watch_idle=True, source="right")
    clock.now = 30.0
    driver.release_idle()
    assert engine.calls == [("expect", (0, 1)), ("idle", ("right", 0)), ("idle", ("right", 1))]


def test_a_batch_must_name_its_input_when_there_are_several() -> None:
    driver = _driver(TwoInputEngine(), [], Clock())
    with pytest.raises(ExecutionError, match="must name its input"):
        driver.process(_batch(0, [0]))
    with pytest.raises(ExecutionError, match="no input named 'middle'"):
        driver.process(_batch(0, [0]), source="middle")


def test_decoder_dead_letters_are_counted_written_and_move_the_commit_point() -> None:
    written: list[pa.Table] = []

    class Letters:
        def write(self, table: pa.Table) -> None:
            written.append(table)

        def flush(self) -> None:
            """Nothing buffered."""

    plan = compile_query(SQL)
    driver = QueryDriver(plan, sink=CallbackSink(lambda _: None), dead_letters=Letters())  # type: ignore[arg-type]
    letters = dead_letter_table(["oops"], ["not JSON"], partitions=[0], offsets=[7])
    batch = pa.record_batch({"k": ["a"], "_timestamp": [5], "_partition": [0], "_offset": [6]}).cast(
        pa.schema(
            [
                ("k", pa.string()),
                ("_timestamp", pa.int64()),
                ("_partition", pa.int32()),
                ("_offset", pa.int64()),
            ]
        )
    )
    driver.process(Decoded(batch, letters))
    counters = driver.counters()
    assert (counters.records_in, counters.dead_letter_count, counters.rows_out) == (1, 1, 1)
    assert [table.column("_reason").to_pylist() for table in written] == [["not JSON"]]
    assert driver.safe_offsets() == {0: 6}, "the open window still holds offset 6"


def test_positions_given_by_the_caller_feed_the_ledger_instead_of_the_batch() -> None:
    engine, clock = TwoInputEngine(sources=("left",)), Clock()
    driver = _driver(engine, [], clock)
    positions = Positions(np.array([3, 3]), np.array([40, 41]), {3: 42})
    driver.process(_batch(0, [0, 1]), positions=positions)
    engine.held_since_seq = None
    assert driver.safe_offsets() == {3: 43}
