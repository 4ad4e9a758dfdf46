"""Client properties: layering, and librdkafka's log routed through Python logging."""

from __future__ import annotations

import logging

import pytest

from vsql.io.kafka.brokers import EmbeddedBroker
from vsql.io.kafka.config import client_config
from vsql.io.kafka.producer import JsonProducer


def test_later_layers_win_and_the_logging_hooks_are_set() -> None:
    merged = client_config({"a": "1", "b": "1"}, {"b": "2"})
    assert merged["a"] == "1" and merged["b"] == "2"
    assert isinstance(merged["logger"], logging.Logger)
    assert callable(merged["error_cb"])


def test_a_consumer_property_given_to_a_producer_logs_no_warning(caplog: pytest.LogCaptureFixture) -> None:
    with EmbeddedBroker() as broker, caplog.at_level(logging.DEBUG, logger="vsql.io.kafka.librdkafka"):
        producer = JsonProducer({**broker.client_config, "session.timeout.ms": "1500", "client.id": "x"})
        producer.flush()
    assert not [record for record in caplog.records if "CONFWARN" in record.getMessage()]


def test_other_client_warnings_still_reach_the_log(caplog: pytest.LogCaptureFixture) -> None:
    client_logger = logging.getLogger("vsql.io.kafka.librdkafka")
    with caplog.at_level(logging.WARNING, logger="vsql.io.kafka.librdkafka"):
        client_logger.warning("CONFWARN [rdkafka#producer-1] [thrd:app]: something else is wrong")
    assert "something else is wrong" in caplog.text
