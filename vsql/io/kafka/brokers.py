"""Where vsql's topics live: an embedded mock broker, a live cluster, or Kafka in Docker.

Every broker gives clients the same things: a bootstrap address, client properties, topic
creation and a topic listing. ``open_broker`` picks one from the command line's choices.

The embedded broker is librdkafka's mock cluster (see ``mock.py`` and the README's "Kafka"
section for what it does not do: no durability, no CreateTopics/DescribeConfigs/DeleteTopics, at
most 5 MiB or 100,000 batches per partition with older batches dropped silently, auto-created
topics always get 4 partitions).
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping
from typing import Any, Protocol, Self

from confluent_kafka import KafkaException, Producer

from vsql.io.kafka.admin import DEFAULT_TIMEOUT_S, TopicAdmin, TopicInfo
from vsql.io.kafka.config import client_config
from vsql.io.kafka.errors import BrokerError
from vsql.io.kafka.mock import MockApiUnavailableError, MockCluster

__all__ = [
    "BOOTSTRAP_ENV",
    "EMBEDDED_CONSUMER_TUNING",
    "MOCK_AUTO_CREATE_PARTITIONS",
    "Broker",
    "EmbeddedBroker",
    "LiveBroker",
    "TestcontainersBroker",
    "TopicInfo",
    "docker_unavailable_reason",
    "ensure_topic",
    "open_broker",
]

logger = logging.getLogger(__name__)

BOOTSTRAP_ENV = "VSQL_BOOTSTRAP"
MOCK_AUTO_CREATE_PARTITIONS = 4
DEFAULT_KAFKA_IMAGE = "confluentinc/cp-kafka:7.6.0"

EMBEDDED_CONSUMER_TUNING: dict[str, str] = {
    "session.timeout.ms": "1500",
    "heartbeat.interval.ms": "250",
}
"""Consumer settings for the mock broker. When a member leaves, the mock holds the next rebalance
for the leaver's session timeout minus 1 s (44 s with the 45 s default, measured): a short session
timeout lets a restarted consumer rejoin within half a second."""


class Broker(Protocol):
    """A Kafka cluster vsql can produce to and consume from.

    Attributes:
        bootstrap: ``host:port`` list for ``bootstrap.servers``.
    """

    bootstrap: str

    @property
    def client_config(self) -> dict[str, str]:
        """Properties every client needs (``bootstrap.servers``, security settings)."""
        ...

    @property
    def consumer_config(self) -> dict[str, str]:
        """``client_config`` plus consumer settings this broker needs."""
        ...

    def create_topic(self, name: str, partitions: int = 1, *, exist_ok: bool = False) -> None:
        """Create a topic with ``partitions`` partitions.

        Raises:
            BrokerError: it exists (unless ``exist_ok``) or the broker refused.
        """
        ...

    def topics(self) -> dict[str, TopicInfo]:
        """The user topics by name, with partition and retained-message counts."""
        ...

    def close(self) -> None:
        """Release the broker (stop it when vsql started it). Idempotent."""
        ...


class _AdminBacked:
    """Shared behaviour of brokers reached through the Kafka protocol's admin requests."""

    bootstrap: str
    _extra: dict[str, str]
    _admin: TopicAdmin

    @property
    def client_config(self) -> dict[str, str]:
        return {**self._extra, "bootstrap.servers": self.bootstrap}

    @property
    def consumer_config(self) -> dict[str, str]:
        return self.client_config

    def topics(self) -> dict[str, TopicInfo]:
        return self._admin.describe()

    def create_topic(self, name: str, partitions: int = 1, *, exist_ok: bool = False) -> None:
        _check_created(self._admin.create(name, partitions), name, exist_ok=exist_ok)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()  # type: ignore[attr-defined]


class EmbeddedBroker(_AdminBacked):
    """librdkafka's mock cluster in this process, serving the Kafka protocol on loopback.

    Other processes can use it while this object is alive (``vsql broker`` keeps one running).

    Args:
        timeout_s: bound of admin requests, in seconds.
        use_mock_api: create topics with any partition count through librdkafka's mock C API
            (the default); False starts the cluster with a plain confluent-kafka client, where
            only auto-created 4-partition topics are available.

    Raises:
        BrokerError: the cluster cannot start.
    """

    def __init__(self, *, timeout_s: float = DEFAULT_TIMEOUT_S, use_mock_api: bool = True) -> None:
        self._extra = {}
        self._cluster: MockCluster | None = None
        self._owner: Producer | None = None
        if use_mock_api:
            try:
                self._cluster = MockCluster()
            except MockApiUnavailableError as error:
                logger.warning("%s; topics will have %d partitions", error, MOCK_AUTO_CREATE_PARTITIONS)
        if self._cluster is not None:
            self.bootstrap = self._cluster.bootstrap
        else:
            self._owner = Producer(client_config({"test.mock.num.brokers": "1"}))
            self.bootstrap = _bootstrap_from_metadata(self._owner, timeout_s=timeout_s)
        self._admin = TopicAdmin(self.client_config, timeout_s=timeout_s)
        logger.info("embedded broker at %s", self.bootstrap)

    @property
    def consumer_config(self) -> dict[str, str]:
        return {**self.client_config, **EMBEDDED_CONSUMER_TUNING}

    def create_topic(self, name: str, partitions: int = 1, *, exist_ok: bool = False) -> None:
        if self._cluster is not None:
            _check_created(self._cluster.create_topic(name, partitions), name, exist_ok=exist_ok)
            return
        if partitions != MOCK_AUTO_CREATE_PARTITIONS:
            raise BrokerError(
                f"cannot create topic '{name}' with {partitions} partitions: without librdkafka's mock "
                f"API the embedded broker only auto-creates {MOCK_AUTO_CREATE_PARTITIONS}-partition topics"
            )
        existed = self._admin.partitions(name) is not None
        assert self._owner is not None
        self._owner.list_topics(name, timeout=DEFAULT_TIMEOUT_S)
        _check_created(not existed, name, exist_ok=exist_ok)

    def close(self) -> None:
        if self._cluster is not None:
            self._cluster.close()
        self._owner = None


