"""Partition-parallel workers on the embedded broker: the results of several worker processes,
duplicates removed, equal those of one process, with and without repartitioning, and when a
worker is killed midway."""

from __future__ import annotations

import io
import json
import subprocess
import threading
import time
from pathlib import Path

import pyarrow as pa
import pytest

from vsql.cli import main
from vsql.datagen import EventSpec, generate
from vsql.engine.sql.statements import compile_query
from vsql.io.formats.json import JsonDecoder
from vsql.io.kafka.brokers import EmbeddedBroker
from vsql.io.kafka.consumer import TopicConsumer
from vsql.io.kafka.producer import JsonProducer
from vsql.runtime import JobInfo, JobState, Runtime
from vsql.runtime.run import run_query
from vsql.runtime.sinks import KafkaSink
from vsql.runtime.sources import KafkaSource
from vsql.runtime.workers import Role, plan_topology, run_workers
from vsql.runtime.workers.stages import compile_script
from vsql.runtime.workers.supervisor import prepare_topics, start_worker

DYING_WORKER = Path(__file__).with_name("dying_worker.py")
RECORDS = 60_000
PARTITIONS = 4
BOUNDED = "SET 'scan.bounded.mode' = 'latest-offset';\n"
KEYED = "SET 'trades.key' = 'symbol';\n"
BY_SYMBOL = (
    "SELECT symbol, COUNT(*) AS trades, SUM(qty) AS volume, _window_start AS ws "
    "FROM trades GROUP BY symbol WINDOW TUMBLING(1s) EMIT FINAL"
)
BY_SIDE = (
    "SELECT side, COUNT(*) AS trades, SUM(qty) AS volume, MAX(price) AS high, _window_start AS ws "
    "FROM trades GROUP BY side WINDOW TUMBLING(1s) EMIT FINAL"
)


@pytest.fixture(scope="module")
def broker() -> EmbeddedBroker:
    embedded = EmbeddedBroker()
    embedded.create_topic("trades", PARTITIONS)
    producer = JsonProducer(embedded.client_config)
    for batch in generate(EventSpec(count=RECORDS, keys=20, seed=11, start_ms=1_000)):
        producer.produce_batch("trades", batch, key_column="symbol")
    producer.flush()
    yield embedded
    embedded.close()


def _rows(broker: EmbeddedBroker, topic: str) -> list[tuple]:
    """Every result row in a topic, as sorted (field, value) tuples."""
    consumer = TopicConsumer(broker.consumer_config, topic, group_id=f"reader-{topic}", decoder=JsonDecoder())
    try:
        return [
            tuple(sorted(row.items()))
            for decoded in consumer.batches(until_caught_up=True)
            for row in decoded.batch.drop_columns(["_key", "_timestamp", "_partition", "_offset"]).to_pylist()
        ]
    finally:
        consumer.close()


def _single_process(broker: EmbeddedBroker, query: str, sink: str) -> set[tuple]:
    """The results of one in-process ``run_query`` over the whole topic."""
    broker.create_topic(sink, 1)
    consumer = TopicConsumer(
        broker.consumer_config, "trades", group_id=f"single-{sink}", decoder=JsonDecoder()
    )
    stats = run_query(
        compile_query(query),
        KafkaSource(consumer, until_caught_up=True),
        sink=KafkaSink(JsonProducer(broker.client_config), sink),
    )
    consumer.close()
    assert stats.records_in == RECORDS
    rows = _rows(broker, sink)
    assert len(rows) == len(set(rows)) > 100
    return set(rows)


def _stream(query: str, sink: str) -> str:
    return query.replace("SELECT", f"CREATE STREAM {sink} AS SELECT", 1)


def test_two_workers_give_the_results_of_one(broker: EmbeddedBroker) -> None:
    expected = _single_process(broker, BY_SYMBOL, "by_symbol_single")
    out = io.StringIO()
    assert (
        run_workers(
            BOUNDED + KEYED + _stream(BY_SYMBOL, "one"), broker=broker, workers=1, group_id=None, out=out
        )
        == 0
    )
    assert (
        run_workers(
            BOUNDED + KEYED + _stream(BY_SYMBOL, "two"), broker=broker, workers=2, group_id=None, out=out
        )
        == 0
    )
    assert out.getvalue() == ""
    assert set(_rows(broker, "one")) == expected
    assert set(_rows(broker, "two")) == expected


