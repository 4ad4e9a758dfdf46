"""Shared fixtures of runtime tests (``broker`` is in ``tests/conftest.py``): fresh topics, a reader."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from confluent_kafka import Consumer, TopicPartition

from vsql.io.kafka.brokers import EmbeddedBroker
from vsql.io.kafka.producer import JsonProducer

_names = itertools.count()


@dataclass(frozen=True)
class Message:
    """A message read back from a topic."""

    partition: int
    key: str | None
    value: bytes | None
    timestamp_ms: int
    headers: dict[str, bytes]

    @property
    def fields(self) -> dict | None:
        """The JSON value as a dict, None for a tombstone."""
        return None if self.value is None else json.loads(self.value)


@pytest.fixture
def topic_factory(broker: EmbeddedBroker) -> Callable[..., str]:
    """Creates a fresh topic holding the given values (partition -> JSON objects or raw bytes) and
    returns its name. Message keys are ``k<i>``; an object's ``ts`` field is its message timestamp."""

    def create(partitions: int = 1, values: dict[int, list[dict | bytes]] | None = None) -> str:
        name = f"topic_{next(_names)}"
        broker.create_topic(name, partitions)
        producer = JsonProducer(broker.client_config)
        for partition, items in (values or {}).items():
            encoded = [item if isinstance(item, bytes) else json.dumps(item).encode() for item in items]
            producer.produce_values(
                name,
                encoded,
                keys=[f"k{i}" for i in range(len(items))],
                timestamps=[item.get("ts", 0) if isinstance(item, dict) else 0 for item in items],
                partitions=[partition] * len(items),
            )
        producer.flush()
        return name

    return create


@pytest.fixture
def read_topic(broker: EmbeddedBroker) -> Callable[[str], list[Message]]:
    """Every message a topic holds now, partition by partition, in offset order."""

    def read(topic: str) -> list[Message]:
        consumer = Consumer({**broker.consumer_config, "group.id": f"reader-{next(_names)}"})
        try:
            count = len(consumer.list_topics(topic, timeout=10).topics[topic].partitions)
            messages = []
            for partition in range(count):
                low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
                if high <= low:
                    continue
                consumer.assign([TopicPartition(topic, partition, low)])
                for _ in range(high - low):
                    found = consumer.poll(5.0)
                    assert found is not None, f"partition {partition} of {topic} did not deliver"
                    assert found.error() is None, found.error()
                    key = found.key()
                    messages.append(
                        Message(
                            partition=partition,
                            key=None if key is None else key.decode(),
                            value=found.value(),
                            timestamp_ms=found.timestamp()[1],
                            headers=dict(found.headers() or []),
                        )
                    )
            return messages
        finally:
            consumer.close()

    return read