class LiveBroker(_AdminBacked):
    """A running Kafka cluster, reached at ``bootstrap`` with optional extra properties.

    Args:
        bootstrap: ``host:port[,host:port...]``.
        extra_config: librdkafka properties for every client (SASL, SSL, ...), passed through.
        timeout_s: bound of the reachability probe and of admin requests, in seconds.

    Raises:
        BrokerError: the cluster does not answer within ``timeout_s``.
    """

    def __init__(
        self,
        bootstrap: str,
        extra_config: Mapping[str, str] | None = None,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self.bootstrap = bootstrap
        self._extra = {k: v for k, v in (extra_config or {}).items() if k != "bootstrap.servers"}
        self._admin = TopicAdmin(self.client_config, timeout_s=timeout_s)
        self._admin.probe()

    def close(self) -> None:
        """Nothing to release: the cluster is not vsql's."""


class TestcontainersBroker(_AdminBacked):
    """Kafka (KRaft mode) in a Docker container started with testcontainers (``vsql[docker]``).

    Args:
        image: the Kafka image.
        timeout_s: bound of admin requests, in seconds.

    Raises:
        BrokerError: testcontainers is not installed or the container cannot start.
    """

    __test__ = False

    def __init__(self, *, image: str = DEFAULT_KAFKA_IMAGE, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        try:
            from testcontainers.kafka import KafkaContainer  # noqa: PLC0415 - optional extra
        except ImportError as error:
            raise BrokerError(
                "--testcontainers needs the docker extra: pip install 'vsql[docker]'"
            ) from error
        reason = docker_unavailable_reason()
        if reason is not None:
            raise BrokerError(f"cannot start Kafka in Docker: {reason}")
        self._extra = {}
        try:
            self._container: Any = KafkaContainer(image).with_kraft().start()
            self.bootstrap = self._container.get_bootstrap_server()
        except Exception as error:  # testcontainers raises docker's and its own errors
            raise BrokerError(f"cannot start Kafka in Docker ({image}): {error}") from error
        self._admin = TopicAdmin(self.client_config, timeout_s=timeout_s)

    def close(self) -> None:
        container, self._container = self._container, None
        if container is not None:
            container.stop()


def open_broker(
    *,
    bootstrap: str | None = None,
    extra_config: Mapping[str, str] | None = None,
    testcontainers: bool = False,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> Broker:
    """The broker the user asked for: ``--testcontainers``, else ``--bootstrap``, else the
    ``VSQL_BOOTSTRAP`` environment variable, else a new embedded broker.

    Raises:
        BrokerError: the broker cannot be started or reached within ``timeout_s``.
    """
    if testcontainers:
        return TestcontainersBroker(timeout_s=timeout_s)
    address = bootstrap or os.environ.get(BOOTSTRAP_ENV)
    if address:
        return LiveBroker(address, extra_config, timeout_s=timeout_s)
    return EmbeddedBroker(timeout_s=timeout_s)


def ensure_topic(broker: Broker, topic: str, *, partitions: int = 1) -> None:
    """Create the topic when missing. A broker that cannot create topics (another process's
    embedded broker) auto-creates it on the first produce, with its default partition count: that
    is logged as a warning, not raised."""
    try:
        broker.create_topic(topic, partitions, exist_ok=True)
    except BrokerError as error:
        logger.warning("%s; producing anyway (the broker may auto-create the topic)", error)


def docker_unavailable_reason(*, timeout_s: float = 3.0) -> str | None:
    """None when a Docker engine answers, else why not (for messages and test skips)."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    try:
        if host.startswith("unix://"):
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                probe.settimeout(timeout_s)
                probe.connect(host.removeprefix("unix://"))
                probe.sendall(b"GET /_ping HTTP/1.0\r\n\r\n")
                answer = probe.recv(64)
        elif host.startswith("tcp://"):
            address, _, port = host.removeprefix("tcp://").rpartition(":")
            with socket.create_connection((address, int(port)), timeout=timeout_s) as probe:
                probe.sendall(b"GET /_ping HTTP/1.0\r\n\r\n")
                answer = probe.recv(64)
        else:
            return f"unsupported DOCKER_HOST {host!r}"
    except OSError as error:
        return f"no Docker engine answers at {host} ({error.strerror or error})"
    if b" 200 " not in answer:
        return f"the Docker engine at {host} did not answer its ping"
    return None


def _check_created(created: bool, name: str, *, exist_ok: bool) -> None:
    if not created and not exist_ok:
        raise BrokerError(f"topic '{name}' already exists")


def _bootstrap_from_metadata(client: Producer, *, timeout_s: float) -> str:
    try:
        brokers = client.list_topics(timeout=timeout_s).brokers
    except KafkaException as error:
        raise BrokerError(f"the embedded broker did not start: {error}") from error
    return ",".join(f"{b.host}:{b.port}" for b in sorted(brokers.values(), key=lambda b: b.id))