def test_repartitioned_query_gives_the_results_of_one_process(broker: EmbeddedBroker) -> None:
    expected = _single_process(broker, BY_SIDE, "by_side_single")
    script = BOUNDED + KEYED + _stream(BY_SIDE, "by_side")
    assert plan_topology(compile_script(script)).is_shuffled
    assert run_workers(script, broker=broker, workers=2, group_id="sides", out=io.StringIO()) == 0
    assert set(_rows(broker, "by_side")) == expected
    assert "sides-repartition" in broker.topics()


def test_vsql_run_prints_the_rows_of_a_plain_select(
    broker: EmbeddedBroker, capsys: pytest.CaptureFixture[str]
) -> None:
    query = BY_SYMBOL.replace("FROM trades", "FROM trades WHERE symbol = 'SYM003'")
    tuning = ["-X", "session.timeout.ms=1500", "-X", "heartbeat.interval.ms=250"]
    argv = ["run", "--bootstrap", broker.bootstrap, *tuning, "--workers", "2", "-e", BOUNDED + KEYED + query]
    assert main(argv) == 0
    rows = {tuple(sorted(json.loads(line).items())) for line in capsys.readouterr().out.splitlines()}
    expected = _single_process(broker, BY_SYMBOL, "by_symbol_stdout")
    assert rows == {row for row in expected if ("symbol", "SYM003") in row}


