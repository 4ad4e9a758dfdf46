"""Kafka I/O benchmarks against the embedded broker: producer throughput, and consume throughput
of each consumer tier (decoding included) next to a bare ``consume(num_messages=...)`` loop
measured in the same run, the reference the tiers are judged by.

Run ``python -m vsql.bench.kafka --records 1000000 --repeat 3``. Functions return records per
second so the bench runner can register them as workloads.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Self

import pyarrow as pa
from confluent_kafka import Consumer

from vsql.bench.measure import Measurement
from vsql.bench.workers import produce_trades, time_workers
from vsql.bench.workloads import BARE_CONSUME, ONE_WORKER, Workload
from vsql.datagen import EventSpec, generate
from vsql.engine.settings import ConsumerTier
from vsql.engine.sql.statements import compile_query
from vsql.io.formats.decoded import Decoded
from vsql.io.formats.decoder import Format, message_decoder
from vsql.io.kafka.brokers import Broker, EmbeddedBroker
from vsql.io.kafka.config import CONSUMER_DEFAULTS, client_config
from vsql.io.kafka.consumer import DEFAULT_BATCH_SIZE, TopicConsumer
from vsql.runtime.run import run_query
from vsql.runtime.sinks import CallbackSink
from vsql.runtime.sources import KafkaSource

__all__ = ["KafkaBenchResult", "KafkaInputs", "bare_consume_rate", "produce_rate", "run", "tier_consume_rate"]

logger = logging.getLogger(__name__)

_TOPIC = "bench_trades"
_PARTITIONS = 16
_PROJECTION = ("symbol", "price", "qty", "side")


@dataclass(frozen=True)
class KafkaBenchResult:
    """Records per second of each measurement (best of the repeats)."""

    records: int
    produce: float
    bare: float
    tiers: dict[str, float]


def produce_rate(broker: Broker, topic: str, batches: list[pa.RecordBatch]) -> float:
    """Records/s of ``JsonProducer`` over ready Arrow batches (JSON encoding and flush included)."""
    from vsql.io.kafka.producer import JsonProducer  # noqa: PLC0415

    producer = JsonProducer(broker.client_config)
    started = time.perf_counter()
    count = sum(producer.produce_batch(topic, batch, key_column="symbol") for batch in batches)
    producer.flush()
    return count / (time.perf_counter() - started)


def bare_consume_rate(broker: Broker, topic: str, records: int, *, group_id: str) -> float:
    """Records/s of a bare ``consume(num_messages=...)`` loop that only counts messages."""
    return _rate(_bare_consume(broker, topic, records, group_id=group_id))


def _rate(timed: tuple[int, float]) -> float:
    return timed[0] / timed[1] if timed[1] > 0 else float("inf")


def _after_first(seen: int, first: int, started: float, begun: float) -> tuple[int, float]:
    """Records read after the first batch and their seconds; when the first batch held them all
    (tiny runs), every record and the time from the first request."""
    if seen > first:
        return seen - first, time.perf_counter() - started
    return seen, time.perf_counter() - begun


def _bare_consume(broker: Broker, topic: str, records: int, *, group_id: str) -> tuple[int, float]:
    """Records read after the first batch, and the seconds they took (the first batch waits for
    the group to form, so the clock starts when it has been handled)."""
    consumer = Consumer(client_config(CONSUMER_DEFAULTS, broker.consumer_config, {"group.id": group_id}))
    consumer.subscribe([topic])
    seen, first, started, begun = 0, 0, 0.0, time.perf_counter()
    try:
        while seen < records:
            messages = consumer.consume(DEFAULT_BATCH_SIZE, 1.0)
            seen += sum(1 for m in messages if m.error() is None)
            if not first and seen:
                first, started = seen, time.perf_counter()
        return _after_first(seen, first, started, begun)
    finally:
        consumer.close()


def tier_consume_rate(
    broker: Broker, topic: str, records: int, *, tier: ConsumerTier, group_id: str
) -> float:
    """Records/s of a ``TopicConsumer`` tier, decoding included."""
    return _rate(_tier_consume(broker, topic, records, tier=tier, group_id=group_id))


def _tier_consume(
    broker: Broker, topic: str, records: int, *, tier: ConsumerTier, group_id: str
) -> tuple[int, float]:
    """Like ``_bare_consume``, through a ``TopicConsumer`` tier, decoding included."""
    with TopicConsumer(
        broker.consumer_config,
        topic,
        group_id=group_id,
        decoder=message_decoder(Format.JSON, projection=_PROJECTION),
        tier=tier,
    ) as consumer:
        seen, first, started, begun = 0, 0, 0.0, time.perf_counter()
        while seen < records:
            decoded = consumer.poll(1.0)
            if decoded is None:
                continue
            seen += decoded.batch.num_rows + decoded.dead_letters.num_rows
            if not first and seen:
                first, started = seen, time.perf_counter()
        return _after_first(seen, first, started, begun)


def _query(broker: Broker, topic: str, records: int, *, sql: str, group_id: str) -> tuple[int, float]:
    """Like ``_bare_consume``, running ``sql`` with ``run_query`` (buffered tier, results to a
    no-op sink, commits and the end of input included)."""
    plan = compile_query(sql.replace("FROM trades", f"FROM {topic}"))
    consumer = TopicConsumer(
        broker.consumer_config,
        topic,
        group_id=group_id,
        decoder=message_decoder(Format.JSON, projection=plan.input_columns),
    )
    source = _TimedSource(KafkaSource(consumer, until_caught_up=True))
    begun = time.perf_counter()
    try:
        stats = run_query(plan, source, sink=CallbackSink(lambda _: None))
    finally:
        source.close()
    if stats.records_in != records:
        raise RuntimeError(f"the query read {stats.records_in} of {records} records")
    return _after_first(records, source.first_count, source.started, begun)


class _TimedSource:
    """A Kafka source that notes when the run loop has handled its first batch."""

    def __init__(self, source: KafkaSource) -> None:
        self._source = source
        self.first_count = 0
        self.started = 0.0

    @property
    def expired_count(self) -> int:
        return self._source.expired_count

    @property
    def status(self) -> str:
        return self._source.status

    def batches(self) -> Iterator[Decoded | None]:
        for decoded in self._source.batches():
            yield decoded
            if decoded is not None and not self.first_count:
                self.first_count = decoded.batch.num_rows + decoded.dead_letters.num_rows
                self.started = time.perf_counter()

    def commit(self, offsets: Mapping[int, int], *, watermark_ms: int | None) -> None:
        self._source.commit(offsets, watermark_ms=watermark_ms)

    def resume_watermark(self) -> int | None:
        return self._source.resume_watermark()

    def waiting_partitions(self) -> list[int] | None:
        return self._source.waiting_partitions()

    def lag(self) -> dict[int, int]:
        return self._source.lag()

    def close(self) -> None:
        self._source.close()


class KafkaInputs:
    """An embedded broker holding generated trades for the bench runner's Kafka workloads: one
    topic per record count, produced once; every measurement reads it in a fresh group."""

    def __init__(self) -> None:
        self._broker = EmbeddedBroker()
        self._topics: dict[int, str] = {}
        self._worker_topics: dict[int, str] = {}
        self._groups = itertools.count()

    @property
    def broker(self) -> Broker:
        """The embedded broker, for other clients reading the same topics (bench peers)."""
        return self._broker

    def topic(self, records: int) -> str:
        """The topic holding ``records`` trades (produced on first use).

        Raises:
            RuntimeError: the broker did not retain every record.
        """
        if records not in self._topics:
            name = f"{_TOPIC}_{records}"
            self._broker.create_topic(name, _PARTITIONS)
            produce_rate(self._broker, name, _trades(records))
            retained = self._broker.topics()[name].messages
            if retained != records:
                raise RuntimeError(f"the broker retained {retained} of {records} records")
            self._topics[records] = name
        return self._topics[records]

    def measure(self, work: Workload, records: int) -> Measurement:
        """Time a Kafka workload over ``records`` trades."""
        if work.workers is not None:
            return self._measure_workers(records, work.workers)
        topic, group = self.topic(records), f"{work.name}-{next(self._groups)}"
        if work.tier is None:
            timed = _query(self._broker, topic, records, sql=work.sql, group_id=group)
        else:
            timed = _tier_consume(self._broker, topic, records, tier=ConsumerTier(work.tier), group_id=group)
        return _measured(timed)

    def measure_reference(self, reference: str, records: int) -> Measurement:
        """Time a Kafka reference: the bare ``consume(num_messages=...)`` loop over the same topic
        (``BARE_CONSUME``), or the worker query with one worker (``ONE_WORKER``)."""
        if reference == ONE_WORKER:
            return self._measure_workers(records, 1)
        if reference != BARE_CONSUME:
            raise ValueError(f"unknown Kafka reference {reference!r}")
        topic, group = self.topic(records), f"bare-{next(self._groups)}"
        return _measured(_bare_consume(self._broker, topic, records, group_id=group))

    def _measure_workers(self, records: int, workers: int) -> Measurement:
        """The parallel phase of a run by ``workers`` worker processes over an 8-partition topic;
        the whole run's wall time when it has none (a tiny run)."""
        if records not in self._worker_topics:
            self._worker_topics[records] = f"{_TOPIC}_workers_{records}"
            produce_trades(self._broker, self._worker_topics[records], records)
        run = time_workers(self._broker, self._worker_topics[records], workers=workers)
        if run.is_steady:
            return _measured((run.records, run.seconds))
        return _measured((records, run.wall_s))

    def close(self) -> None:
        """Stop the broker."""
        self._broker.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _measured(timed: tuple[int, float]) -> Measurement:
    return Measurement(records=timed[0], seconds=timed[1], batch_latency_ms=(0.0, 0.0, 0.0))


