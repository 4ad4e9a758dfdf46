"""Partitions and time through Kafka: each partition has its own watermark, the query's is the
minimum, so a lagging partition holds windows open until it delivers; ``watermark.idle_timeout``
(processing time) releases a partition that stopped delivering."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator

import pyarrow as pa
import pytest

from vsql.datagen import EventSpec, generate
from vsql.engine.sql.statements import compile_query
from vsql.io.formats.json import JsonDecoder
from vsql.io.kafka.brokers import EmbeddedBroker
from vsql.io.kafka.consumer import TopicConsumer
from vsql.io.kafka.errors import BrokerError
from vsql.io.kafka.producer import JsonProducer
from vsql.runtime import Counters, Runtime
from vsql.runtime.run import run_query
from vsql.runtime.sinks import CallbackSink
from vsql.runtime.sources import KafkaSource

QUERY = (
    "SELECT symbol, COUNT(*) AS n, _window_start AS ws FROM {topic} "
    "GROUP BY symbol WINDOW TUMBLING(ts, 1s) EMIT FINAL"
)
LEADING = {0: "A", 1: "B", 2: "C"}
"""Partitions that advance to 3.5 s; partition 3 (symbol D) delivers one row at 0.5 s, then lags."""


def _trade(symbol: str, ts: int) -> dict:
    return {"symbol": symbol, "ts": ts}


@pytest.fixture
def lagging_topic(topic_factory: Callable[..., str]) -> str:
    values = {p: [_trade(symbol, ts) for ts in (500, 1_500, 2_500, 3_500)] for p, symbol in LEADING.items()}
    return topic_factory(4, {**values, 3: [_trade("D", 500)]})


class _Running:
    """A continuous query in a thread, collecting its rows and its latest stats."""

    def __init__(self, runtime: Runtime, statement: str) -> None:
        self.rows: list[dict] = []
        self.stats = Counters()
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(runtime, statement))
        self._thread.start()

    def _run(self, runtime: Runtime, statement: str) -> None:
        runtime.run(
            runtime.prepare(statement),
            on_rows=self._collect,
            cancel=self._cancel,
            on_progress=self._observe,
            progress_interval_s=0.0,
        )

    def _collect(self, table: pa.Table) -> None:
        self.rows += table.to_pylist()

    def _observe(self, stats: Counters) -> None:
        self.stats = stats

    def wait_for(self, condition: Callable[[], bool], *, timeout_s: float = 15.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not condition():
            assert self._thread.is_alive(), "the query ended"
            assert time.monotonic() < deadline, f"timed out; rows {self.rows}, stats {self.stats}"
            time.sleep(0.02)

    def wait_for_rows(self, count: int) -> None:
        """Until ``count`` rows arrived and the counters reported after them (rows reach the sink
        before the loop reports its counters)."""
        self.wait_for(lambda: len(self.rows) == count and self.stats.rows_out == count)

    def stop(self) -> None:
        self._cancel.set()
        self._thread.join(10)
        assert not self._thread.is_alive()


@pytest.fixture
def start(broker: EmbeddedBroker) -> Iterator[Callable[..., _Running]]:
    started: list[_Running] = []

    def run(topic: str, **properties: str) -> _Running:
        runtime = Runtime(broker=broker, properties=properties)
        started.append(_Running(runtime, QUERY.format(topic=topic)))
        return started[-1]

    yield run
    for running in started:
        running.stop()


def _produce(broker: EmbeddedBroker, topic: str, partition: int, trade: dict) -> None:
    producer = JsonProducer(broker.client_config)
    producer.produce_values(topic, [json.dumps(trade).encode()], partitions=[partition])
    producer.flush()


def _windows(rows: list[dict]) -> list[tuple[int, str, int]]:
    return [(row["ws"], row["symbol"], row["n"]) for row in rows]


def test_lagging_partition_holds_windows_open_until_it_delivers(
    broker: EmbeddedBroker, lagging_topic: str, start: Callable[..., _Running]
) -> None:
    running = start(lagging_topic)
    running.wait_for(lambda: running.stats.records_in == 13)
    assert running.rows == []
    assert running.stats.watermark_ms == 500

    _produce(broker, lagging_topic, 3, _trade("D", 2_500))
    running.wait_for_rows(7)
    assert _windows(running.rows) == [
        (0, "A", 1),
        (0, "B", 1),
        (0, "C", 1),
        (0, "D", 1),
        (1_000, "A", 1),
        (1_000, "B", 1),
        (1_000, "C", 1),
    ]
    assert running.stats.watermark_ms == 2_500


class _Ticker:
    """Keeps the leading partitions delivering rows of the still-open window at 3.5 s, as live
    partitions do, while partition 3 stays silent."""

    def __init__(self, broker: EmbeddedBroker, topic: str) -> None:
        self._producer = JsonProducer(broker.client_config)
        self._topic = topic
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            values = [json.dumps(_trade(symbol, 3_500)).encode() for symbol in LEADING.values()]
            self._producer.produce_values(self._topic, values, partitions=list(LEADING))
            self._producer.flush()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)


def test_idle_partition_stops_holding_the_watermark_after_the_idle_timeout(
    broker: EmbeddedBroker, lagging_topic: str, start: Callable[..., _Running]
) -> None:
    running = start(lagging_topic, **{"watermark.idle_timeout": "500ms"})
    running.wait_for(lambda: running.stats.records_in >= 13)
    ticker = _Ticker(broker, lagging_topic)
    try:
        running.wait_for_rows(10)
    finally:
        ticker.stop()
    assert _windows(running.rows) == [
        (0, "A", 1),
        (0, "B", 1),
        (0, "C", 1),
        (0, "D", 1),
        *((ws, symbol, 1) for ws in (1_000, 2_000) for symbol in "ABC"),
    ]
    assert running.stats.watermark_ms == 3_500
    assert running.stats.late_count == 0

    _produce(broker, lagging_topic, 3, _trade("D", 1_200))
    running.wait_for(lambda: running.stats.late_count == 1)
    assert running.stats.dead_letter_count == 1
    assert len(running.rows) == 10


def test_query_fails_with_a_clear_error_when_the_broker_disappears() -> None:
    broker = EmbeddedBroker()
    broker.create_topic("vanishing", 1)
    producer = JsonProducer(broker.client_config)
    for batch in generate(EventSpec(count=500, seed=1)):
        producer.produce_batch("vanishing", batch)
    producer.flush()
    consumer = TopicConsumer(broker.consumer_config, "vanishing", group_id="lost", decoder=JsonDecoder())
    source = KafkaSource(consumer, until_caught_up=False, broker_timeout_s=2.0)
    statuses: list[str] = []

    def close_broker_after_first_rows(stats: Counters) -> None:
        statuses.append(stats.source_status)
        if stats.records_in and broker is not None and len(statuses) == 1:
            broker.close()

    plan = compile_query("SELECT COUNT(*) AS n FROM vanishing EMIT FINAL")
    started = time.monotonic()
    with pytest.raises(BrokerError, match="lost the Kafka broker"):
        run_query(
            plan, source, sink=CallbackSink(lambda rows: None), on_progress=close_broker_after_first_rows
        )
    assert time.monotonic() - started < 20
    assert any(status.startswith("retrying") for status in statuses)
    source.close()