def test_killing_one_of_two_workers_loses_nothing(broker: EmbeddedBroker, tmp_path: Path) -> None:
    expected = _single_process(broker, BY_SYMBOL, "by_symbol_kill")
    script = BOUNDED + KEYED + _stream(BY_SYMBOL, "survived")
    topology = plan_topology(compile_script(script), group_id="kill")
    prepare_topics(topology, script, broker=broker, workers=2)
    options = {"broker": broker, "group_id": "kill", "commit_interval_s": 0.0}
    dying = start_worker(
        script, Role.QUERY, module=(str(DYING_WORKER), "--die-after", str(RECORDS // 8)), **options
    )
    survivor = start_worker(script, Role.QUERY, stats=tmp_path / "survivor.json", **options)
    assert dying.wait(120) == -9
    assert survivor.wait(120) == 0
    stats = json.loads((tmp_path / "survivor.json").read_text())
    assert stats["partitions"] == list(range(PARTITIONS)), "the survivor took over every partition"
    rows = _rows(broker, "survived")
    assert set(rows) == expected


def test_killing_a_worker_of_each_stage_of_a_repartitioned_query_loses_nothing(
    broker: EmbeddedBroker, tmp_path: Path
) -> None:
    """Each stage loses a worker midway, one after the other so that every kill lands mid-stream:
    the first repartition worker dies alone; its successor and the first aggregate worker start,
    and the aggregate worker dies; then its successor finishes."""
    expected = _single_process(broker, BY_SYMBOL, "by_symbol_shuffled_kill")
    script = BOUNDED + _stream(BY_SYMBOL, "shuffled_survived")  # symbol is not declared the key
    topology = plan_topology(compile_script(script), group_id="kill-shuffled")
    assert topology.is_shuffled
    prepare_topics(topology, script, broker=broker, workers=2)
    options = {"broker": broker, "group_id": "kill-shuffled", "commit_interval_s": 0.0}
    dying = (str(DYING_WORKER), "--die-after", str(RECORDS // 8))

    def survivor(role: Role) -> subprocess.Popen[str]:
        return start_worker(script, role, stats=tmp_path / f"{role.value}.json", **options)

    assert start_worker(script, Role.REPARTITION, module=dying, **options).wait(120) == -9
    repartition = survivor(Role.REPARTITION)
    assert start_worker(script, Role.AGGREGATE, module=dying, **options).wait(120) == -9
    aggregate = survivor(Role.AGGREGATE)
    assert repartition.wait(120) == 0
    assert aggregate.wait(120) == 0
    for role in (Role.REPARTITION, Role.AGGREGATE):
        stats = json.loads((tmp_path / f"{role.value}.json").read_text())
        assert stats["partitions"] == list(range(PARTITIONS)), f"the {role.value} survivor took over"
        assert stats["counters"]["records_in"] < RECORDS * 2, (
            "the survivor replayed from commits, not from the start"
        )
    assert set(_rows(broker, "shuffled_survived")) == expected


def _worker_pids(group_id: str) -> list[int]:
    """Live worker processes of a consumer group, found by their command lines."""
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            arguments = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"vsql.runtime.workers" in arguments and group_id.encode() in arguments:
            pids.append(int(cmdline.parent.name))
    return pids


def _runtime(broker: EmbeddedBroker, **settings: str) -> Runtime:
    return Runtime(broker=broker, properties={"trades.key": "symbol", "query.workers": "2", **settings})


def _job(runtime: Runtime, job_id: str | None) -> JobInfo:
    info = runtime.job(job_id or "")
    assert info is not None
    return info


def test_create_stream_with_query_workers_runs_in_worker_processes(broker: EmbeddedBroker) -> None:
    expected = _single_process(broker, BY_SYMBOL, "by_symbol_session")
    runtime = _runtime(broker, **{"scan.bounded.mode": "latest-offset"})
    try:
        job_id = runtime.run(runtime.prepare(_stream(BY_SYMBOL, "from_session"))).job_id
        assert job_id is not None and runtime.wait_for(job_id, 180)
        job = _job(runtime, job_id)
        assert job.state is JobState.DONE, job.error
        assert job.counters.records_in >= RECORDS
        assert job.counters.rows_out >= len(expected)
    finally:
        runtime.close()
    assert set(_rows(broker, "from_session")) == expected


def test_terminate_stops_the_worker_processes_of_a_query(broker: EmbeddedBroker) -> None:
    runtime = _runtime(broker)
    try:
        job_id = runtime.run(runtime.prepare(_stream(BY_SYMBOL, "terminated"))).job_id
        assert job_id is not None
        deadline = time.monotonic() + 120
        while _job(runtime, job_id).counters.records_in == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _job(runtime, job_id).counters.records_in > 0, (
            "the workers report their progress while they run"
        )
        assert _worker_pids("vsql-run-terminated"), "the query runs in worker processes"
        assert runtime.terminate(job_id) == [job_id]
        runtime.wait_for(job_id, 60)
        assert _job(runtime, job_id).state is JobState.TERMINATED
        assert _worker_pids("vsql-run-terminated") == []
    finally:
        runtime.close()


def test_select_with_query_workers_hands_the_workers_rows_over(broker: EmbeddedBroker) -> None:
    expected = _single_process(broker, BY_SYMBOL, "by_symbol_select")
    runtime = _runtime(broker, **{"scan.bounded.mode": "latest-offset"})
    tables: list[pa.Table] = []
    try:
        stats = runtime.run(runtime.prepare(BY_SYMBOL), on_rows=tables.append).counters
    finally:
        runtime.close()
    rows = [tuple(sorted(row.items())) for table in tables for row in table.to_pylist()]
    assert set(rows) == expected
    assert stats is not None and stats.records_in >= RECORDS and stats.rows_out == len(rows)


def test_select_with_query_workers_stops_them_at_its_limit(broker: EmbeddedBroker) -> None:
    runtime = _runtime(broker)
    tables: list[pa.Table] = []
    try:
        stats = runtime.run(runtime.prepare(BY_SYMBOL + " LIMIT 7"), on_rows=tables.append).counters
    finally:
        runtime.close()
    assert sum(table.num_rows for table in tables) == 7
    assert stats is not None and stats.rows_out == 7


def test_unbounded_repartitioned_select_emits_before_its_input_ends(broker: EmbeddedBroker) -> None:
    """The source is keyed by symbol, so each aggregate partition gets rows from some source
    partitions only; the others' progress markers move its watermark (the idle timeout, 30 s by
    default, is longer than the safety timer)."""
    runtime = Runtime(broker=broker, properties={"query.workers": "2"})
    tables: list[pa.Table] = []
    cancel = threading.Event()
    safety = threading.Timer(25, cancel.set)
    safety.start()
    try:
        stats = runtime.run(
            runtime.prepare(BY_SYMBOL + " LIMIT 5"), on_rows=tables.append, cancel=cancel
        ).counters
    finally:
        safety.cancel()
        runtime.close()
    assert not cancel.is_set(), "the LIMIT ended the query, not the safety timer"
    assert sum(table.num_rows for table in tables) == 5
    assert stats is not None and stats.rows_out == 5
    assert stats.watermark_ms is not None and stats.watermark_ms > 0, "the aggregate workers report theirs"
