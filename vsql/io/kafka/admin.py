"""Broker-independent topic operations over the Kafka protocol: probe, describe, create, wait.

Every call is bounded by a timeout; an unreachable broker becomes a ``BrokerError`` naming the
bootstrap address, never a hang.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from confluent_kafka import KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, ClusterMetadata, NewTopic, OffsetSpec

from vsql.io.kafka.config import client_config
from vsql.io.kafka.errors import BrokerError, TopicNotFoundError
from vsql.io.kafka.options import DEFAULT_TIMEOUT_S

__all__ = ["DEFAULT_TIMEOUT_S", "TopicAdmin", "TopicInfo", "wait_for_topic"]

logger = logging.getLogger(__name__)

_WAIT_STEP_S = 0.2


@dataclass(frozen=True)
class TopicInfo:
    """What a broker holds for one topic.

    Attributes:
        partitions: number of partitions.
        messages: messages currently retained (sum over partitions of high minus low watermark).
    """

    partitions: int
    messages: int


class TopicAdmin:
    """Topic operations for one broker, through an AdminClient.

    Args:
        config: the broker's client properties (``bootstrap.servers`` and security settings).
        timeout_s: bound of every request, in seconds.
    """

    def __init__(self, config: Mapping[str, str], *, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self._bootstrap = str(config.get("bootstrap.servers", "?"))
        self._timeout_s = timeout_s
        # A metadata request for one topic must not create it (the mock broker would, with 4
        # partitions): existence checks stay read-only.
        self._client = AdminClient(client_config(config, {"allow.auto.create.topics": "false"}))

    def metadata(self, topic: str | None = None) -> ClusterMetadata:
        """Cluster metadata (all topics, or one).

        Raises:
            BrokerError: the broker did not answer within the timeout.
        """
        try:
            return self._client.list_topics(topic, timeout=self._timeout_s)
        except KafkaException as error:
            raise self._unreachable(error) from error

    def probe(self) -> None:
        """Check that the broker answers.

        Raises:
            BrokerError: it did not answer within the timeout.
        """
        self.metadata()

    def partitions(self, topic: str) -> int | None:
        """The partition count of ``topic``, None when it does not exist."""
        found = self.metadata(topic).topics.get(topic)
        if found is None or found.error is not None:
            return None
        return len(found.partitions)

    def wait_for(self, topic: str, *, wait_s: float | None) -> int:
        """The partition count of ``topic``, waiting up to ``wait_s`` for it (see ``wait_for_topic``)."""
        return wait_for_topic(
            self._client, topic, bootstrap=self._bootstrap, timeout_s=self._timeout_s, wait_s=wait_s
        )

    def describe(self) -> dict[str, TopicInfo]:
        """Every user topic (names starting with ``__`` are internal and left out), by name."""
        metadata = self.metadata()
        topics = {
            name: sorted(meta.partitions)
            for name, meta in metadata.topics.items()
            if not name.startswith("__") and meta.error is None
        }
        parts = [TopicPartition(name, p) for name, ids in topics.items() for p in ids]
        low = self._offsets(parts, OffsetSpec.earliest())
        high = self._offsets(parts, OffsetSpec.latest())
        return {
            name: TopicInfo(
                partitions=len(ids),
                messages=sum(max(0, high[(name, p)] - low[(name, p)]) for p in ids),
            )
            for name, ids in sorted(topics.items())
        }

    def create(self, name: str, partitions: int) -> bool:
        """Create a topic (replication factor 1); False when it already exists.

        Raises:
            BrokerError: the broker refused or did not answer in time, or has no controller to
                create topics (librdkafka's mock broker: create topics in the process that owns
                it, e.g. ``vsql broker --topic NAME --partitions N``).
        """
        metadata = self.metadata()
        if name in metadata.topics and metadata.topics[name].error is None:
            return False
        if metadata.controller_id not in metadata.brokers:
            raise BrokerError(
                f"cannot create topic '{name}': the broker at {self._bootstrap} has no controller "
                "(an embedded broker: create it with `vsql broker --topic NAME --partitions N`)"
            )
        futures = self._client.create_topics(
            [NewTopic(name, partitions, 1)],
            request_timeout=self._timeout_s,
            operation_timeout=self._timeout_s,
        )
        try:
            futures[name].result(timeout=self._timeout_s + 1.0)
        except KafkaException as error:
            if error.args[0].code() == KafkaError.TOPIC_ALREADY_EXISTS:
                return False
            raise BrokerError(
                f"cannot create topic '{name}' at {self._bootstrap}: {error.args[0].str()}"
            ) from error
        return True

    def _offsets(self, parts: list[TopicPartition], spec: OffsetSpec) -> dict[tuple[str, int], int]:
        if not parts:
            return {}
        futures = self._client.list_offsets({tp: spec for tp in parts}, request_timeout=self._timeout_s)
        try:
            return {(tp.topic, tp.partition): future.result().offset for tp, future in futures.items()}
        except KafkaException as error:
            raise self._unreachable(error) from error

    def _unreachable(self, error: KafkaException) -> BrokerError:
        detail: Any = error.args[0].str() if error.args and isinstance(error.args[0], KafkaError) else error
        return BrokerError(
            f"cannot reach the Kafka broker at {self._bootstrap} within {self._timeout_s:g} s: {detail}"
        )


def wait_for_topic(client: Any, topic: str, *, bootstrap: str, timeout_s: float, wait_s: float | None) -> int:
    """The partition count of ``topic``, waiting up to ``wait_s`` for it to appear.

    Args:
        client: any confluent-kafka client whose metadata requests do not auto-create topics
            (a Consumer, or an AdminClient with ``allow.auto.create.topics=false``).
        topic: the topic.
        bootstrap: the broker's address, for messages.
        timeout_s: bound of each metadata request, in seconds.
        wait_s: how long to wait for the topic; None or 0 does not wait.

    Raises:
        TopicNotFoundError: it does not exist (after waiting).
        BrokerError: the broker did not answer within ``timeout_s``.
    """
    deadline = time.monotonic() + (wait_s or 0.0)
    while True:
        try:
            found = client.list_topics(topic, timeout=timeout_s).topics.get(topic)
        except KafkaException as error:
            raise BrokerError(
                f"cannot reach the Kafka broker at {bootstrap} within {timeout_s:g} s: {error.args[0].str()}"
            ) from error
        if found is not None and found.error is None:
            return len(found.partitions)
        if time.monotonic() >= deadline:
            raise TopicNotFoundError(topic, bootstrap=bootstrap)
        time.sleep(_WAIT_STEP_S)
