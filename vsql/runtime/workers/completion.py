"""Whether a consumer group has finished a bounded read of a topic.

A bounded run (``'scan.bounded.mode' = 'latest-offset'``) of several workers ends when the
group's committed offset has reached the end of every partition of the topic: every record's
effects were then emitted by some worker (commits follow flushed results), including records of
a worker that died and whose partitions moved. A worker whose own tasks are done keeps polling
(it stays in the group and may be assigned more partitions) until then.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from confluent_kafka import Consumer, KafkaException, TopicPartition

from vsql.io.kafka.committed import read_committed
from vsql.io.kafka.config import CONSUMER_DEFAULTS, client_config
from vsql.io.kafka.errors import BrokerError

__all__ = ["GroupCompletion"]

logger = logging.getLogger(__name__)


class GroupCompletion:
    """Compares a group's committed offsets of a topic with the partitions' log ends.

    Args:
        consumer_config: the broker's consumer properties.
        topic: the topic.
        group_id: the consumer group (this client never joins it: it only reads its commits).
        timeout_s: bound of each broker request, in seconds.
    """

    def __init__(
        self, consumer_config: Mapping[str, str], topic: str, *, group_id: str, timeout_s: float = 10.0
    ) -> None:
        self._topic = topic
        self._timeout_s = timeout_s
        self._client = Consumer(client_config(CONSUMER_DEFAULTS, consumer_config, {"group.id": group_id}))
        self._done = False

    def is_done(self) -> bool:
        """True once every partition's committed offset (the log start when none) has reached
        the partition's end; stays True afterwards (a bounded run reads no newer records).

        Raises:
            BrokerError: the broker did not answer.
        """
        if self._done:
            return True
        try:
            metadata = self._client.list_topics(self._topic, timeout=self._timeout_s).topics[self._topic]
            partitions = sorted(metadata.partitions)
            committed = read_committed(self._client, self._topic, partitions, timeout_s=self._timeout_s)
            for partition in partitions:
                tp = TopicPartition(self._topic, partition)
                low, high = self._client.get_watermark_offsets(tp, timeout=self._timeout_s)
                position = committed[partition].offset if partition in committed else low
                if position < high:
                    return False
        except KafkaException as error:
            raise BrokerError(
                f"cannot read the progress of '{self._topic}': {error.args[0].str()}"
            ) from error
        self._done = True
        return True

    def close(self) -> None:
        """Release the client."""
        self._client.close()
