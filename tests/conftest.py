"""Fixtures shared by every test package: one embedded broker per test module, and topics filled
with generated trades."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import pytest

from vsql.datagen import EventSpec, generate
from vsql.io.kafka.brokers import EmbeddedBroker
from vsql.io.kafka.producer import JsonProducer

_names = itertools.count()


@pytest.fixture(scope="module")
def broker() -> Iterator[EmbeddedBroker]:
    """An embedded Kafka broker (librdkafka's mock cluster) for the tests of one module."""
    with EmbeddedBroker() as started:
        yield started


@pytest.fixture
def filled_topic(broker: EmbeddedBroker) -> Callable[[int], str]:
    """A fresh 2-partition topic holding ``count`` trades over 5 symbols, event times from 1000 ms."""

    def fill(count: int) -> str:
        topic = f"trades_{next(_names)}"
        broker.create_topic(topic, 2)
        producer = JsonProducer(broker.client_config)
        for batch in generate(EventSpec(count=count, keys=5, seed=3, start_ms=1_000)):
            producer.produce_batch(topic, batch, key_column="symbol")
        producer.flush()
        return topic

    return fill
