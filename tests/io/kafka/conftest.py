"""Shared fixtures (``broker`` comes from ``tests/conftest.py``): unique topic names, small inputs."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pyarrow as pa
import pytest

from vsql.io.kafka.brokers import EmbeddedBroker

_names = itertools.count()


@pytest.fixture
def topic_factory(broker: EmbeddedBroker) -> Callable[[int], str]:
    """Creates a fresh topic with the given partition count and returns its name."""

    def create(partitions: int = 1) -> str:
        name = f"topic-{next(_names)}"
        broker.create_topic(name, partitions)
        return name

    return create


@pytest.fixture
def trades_factory() -> Callable[[int], pa.RecordBatch]:
    """``count`` trades with keys, timestamps from 1000 ms, prices and quantities."""

    def build(count: int) -> pa.RecordBatch:
        return pa.record_batch(
            {
                "_key": [f"K{i % 5}" for i in range(count)],
                "_timestamp": pa.array([1_000 + i for i in range(count)], pa.int64()),
                "symbol": [f"S{i % 3}" for i in range(count)],
                "price": [10.0 + i / 4 for i in range(count)],
                "qty": list(range(count)),
            }
        )

    return build
