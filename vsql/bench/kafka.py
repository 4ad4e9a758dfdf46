"""Kafka I/O benchmarks against the embedded broker: producer throughput, and consume throughput
of each consumer tier (decoding included) next to a bare ``consume(num_messages=...)`` loop
measured in the same run, the reference the tiers are judged by.

Run ``python -m vsql.bench.kafka --records 1000000 --repeat 3``. Functions return records per
second so the bench runner can register them as workloads.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa
from confluent_kafka import Consumer

from vsql.datagen import EventSpec, generate
from vsql.engine.settings import ConsumerTier
from vsql.io.kafka.brokers import Broker, EmbeddedBroker
from vsql.io.kafka.config import CONSUMER_DEFAULTS, client_config
from vsql.io.kafka.consumer import DEFAULT_BATCH_SIZE, TopicConsumer

__all__ = ["KafkaBenchResult", "bare_consume_rate", "produce_rate", "run", "tier_consume_rate"]

logger = logging.getLogger(__name__)

_TOPIC = "bench-trades"
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
    """Records/s of a bare ``consume(num_messages=...)`` loop that only counts messages, timed
    from the first message to the last."""
    consumer = Consumer(client_config(CONSUMER_DEFAULTS, broker.consumer_config, {"group.id": group_id}))
    consumer.subscribe([topic])
    seen, started = 0, None
    try:
        while seen < records:
            messages = consumer.consume(DEFAULT_BATCH_SIZE, 1.0)
            if started is None and messages:
                started = time.perf_counter()
            seen += sum(1 for m in messages if m.error() is None)
        assert started is not None
        return seen / (time.perf_counter() - started)
    finally:
        consumer.close()


def tier_consume_rate(
    broker: Broker, topic: str, records: int, *, tier: ConsumerTier, group_id: str
) -> float:
    """Records/s of a ``TopicConsumer`` tier, decoding included, timed from the first batch."""
    with TopicConsumer(
        broker.consumer_config, topic, group_id=group_id, tier=tier, projection=_PROJECTION
    ) as consumer:
        seen, started = 0, None
        while seen < records:
            decoded = consumer.poll(1.0)
            if decoded is None:
                continue
            if started is None:
                started = time.perf_counter()
            seen += decoded.batch.num_rows + decoded.dead_letters.num_rows
        assert started is not None
        return seen / (time.perf_counter() - started)


def run(records: int, *, repeat: int = 3, progress: Callable[[str], None] = logger.info) -> KafkaBenchResult:
    """Produce ``records`` trades into a fresh embedded broker, then measure every consumer."""
    batches = list(generate(EventSpec(count=records, keys=100, start_ms=1_700_000_000_000)))
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