def _trades(records: int) -> list[pa.RecordBatch]:
    return list(generate(EventSpec(count=records, keys=100, start_ms=1_700_000_000_000)))


def run(records: int, *, repeat: int = 3, progress: Callable[[str], None] = logger.info) -> KafkaBenchResult:
    """Produce ``records`` trades into a fresh embedded broker, then measure every consumer."""
    batches = _trades(records)
    with EmbeddedBroker() as broker:
        produce_best = 0.0
        for attempt in range(repeat):
            topic = f"{_TOPIC}-{attempt}"
            broker.create_topic(topic, _PARTITIONS)
            produce_best = max(produce_best, produce_rate(broker, topic, batches))
            progress(f"produce: {produce_best:,.0f} records/s")
        retained = broker.topics()[topic].messages
        if retained != records:
            raise RuntimeError(f"the broker retained {retained} of {records} records: use more partitions")
        bare_best, tier_best = 0.0, dict.fromkeys((t.value for t in ConsumerTier), 0.0)
        for attempt in range(repeat):
            bare_best = max(bare_best, bare_consume_rate(broker, topic, records, group_id=f"bare-{attempt}"))
            for tier in ConsumerTier:
                rate = tier_consume_rate(
                    broker, topic, records, tier=tier, group_id=f"{tier.value}-{attempt}"
                )
                tier_best[tier.value] = max(tier_best[tier.value], rate)
            progress(
                f"consume round {attempt + 1}: bare {bare_best:,.0f}, "
                + ", ".join(f"{name} {rate:,.0f}" for name, rate in tier_best.items())
            )
    return KafkaBenchResult(records=records, produce=produce_best, bare=bare_best, tiers=tier_best)


def main(argv: list[str] | None = None) -> int:
    """``python -m vsql.bench.kafka``: print the figures as a table."""
    parser = argparse.ArgumentParser(prog="python -m vsql.bench.kafka", description=__doc__)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("vsql.io.kafka").setLevel(logging.WARNING)
    result = run(args.records, repeat=args.repeat)
    out = sys.stdout
    out.write(f"records: {result.records:,}\n")
    out.write(f"{'measure':<12}{'records/s':>14}{'bare/x':>9}\n")
    out.write(f"{'produce':<12}{result.produce:>14,.0f}{'':>9}\n")
    out.write(f"{'bare':<12}{result.bare:>14,.0f}{1.0:>9.2f}\n")
    for name, rate in result.tiers.items():
        out.write(f"{name:<12}{rate:>14,.0f}{result.bare / rate:>9.2f}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
