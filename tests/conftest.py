"""Fixtures shared by every test package: one embedded broker per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from vsql.io.kafka.brokers import EmbeddedBroker


@pytest.fixture(scope="module")
def broker() -> Iterator[EmbeddedBroker]:
    """An embedded Kafka broker (librdkafka's mock cluster) for the tests of one module."""
    with EmbeddedBroker() as started:
        yield started
