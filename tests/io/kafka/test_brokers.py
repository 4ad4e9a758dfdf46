"""Brokers: the embedded mock cluster, live clusters reached by address, Kafka in Docker."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

import pytest

from vsql.io.kafka.brokers import (
    BOOTSTRAP_ENV,
    EmbeddedBroker,
    LiveBroker,
    TestcontainersBroker,
    TopicInfo,
    docker_unavailable_reason,
    open_broker,
)
from vsql.io.kafka.config import load_properties, parse_overrides
from vsql.io.kafka.errors import BrokerError
from vsql.io.kafka.producer import JsonProducer


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_embedded_broker_serves_on_a_loopback_address(broker: EmbeddedBroker) -> None:
    host, _, port = broker.bootstrap.rpartition(":")
    assert host == "127.0.0.1"
    with socket.create_connection((host, int(port)), timeout=2):
        pass
    assert broker.client_config == {"bootstrap.servers": broker.bootstrap}


@pytest.mark.parametrize("partitions", [1, 3, 4, 8])
def test_topics_get_the_requested_partition_count(broker: EmbeddedBroker, partitions: int) -> None:
    broker.create_topic(f"parts-{partitions}", partitions)
    assert broker.topics()[f"parts-{partitions}"] == TopicInfo(partitions=partitions, messages=0)


def test_topics_count_retained_messages(broker: EmbeddedBroker, topic_factory: Callable[[int], str]) -> None:
    topic = topic_factory(2)
    producer = JsonProducer(broker.client_config)
    producer.produce_values(topic, [b"{}"] * 7, partitions=[0, 1, 1, 0, 1, 1, 1])
    producer.flush()
    assert broker.topics()[topic] == TopicInfo(partitions=2, messages=7)


def test_creating_an_existing_topic_fails_unless_allowed(
    broker: EmbeddedBroker, topic_factory: Callable[[int], str]
) -> None:
    topic = topic_factory(1)
    with pytest.raises(BrokerError, match="already exists"):
        broker.create_topic(topic, 1)
    broker.create_topic(topic, 1, exist_ok=True)


def test_stopped_embedded_broker_stops_serving() -> None:
    stopped = EmbeddedBroker()
    host, _, port = stopped.bootstrap.rpartition(":")
    stopped.close()
    with pytest.raises(OSError), socket.create_connection((host, int(port)), timeout=2):
        pass
    with pytest.raises(BrokerError, match="closed"):
        stopped.create_topic("late", 1)


def test_embedded_broker_without_mock_api_offers_only_four_partitions() -> None:
    with EmbeddedBroker(use_mock_api=False) as plain:
        plain.create_topic("auto", 4)
        assert plain.topics()["auto"].partitions == 4
        with pytest.raises(BrokerError, match="4-partition"):
            plain.create_topic("other", 2)


def test_unreachable_bootstrap_fails_clearly_within_the_bound() -> None:
    address = f"127.0.0.1:{closed_port()}"
    started = time.monotonic()
    with pytest.raises(BrokerError, match=f"cannot reach the Kafka broker at {address} within 1 s"):
        LiveBroker(address, timeout_s=1.0)
    assert time.monotonic() - started < 5.0


def test_live_broker_reaches_a_running_cluster_with_extra_properties(
    broker: EmbeddedBroker, topic_factory: Callable[[int], str]
) -> None:
    topic = topic_factory(2)
    live = LiveBroker(broker.bootstrap, {"client.id": "vsql-test"}, timeout_s=1.0)
    assert live.client_config == {"client.id": "vsql-test", "bootstrap.servers": broker.bootstrap}
    assert live.topics()[topic] == TopicInfo(partitions=2, messages=0)


def test_mock_broker_implements_no_create_topics_request(broker: EmbeddedBroker) -> None:
    live = LiveBroker(broker.bootstrap, timeout_s=1.0)
    with pytest.raises(BrokerError, match="cannot create topic 'by-admin'"):
        live.create_topic("by-admin", 1)


def test_open_broker_prefers_the_argument_then_the_environment(
    broker: EmbeddedBroker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(BOOTSTRAP_ENV, broker.bootstrap)
    from_env = open_broker()
    assert isinstance(from_env, LiveBroker)
    assert from_env.bootstrap == broker.bootstrap
    monkeypatch.delenv(BOOTSTRAP_ENV)
    embedded = open_broker()
    try:
        assert isinstance(embedded, EmbeddedBroker)
        assert embedded.bootstrap != broker.bootstrap
    finally:
        embedded.close()


def test_properties_files_and_overrides_parse(tmp_path) -> None:
    path = tmp_path / "client.properties"
    path.write_text("# comment\nsecurity.protocol=SASL_SSL\nsasl.mechanism: PLAIN\n\n! other\n")
    assert load_properties(path) == {"security.protocol": "SASL_SSL", "sasl.mechanism": "PLAIN"}
    assert parse_overrides(["a=1", "b = x=y"]) == {"a": "1", "b": "x=y"}


_DOCKER_REASON = docker_unavailable_reason()


@pytest.mark.skipif(_DOCKER_REASON is not None, reason=f"needs a Docker engine: {_DOCKER_REASON}")
def test_testcontainers_broker_runs_kafka_in_docker() -> None:
    with TestcontainersBroker() as docker_broker:
        docker_broker.create_topic("in-docker", 3)
        producer = JsonProducer(docker_broker.client_config)
        producer.produce_values("in-docker", [b'{"a": 1}'] * 5)
        producer.flush()
        assert docker_broker.topics()["in-docker"] == TopicInfo(partitions=3, messages=5)
