"""Replaying a scenario through Kafka: its inputs are produced into a fresh embedded broker and the
query reads them back through the consumer path, exactly as a live query would.

Each input line becomes one message: the value is the JSON object as written (its ``_timestamp``
stays in the value, which the decoder prefers, since librdkafka cannot send a message timestamp
of 0), the key is ``_key``, the partition ``_partition`` (else the key's murmur2 partition, else
0), and raw lines go in as they are.
"""

from __future__ import annotations

from collections.abc import Sequence

import orjson

from vsql.engine.columns import KEY, PARTITION, TIMESTAMP
from vsql.engine.sql.plan import LogicalPlan
from vsql.io.formats.decoder import Format, message_decoder
from vsql.io.kafka.brokers import EmbeddedBroker
from vsql.io.kafka.consumer import TopicConsumer
from vsql.io.kafka.producer import JsonProducer
from vsql.runtime.counters import Counters
from vsql.runtime.run import run_query
from vsql.runtime.sinks import CallbackSink
from vsql.runtime.sources import KafkaSource

__all__ = ["replay_through_kafka"]


def _metadata(line: bytes) -> tuple[str | None, int, int]:
    """Key, partition and message timestamp of one input line (raw lines: none, 0, 0)."""
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None, 0, 0
    if not isinstance(record, dict):
        return None, 0, 0
    timestamp = record.get(TIMESTAMP)
    return record.get(KEY), int(record.get(PARTITION) or 0), timestamp if isinstance(timestamp, int) else 0


def replay_through_kafka(
    plan: LogicalPlan, lines: Sequence[bytes], *, partitions: int, finish: bool, on_rows: CallbackSink
) -> Counters:
    """Produce ``lines`` to the plan's source topic on a new embedded broker and run the plan over
    it until caught up with the topic's end.

    Args:
        plan: the compiled query.
        lines: the input, one message per line, in order.
        partitions: the topic's partition count.
        finish: close every window at the end (``end_of_input: flush``).
        on_rows: where result rows go.
    """
    broker = EmbeddedBroker()
    try:
        topic = plan.settings.topic_of(plan.source.name)
        broker.create_topic(topic, partitions)
        producer = JsonProducer(broker.client_config)
        metadata = [_metadata(line) for line in lines]
        producer.produce_values(
            topic,
            list(lines),
            keys=[key for key, _, _ in metadata],
            partitions=[partition for _, partition, _ in metadata],
            timestamps=[timestamp for _, _, timestamp in metadata],
        )
        producer.flush()
        consumer = TopicConsumer(
            broker.consumer_config,
            topic,
            group_id="vsql-scenario",
            decoder=message_decoder(Format.JSON, projection=plan.input_columns),
        )
        source = KafkaSource(consumer, until_caught_up=True)
        try:
            return run_query(plan, source, sink=on_rows, finish=finish)
        finally:
            source.close()
    finally:
        broker.close()
