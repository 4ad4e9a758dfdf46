"""A consumer group's committed offsets of a topic: the one way vsql reads them.

Both a group member (``TopicConsumer.committed``) and an outside observer of a group
(``runtime.workers.completion``) read commits through ``read_committed``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from confluent_kafka import OFFSET_INVALID, Consumer, KafkaException, TopicPartition

from vsql.io.kafka.errors import BrokerError

__all__ = ["Committed", "read_committed"]


@dataclass(frozen=True)
class Committed:
    """One partition's committed position.

    Attributes:
        offset: the next offset to read (the first record whose effects were not yet emitted).
        metadata: the string committed with it ('' when none); the runtime keeps the query's
            watermark there.
    """

    offset: int
    metadata: str = ""


def read_committed(
    client: Consumer, topic: str, partitions: Iterable[int], *, timeout_s: float
) -> dict[int, Committed]:
    """The committed position of each of ``partitions`` that has one, for ``client``'s group.

    Args:
        client: a client configured with the group's ``group.id`` (it need not have joined it).
        topic: the topic.
        partitions: the partitions to ask about.
        timeout_s: bound of the broker request, in seconds.

    Raises:
        BrokerError: the broker did not answer.
    """
    parts = [TopicPartition(topic, p) for p in sorted(set(partitions))]
    if not parts:
        return {}
    try:
        found = client.committed(parts, timeout=timeout_s)
    except KafkaException as error:
        raise BrokerError(f"cannot read the committed offsets of '{topic}': {error.args[0].str()}") from error
    return {
        tp.partition: Committed(tp.offset, tp.metadata or "")
        for tp in found
        if tp.offset != OFFSET_INVALID and tp.offset >= 0
    }
