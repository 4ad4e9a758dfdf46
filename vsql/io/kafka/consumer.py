"""Reading a topic as decoded Arrow batches, through one of the consumer tiers.

``TopicConsumer`` subscribes to one topic in a consumer group and yields ``Decoded`` batches
(value fields plus ``_key``, ``_timestamp``, ``_partition``, ``_offset``; undecodable values as
dead letters), decoded a batch at a time by the ``MessageDecoder`` it is given (one per consumer,
chosen by the topic's value format with ``formats.decoder.message_decoder``). The only
per-message Python work is reading each message's value, key, timestamp, partition, offset and
error, which the client API forces.

Offsets are never committed automatically: the caller commits what it has safely emitted with
``commit``. End-of-partition events make ``caught_up`` true, so a caller can read a finite topic
to its end. Records that expired before they were read are counted (``expired``), never skipped
silently.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Self

import numpy as np
from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition

from vsql.engine.settings import ConsumerTier
from vsql.io.formats.decoded import Decoded
from vsql.io.formats.decoder import MessageDecoder
from vsql.io.kafka.admin import DEFAULT_TIMEOUT_S, wait_for_topic
from vsql.io.kafka.committed import Committed, read_committed
from vsql.io.kafka.config import CONSUMER_DEFAULTS, client_config
from vsql.io.kafka.errors import BrokerError, RebalancingError
from vsql.io.kafka.progress import PartitionSpan, Progress, spans_of
from vsql.io.kafka.tiers import make_fetcher

_UNREACHABLE = frozenset({KafkaError._TRANSPORT, KafkaError._ALL_BROKERS_DOWN, KafkaError._RESOLVE})

__all__ = ["CLOSE_WAIT_S", "DEFAULT_BATCH_SIZE", "TopicConsumer"]

logger = logging.getLogger(__name__)

CLOSE_WAIT_S = 10.0
"""How long ``TopicConsumer.close`` waits for the client to leave its group."""

DEFAULT_BATCH_SIZE = 50_000
_second = itemgetter(1)


@dataclass(frozen=True)
class _Chunk:
    """One fetched batch of messages, decoded, with what the bookkeeping needs."""

    decoded: Decoded
    spans: list[PartitionSpan]
    eofs: dict[int, int]
    errors: list[KafkaError]


class TopicConsumer:
    """A consumer-group member reading one topic as decoded Arrow batches.

    Args:
        consumer_config: the broker's consumer properties (``Broker.consumer_config``).
        topic: the topic to read.
        group_id: the consumer group (offsets are committed for it).
        decoder: decodes the message values; this consumer alone calls it, batch after batch in
            fetch order, from the thread that prepares fetched batches (the fetch thread with the
            ``dedicated`` tier). It keeps its learnt schema across rebalances.
        tier: how messages are fetched (see ``tiers.py``).
        auto_offset_reset: where to start without a committed offset: ``earliest`` or ``latest``.
        batch_size: messages per fetched batch.
        queue_chunks: batches the ``dedicated`` tier prefetches at most.
        wait_for_topic_s: how long to wait for a missing topic; None fails at once.
        timeout_s: bound of broker requests (metadata, commits, watermarks), in seconds.
        overrides: librdkafka properties over vsql's consumer defaults (``CONSUMER_DEFAULTS``).

    Raises:
        TopicNotFoundError: the topic does not exist (after waiting).
        BrokerError: the broker does not answer within ``timeout_s``.
    """

    def __init__(
        self,
        consumer_config: Mapping[str, str],
        topic: str,
        *,
        group_id: str,
        decoder: MessageDecoder,
        tier: ConsumerTier = ConsumerTier.BUFFERED,
        auto_offset_reset: str = "earliest",
        batch_size: int = DEFAULT_BATCH_SIZE,
        queue_chunks: int = 4,
        wait_for_topic_s: float | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        overrides: Mapping[str, Any] | None = None,
    ) -> None:
        self.topic = topic
        self.tier = tier
        self._bootstrap = str(consumer_config.get("bootstrap.servers", "?"))
        self._timeout_s = timeout_s
        self._decoder = decoder
        settings = {"group.id": group_id, "auto.offset.reset": auto_offset_reset}
        self._config = client_config(
            CONSUMER_DEFAULTS, consumer_config, settings, overrides or {}, error_cb=self._on_client_error
        )
        self._unreachable_since: float | None = None
        self._consumer = Consumer(self._config)
        self._log_reader: Consumer | None = None
        self._closed = False
        try:
            self.partition_count = wait_for_topic(
                self._consumer, topic, bootstrap=self._bootstrap, timeout_s=timeout_s, wait_s=wait_for_topic_s
            )
        except BrokerError:
            self._consumer.close()
            raise
        self._progress = Progress(low_watermark=self._low_watermark, committed=self.committed)
        self.errors = 0
        self.last_error: KafkaError | None = None
        self.rebalance_count = 0
        """Assignments plus revocations seen so far: when it changes, the group rebalanced."""
        self._consumer.subscribe([topic], on_assign=self._on_assign, on_revoke=self._on_revoke)
        self._fetcher = make_fetcher(
            tier, self._consumer, self._prepare, batch_size=batch_size, queue_chunks=queue_chunks
        )

    def poll(self, timeout_s: float = 1.0) -> Decoded | None:
        """The next decoded batch, or None when no message arrived within ``timeout_s``.

        A batch may be empty (only end-of-partition events, or only dead letters).

        Raises:
            BrokerError: a fatal client error, or the prefetch thread failed.
        """
        chunk = self._fetcher.next(timeout_s)
        if chunk is None:
            return None
        self._unreachable_since = None
        self._progress.record(chunk.spans, chunk.eofs)
        for error in chunk.errors:
            self._on_error(error)
        return chunk.decoded

    def batches(self, *, until_caught_up: bool = False, poll_timeout_s: float = 0.5) -> Iterator[Decoded]:
        """Decoded batches with rows or dead letters, as they arrive.

        Args:
            until_caught_up: stop once every assigned partition reached its end (read a finite
                topic); False runs until the caller stops iterating.
            poll_timeout_s: wait per poll, in seconds.
        """
        while not (until_caught_up and self.caught_up):
            decoded = self.poll(poll_timeout_s)
            if decoded is not None and (decoded.batch.num_rows or decoded.dead_letters.num_rows):
                yield decoded

    @property
    def caught_up(self) -> bool:
        """True when every assigned partition reached its end since its last delivered message."""
        return self._progress.caught_up

    def positions(self) -> dict[int, int]:
        """Next offset to deliver per partition (last delivered offset + 1, or the end reached)."""
        return self._progress.positions()

    def expired(self) -> dict[int, int]:
        """Records that expired before they were read, per partition (non-zero counts only)."""
        return self._progress.expired()

    @property
    def expired_count(self) -> int:
        """All records that expired before they were read."""
        return sum(self._progress.expired().values())

    def lag(self, *, cached: bool = True) -> dict[int, int]:
        """Messages behind the end of the log per assigned partition: high watermark - position.

        Args:
            cached: use the high watermarks of the latest fetch responses (no request); False
                asks the broker.
        """
        positions = self._progress.positions()
        lags = {}
        for partition in sorted(self._progress.assigned):
            tp = TopicPartition(self.topic, partition)
            try:
                if cached:
                    low, high = self._fetcher.call(
                        lambda c, tp=tp: c.get_watermark_offsets(tp, timeout=self._timeout_s, cached=True)
                    )
                else:
                    low, high = self._reader().get_watermark_offsets(tp, timeout=self._timeout_s)
            except KafkaException:
                continue
            if high < 0:
                continue
            lags[partition] = max(0, high - positions.get(partition, max(low, 0)))
        return lags

    def _reader(self) -> Consumer:
        """A second client, outside the group, that asks the broker for log ends: the fetching
        client's requests queue behind its fetches (about 0.3 s per partition on the embedded
        broker, measured), this one's answer in about a millisecond."""
        if self._log_reader is None:
            self._log_reader = Consumer(self._config)
        return self._log_reader

    def commit(self, offsets: Mapping[int, int], *, metadata: str | None = None) -> None:
        """Commit, for the group, the next offset to read per partition (synchronously).

        Args:
            offsets: partition -> next offset (the first record whose effects are not yet
                emitted); the runtime decides what is safe.
            metadata: a string stored with every committed offset (the runtime keeps the query's
                watermark there, to resume without emitting closed windows twice).

        Raises:
            BrokerError: the commit failed (e.g. the partition is no longer assigned).
        """
        if not offsets:
            return
        extra = {} if metadata is None else {"metadata": metadata}
        parts = [TopicPartition(self.topic, p, o, **extra) for p, o in sorted(offsets.items())]
        try:
            results = self._fetcher.call(lambda c: c.commit(offsets=parts, asynchronous=False))
        except KafkaException as error:
            kind = _commit_error(error.args[0])
            raise kind(f"commit of {dict(offsets)} failed: {error.args[0].str()}") from error
        failed = [tp for tp in results or [] if tp.error is not None]
        if failed:
            raise _commit_error(failed[0].error)(
                f"commit failed for partitions {[tp.partition for tp in failed]}: {failed[0].error}"
            )

    def committed(self, partitions: Iterable[int] | None = None) -> dict[int, Committed]:
        """The group's committed position (offset and metadata) of each partition that has one.

        Args:
            partitions: the partitions to ask about; None for every partition of the topic.

        Raises:
            BrokerError: the broker did not answer within ``timeout_s``.
        """
        wanted = range(self.partition_count) if partitions is None else list(partitions)
        return self._fetcher.call(
            lambda client: read_committed(client, self.topic, wanted, timeout_s=self._timeout_s)
        )

    @property
    def assigned(self) -> frozenset[int]:
        """The partitions the group assigned to this member now."""
        return self._progress.assigned

    def seek(self, offsets: Mapping[int, int]) -> None:
        """Restart reading assigned partitions at the given offsets (logical offsets such as
        ``OFFSET_BEGINNING`` allowed); what was fetched before is dropped, and their delivered
        positions and end-of-partition marks are forgotten.

        Raises:
            BrokerError: a partition is not assigned, or the client refused.
        """
        for partition, offset in sorted(offsets.items()):
            tp = TopicPartition(self.topic, partition, offset)
            try:
                self._fetcher.call(lambda c, tp=tp: c.seek(tp))
            except KafkaException as error:
                raise BrokerError(f"cannot seek partition {partition}: {error.args[0].str()}") from error
        self._progress.revoke(offsets)
        self._progress.assign(offsets)

    def close(self) -> None:
        """Stop fetching and leave the group (offsets are not committed). Idempotent.

        Leaving the group waits at most ``CLOSE_WAIT_S``: librdkafka's close can block for good
        when a rebalance is under way as the group's other members leave (seen on the embedded
        broker). After that the client is abandoned with a warning, and the group notices the
        departure at its session timeout instead.
        """
        if self._closed:
            return
        self._closed = True
        self._fetcher.close()
        leaving = threading.Thread(target=self._consumer.close, name="vsql-consumer-close", daemon=True)
        leaving.start()
        leaving.join(CLOSE_WAIT_S)
        if leaving.is_alive():
            logger.warning(
                "consumer of %s did not leave its group within %.0f s; the group will time it out",
                self.topic,
                CLOSE_WAIT_S,
            )
        if self._log_reader is not None:
            self._log_reader.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _prepare(self, messages: list[Message]) -> _Chunk:
        """Split events from messages and decode the messages (runs in the fetching thread)."""
        errors = list(map(Message.error, messages))
        eofs: dict[int, int] = {}
        failures: list[KafkaError] = []
        if any(errors):
            kept = []
            for message, error in zip(messages, errors, strict=True):
                if error is None:
                    kept.append(message)
                elif error.code() == KafkaError._PARTITION_EOF:
                    eofs[message.partition()] = message.offset()
                else:
                    failures.append(error)
            messages = kept
        count = len(messages)
        partitions = np.fromiter(map(Message.partition, messages), dtype=np.int32, count=count)
        offsets = np.fromiter(map(Message.offset, messages), dtype=np.int64, count=count)
        timestamps = np.fromiter(map(_second, map(Message.timestamp, messages)), dtype=np.int64, count=count)
        if count and timestamps.min() < 0:
            timestamps = np.where(timestamps < 0, None, timestamps)
        decoded = self._decoder.decode_messages(
            list(map(Message.value, messages)),
            keys=list(map(Message.key, messages)),
            timestamps=timestamps,
            partitions=partitions,
            offsets=offsets,
        )
        return _Chunk(decoded, spans_of(partitions, offsets), eofs, failures)

    @property
    def unreachable_for_s(self) -> float:
        """Seconds since the client last failed to reach the broker with nothing delivered since
        (0 while the broker answers). librdkafka keeps retrying meanwhile."""
        if self._unreachable_since is None:
            return 0.0
        return time.monotonic() - self._unreachable_since

    @property
    def status(self) -> str:
        """``ok``, or ``retrying: <the last connection error>`` while the broker does not answer."""
        if self._unreachable_since is None or self.last_error is None:
            return "ok"
        return f"retrying: {self.last_error.str()}"

    def _on_client_error(self, error: KafkaError) -> None:
        """Client-level errors (called by librdkafka's threads): note when the broker went away."""
        logger.debug("consumer of %s: client error %s", self.topic, error.str())
        if error.code() in _UNREACHABLE:
            self.last_error = error
            if self._unreachable_since is None:
                logger.warning("consumer of %s: broker unreachable, retrying: %s", self.topic, error.str())
                self._unreachable_since = time.monotonic()

    def _on_error(self, error: KafkaError) -> None:
        self.errors += 1
        self.last_error = error
        if error.fatal():
            raise BrokerError(f"fatal Kafka client error: {error.str()}")
        logger.warning("consumer of %s: %s", self.topic, error.str())

    def _on_assign(self, _consumer: Consumer, parts: list[TopicPartition]) -> None:
        self.rebalance_count += 1
        self._progress.assign(tp.partition for tp in parts if tp.topic == self.topic)

    def _on_revoke(self, _consumer: Consumer, parts: list[TopicPartition]) -> None:
        self.rebalance_count += 1
        self._progress.revoke(tp.partition for tp in parts if tp.topic == self.topic)

    def _low_watermark(self, partition: int) -> int:
        tp = TopicPartition(self.topic, partition)
        try:
            low, _ = self._fetcher.call(lambda c: c.get_watermark_offsets(tp, timeout=self._timeout_s))
        except KafkaException as error:
            logger.warning("cannot read the log start of partition %d: %s", partition, error)
            return 0
        return low


_REBALANCING = frozenset(
    {KafkaError.REBALANCE_IN_PROGRESS, KafkaError.ILLEGAL_GENERATION, KafkaError.UNKNOWN_MEMBER_ID}
)
"""Codes of a commit the group refuses because its membership is changing."""


def _commit_error(error: KafkaError) -> type[BrokerError]:
    """``RebalancingError`` for a commit refused during a rebalance, else ``BrokerError``."""
    return RebalancingError if error.code() in _REBALANCING else BrokerError
