"""The runtime's client API against a real embedded broker: push queries, topics, jobs, errors."""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections.abc import Callable, Iterator

import pyarrow as pa
import pytest

from vsql.engine.errors import PlanError, SqlSyntaxError, VsqlError
from vsql.engine.settings import OutputMode
from vsql.engine.sql.plan import EmitMode
from vsql.io.errors import InputError
from vsql.io.kafka.brokers import EmbeddedBroker
from vsql.runtime import Counters, JobInfo, JobState, ResultShape, RunResult, Runtime

WINDOWED = "SELECT symbol, COUNT(*) AS n FROM {topic} GROUP BY symbol WINDOW TUMBLING(1s) EMIT CHANGES"
WAIT_S = 15.0
"""Upper bound of every wait on the broker; a healthy run needs a fraction of it."""

_names = itertools.count()


@pytest.fixture
def runtime(broker: EmbeddedBroker) -> Iterator[Runtime]:
    runtime = Runtime(broker=broker)
    yield runtime
    runtime.close()


def wait_until(condition: Callable[[], bool], *, timeout_s: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


class Recorder:
    """A front end's side of ``prepare`` and ``run``: what it was told, and an event at the first rows."""

    def __init__(self) -> None:
        self.shapes: list[ResultShape] = []
        self.tables: list[pa.Table] = []
        self.statuses: list[Counters] = []
        self.has_rows = threading.Event()

    def rows(self, table: pa.Table) -> None:
        self.tables.append(table)
        self.has_rows.set()

    def run(self, runtime: Runtime, statement: str, cancel: threading.Event | None = None) -> RunResult:
        """Prepare and run; without a cancel event, one that fires after ``WAIT_S`` so no test can hang."""
        if cancel is None:
            cancel = threading.Event()
            timer = threading.Timer(WAIT_S, cancel.set)
            timer.daemon = True
            timer.start()
        prepared = runtime.prepare(statement)
        if prepared.shape is not None and not prepared.runs_in_background:
            self.shapes.append(prepared.shape)
        return runtime.run(prepared, on_rows=self.rows, on_progress=self.statuses.append, cancel=cancel)


def has_rising_run(counts: list[int], *, length: int) -> bool:
    """Whether ``counts`` holds ``length`` consecutive values each one more than the one before."""
    return any(
        counts[i : i + length] == list(range(counts[i], counts[i] + length))
        for i in range(len(counts) - length + 1)
    )


def run_in_thread(target: Callable[[], RunResult]) -> tuple[threading.Thread, list[RunResult]]:
    results: list[RunResult] = []
    thread = threading.Thread(target=lambda: results.append(target()), daemon=True)
    thread.start()
    return thread, results


def test_windowed_push_query_streams_rising_counts_until_cancelled(runtime: Runtime) -> None:
    topic = f"live_{next(_names)}"
    runtime.start_datagen("trades", topic=topic, rate=2_000)
    recorder, cancel = Recorder(), threading.Event()
    thread, results = run_in_thread(lambda: recorder.run(runtime, WINDOWED.format(topic=topic), cancel))
    assert recorder.has_rows.wait(WAIT_S)
    wait_until(lambda: sum(table.num_rows for table in recorder.tables) >= 500)
    cancelled_at = time.monotonic()
    cancel.set()
    thread.join(WAIT_S)
    assert not thread.is_alive()
    assert time.monotonic() - cancelled_at < 1.5
    assert recorder.shapes == [
        ResultShape(columns=("symbol", "n"), key_columns=("symbol",), emit_mode=EmitMode.CHANGES)
    ]
    rows = pa.concat_tables(recorder.tables, promote_options="permissive").to_pylist()
    counts: dict[str, list[int]] = {}
    for row in rows:
        counts.setdefault(row["symbol"], []).append(row["n"])
    assert any(has_rising_run(symbol_counts, length=3) for symbol_counts in counts.values())
    status = results[0].counters
    assert status is not None and status.records_in >= len(rows) > 0
    assert status.watermark_ms is not None and status.memory_mb > 0
    assert recorder.statuses[-1] == status


def test_limit_ends_a_push_query_with_unkeyed_rows(runtime: Runtime, filled_topic) -> None:
    topic = filled_topic(50)
    recorder = Recorder()
    result = recorder.run(runtime, f"SELECT symbol, price FROM {topic} WHERE qty > 0 LIMIT 7")
    assert sum(table.num_rows for table in recorder.tables) == 7
    assert recorder.shapes[0].key_columns is None
    assert result.counters is not None and result.counters.rows_out == 7


def test_push_query_with_query_workers_shows_the_workers_rows(runtime: Runtime, filled_topic) -> None:
    topic = filled_topic(50)
    Recorder().run(runtime, "SET 'query.workers' = '2'")
    recorder = Recorder()
    result = recorder.run(runtime, f"SELECT symbol, price FROM {topic} WHERE qty > 0 LIMIT 7")
    assert sum(table.num_rows for table in recorder.tables) == 7
    assert {"symbol", "price"} <= set(recorder.tables[0].column_names)
    assert result.counters is not None and result.counters.rows_out == 7 and result.counters.records_in > 0


def test_set_output_mode_reaches_the_shape_and_the_properties(runtime: Runtime, filled_topic) -> None:
    topic = filled_topic(3_000)
    recorder = Recorder()
    message = recorder.run(runtime, "SET 'output.mode' = 'changelog'").message
    assert message == "set 'output.mode' = 'changelog'"
    assert runtime.properties()["output.mode"] == "changelog"
    assert runtime.properties()["watermark.idle_timeout"] == "30s"
    sql = (
        f"SELECT symbol, COUNT(*) AS n, _window_start AS ws FROM {topic} "
        "GROUP BY symbol WINDOW TUMBLING(1s) LIMIT 1"
    )
    recorder.run(runtime, sql)
    assert recorder.shapes == [
        ResultShape(
            columns=("symbol", "n", "ws"),
            key_columns=("symbol", "ws"),
            emit_mode=EmitMode.FINAL,
            output_mode=OutputMode.CHANGELOG,
        )
    ]
    assert recorder.run(runtime, "UNSET 'output.mode'").message == "unset 'output.mode'"
    assert runtime.properties()["output.mode"] == ""


def test_show_topics_lists_partitions_and_messages(runtime: Runtime, filled_topic) -> None:
    topic = filled_topic(30)
    listed = runtime.topics()
    assert (listed[topic].partitions, listed[topic].messages) == (2, 30)
    assert list(listed) == sorted(listed)


def test_describe_infers_fields_from_a_sample(runtime: Runtime, filled_topic) -> None:
    fields = {field.name: field for field in runtime.describe(filled_topic(40))}
    assert list(fields) == ["symbol", "price", "qty", "side"]
    assert (fields["price"].type, fields["qty"].type, fields["symbol"].type) == ("double", "int64", "string")
    assert all(field.null_fraction == 0.0 for field in fields.values())
    assert fields["symbol"].example is not None and fields["symbol"].example.startswith("SYM")


def test_describe_of_an_unknown_topic_suggests_the_closest_name(runtime: Runtime, filled_topic) -> None:
    topic = filled_topic(1)
    with pytest.raises(InputError, match=f"did you mean '{topic}'"):
        runtime.describe(topic + "x")


def test_print_from_beginning_with_limit_shows_the_first_messages(runtime: Runtime, filled_topic) -> None:
    topic = filled_topic(20)
    tables: list[pa.Table] = []
    runtime.print_topic(topic, from_beginning=True, limit=3, on_rows=tables.append, cancel=threading.Event())
    rows = pa.concat_tables(tables).to_pylist()
    assert len(rows) == 3
    assert list(rows[0])[:4] == ["_timestamp", "_partition", "_offset", "_key"]
    assert all(row["_offset"] < 3 for row in rows)


def test_print_without_from_beginning_returns_on_cancel(runtime: Runtime, filled_topic) -> None:
    topic = filled_topic(20)
    tables: list[pa.Table] = []
    cancel = threading.Event()
    timer = threading.Timer(1.0, cancel.set)
    timer.start()
    started = time.monotonic()
    runtime.print_topic(topic, from_beginning=False, limit=None, on_rows=tables.append, cancel=cancel)
    assert tables == []
    assert time.monotonic() - started < 2.5


def test_create_stream_is_listed_and_terminate_stops_it(runtime: Runtime, broker, filled_topic) -> None:
    topic = filled_topic(100)
    sink = f"counts_{next(_names)}"
    sql = (
        f"CREATE STREAM s AS SELECT symbol, COUNT(*) AS n FROM {topic} GROUP BY symbol EMIT CHANGES "
        f"WITH ('s.topic' = '{sink}')"
    )
    result = Recorder().run(runtime, sql)
    assert result.job_id is not None and result.job_id in (result.message or "")
    listed = {job.job_id: job for job in runtime.jobs()}
    assert listed[result.job_id].state is JobState.RUNNING
    assert listed[result.job_id].sink == sink
    wait_until(lambda: sink in broker.topics() and broker.topics()[sink].messages == 100)
    assert runtime.terminate(result.job_id) == [result.job_id]
    states = {job.job_id: job.state for job in runtime.jobs()}
    assert states[result.job_id] is JobState.TERMINATED


def test_create_stream_with_query_workers_runs_in_worker_processes(
    runtime: Runtime, broker, filled_topic
) -> None:
    topic = filled_topic(100)
    sink = f"counts_{next(_names)}"
    Recorder().run(runtime, "SET 'query.workers' = '2'")
    sql = f"CREATE STREAM {sink} AS SELECT symbol, COUNT(*) AS n FROM {topic} GROUP BY symbol EMIT CHANGES"
    result = Recorder().run(runtime, sql)
    assert "started in 2 worker processes per stage" in (result.message or "")
    # At least once: a rebalance while the workers join may replay rows, and their changes again.
    wait_until(lambda: sink in broker.topics() and broker.topics()[sink].messages >= 100, timeout_s=90)

    def listed() -> JobInfo:
        return {job.job_id: job for job in runtime.jobs()}[result.job_id]

    wait_until(lambda: listed().counters.records_in >= 100)  # the workers' counters, summed
    assert listed().state is JobState.RUNNING
    assert runtime.terminate(result.job_id) == [result.job_id]
    wait_until(lambda: listed().state is JobState.TERMINATED)


def test_a_failed_worker_fails_its_query_with_the_workers_error(
    runtime: Runtime, broker, filled_topic
) -> None:
    topic = filled_topic(10)
    Recorder().run(runtime, "SET 'query.workers' = '2'")
    sql = f"CREATE STREAM bad_{next(_names)} AS SELECT CAST(symbol AS INT) AS n FROM {topic}"
    result = Recorder().run(runtime, sql)

    def listed() -> JobInfo:
        return {job.job_id: job for job in runtime.jobs()}[result.job_id]

    wait_until(lambda: listed().state is JobState.FAILED, timeout_s=60)
    assert "a worker failed" in (listed().error or "")
    assert "cannot evaluate CAST(symbol AS INT)" in (listed().error or "")


def test_datagen_is_listed_and_terminate_stops_producing(runtime: Runtime, broker) -> None:
    topic = f"generated_{next(_names)}"
    query_id = runtime.start_datagen("sensors", topic=topic, rate=500)
    wait_until(lambda: topic in broker.topics() and broker.topics()[topic].messages > 0)
    assert [job.statement for job in runtime.jobs() if job.job_id == query_id] == [
        f"DATAGEN sensors TO {topic} RATE 500"
    ]
    assert runtime.terminate("all") == [query_id]
    produced = broker.topics()[topic].messages
    time.sleep(0.3)
    assert broker.topics()[topic].messages == produced
    (info,) = [job for job in runtime.jobs() if job.job_id == query_id]
    assert info.state is JobState.TERMINATED and info.counters.rows_out == produced


def test_datagen_rejects_an_unknown_kind(runtime: Runtime) -> None:
    with pytest.raises(InputError, match="unknown datagen kind 'bonds'"):
        runtime.start_datagen("bonds", topic="x", rate=10)


def test_terminate_of_an_unknown_query_is_a_plan_error(runtime: Runtime) -> None:
    with pytest.raises(PlanError, match="no query Q9"):
        runtime.terminate("Q9")


def test_explain_names_strategies_event_time_and_watermark(
    runtime: Runtime, filled_topic: Callable[[int], str]
) -> None:
    topic = filled_topic(10)
    runtime.run(runtime.prepare("SET 'watermark.max_out_of_orderness' = '2s'"))
    text = runtime.explain(
        runtime.prepare(
            f"SELECT symbol, COUNT(*) AS n FROM {topic} GROUP BY symbol "
            "HAVING COUNT(*) > 2 WINDOW SESSION(30s)"
        )
    )
    lines = dict(re.fullmatch(r"(.+?) {2,}(.*)", line).groups() for line in text.splitlines())
    assert "SESSION gap 30s" in lines["window"] and "[SessionWindows]" in lines["window"]
    assert lines["emission"].startswith("EMIT FINAL") and "[FinalEmission]" in lines["emission"]
    assert lines["having"] == "COUNT(*) > 2"
    assert lines["group by"] == "symbol  [MultiKeyGroups]"
    assert lines["event time"].startswith("_timestamp")
    assert "max event time - 2s" in lines["watermark"]


@pytest.mark.parametrize(
    ("statement", "error_type"),
    [
        ("SELECT symbol, COUNT(* FROM {topic}", SqlSyntaxError),
        ("SELECT NOPE(price) FROM {topic}", PlanError),
        ("SELECT * FROM no_such_topic", InputError),
    ],
)
def test_rejected_statements_raise_vsql_errors(
    runtime: Runtime, filled_topic, statement: str, error_type: type[VsqlError]
) -> None:
    topic = filled_topic(1)
    recorder = Recorder()
    with pytest.raises(error_type):
        recorder.run(runtime, statement.format(topic=topic))
    assert recorder.shapes == []


def test_a_misspelt_column_of_a_topic_is_rejected_with_the_closest_name(
    runtime: Runtime, filled_topic: Callable[[int], str]
) -> None:
    topic = filled_topic(20)
    recorder = Recorder()
    with pytest.raises(PlanError, match=r"pricee.*'price'"):
        recorder.run(runtime, f"SELECT symbol, pricee FROM {topic} LIMIT 1")
    assert recorder.shapes == []


def test_an_empty_topic_accepts_any_column_until_it_has_data(
    runtime: Runtime, broker: EmbeddedBroker
) -> None:
    topic = f"empty_{next(_names)}"
    broker.create_topic(topic, 1)
    assert "anything" in runtime.explain(runtime.prepare(f"SELECT anything FROM {topic}"))
