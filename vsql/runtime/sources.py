"""Where a running query's batches come from: a finite sequence of decoded blocks, or a topic.

A source yields ``Decoded`` batches in arrival order, or None when nothing arrived for a while
(a heartbeat, so the run loop can check cancellation and idle partitions), and commits the
offsets the run loop says are safe.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Protocol

import numpy as np

from vsql.engine.columns import PARTITION
from vsql.io.formats.decoded import Decoded
from vsql.io.kafka.consumer import TopicConsumer
from vsql.io.kafka.errors import BrokerError

__all__ = [
    "DEFAULT_BROKER_TIMEOUT_S",
    "BlockSource",
    "KafkaSource",
    "Source",
    "parse_watermark_metadata",
    "watermark_metadata",
]

DEFAULT_BROKER_TIMEOUT_S = 30.0

_WATERMARK_PREFIX = "vsql:watermark_ms="


def watermark_metadata(watermark_ms: int | None) -> str | None:
    """The commit metadata recording the watermark a query's results had reached (None: none)."""
    return None if watermark_ms is None else f"{_WATERMARK_PREFIX}{watermark_ms}"


def parse_watermark_metadata(text: str) -> int | None:
    """The watermark in a commit's metadata, or None when it records none."""
    value = text.removeprefix(_WATERMARK_PREFIX)
    if value == text or not value.lstrip("-").isdigit():
        return None
    return int(value)


class Source(Protocol):
    """A query's input."""

    @property
    def expired_count(self) -> int:
        """Records that expired from the broker before they were read."""

    @property
    def status(self) -> str:
        """``ok``, or what the source is struggling with (e.g. retrying an unreachable broker)."""

    def batches(self) -> Iterator[Decoded | None]:
        """Decoded batches in arrival order; None is a heartbeat. Ends with a finite input."""

    def commit(self, offsets: Mapping[int, int], *, watermark_ms: int | None) -> None:
        """Commit the next offset to read per partition, with the query watermark reached (no-op
        for inputs without offsets)."""

    def resume_watermark(self) -> int | None:
        """The watermark an earlier run of the same query had committed, or None."""

    def waiting_partitions(self) -> list[int] | None:
        """Partitions known to hold unread data, or None while the source cannot tell yet."""

    def lag(self) -> dict[int, int]:
        """Messages behind the end of the log per partition, without a broker request (empty for
        inputs without offsets)."""

    def close(self) -> None:
        """Release the input."""


class BlockSource:
    """A finite sequence of decoded blocks (files, scenario records)."""

    expired_count = 0
    status = "ok"

    def __init__(self, blocks: Iterable[Decoded]) -> None:
        self._blocks = blocks

    def batches(self) -> Iterator[Decoded | None]:
        yield from self._blocks

    def commit(self, offsets: Mapping[int, int], *, watermark_ms: int | None) -> None:
        """Files have no committed position."""

    def resume_watermark(self) -> int | None:
        """A file is always read from its start."""
        return None

    def waiting_partitions(self) -> list[int] | None:
        """Rows of a file arrive in file order: nothing waits elsewhere."""
        return []

    def lag(self) -> dict[int, int]:
        """A file has no log end to lag behind."""
        return {}

    def close(self) -> None:
        """Nothing to release."""


class KafkaSource:
    """A topic read by a consumer-group member.

    Args:
        consumer: the topic's consumer.
        until_caught_up: end once every partition reached the end of its log (read what the
            topic holds now, as scripts and scenarios do); False runs until cancelled.
        poll_timeout_s: wait per poll, in seconds (the heartbeat period when idle).
        broker_timeout_s: how long the broker may stay unreachable (librdkafka retrying) before
            the query fails with a ``BrokerError``.
    """

    def __init__(
        self,
        consumer: TopicConsumer,
        *,
        until_caught_up: bool,
        poll_timeout_s: float = 0.2,
        broker_timeout_s: float = DEFAULT_BROKER_TIMEOUT_S,
    ) -> None:
        self._consumer = consumer
        self._broker_timeout_s = broker_timeout_s
        self._until_caught_up = until_caught_up
        self._poll_timeout_s = poll_timeout_s
        self._delivered_early: set[int] = set()
        self._waiting_known = False

    @property
    def expired_count(self) -> int:
        return self._consumer.expired_count

    @property
    def status(self) -> str:
        return self._consumer.status

    @property
    def consumer(self) -> TopicConsumer:
        """The underlying consumer (for lag and positions)."""
        return self._consumer

    def batches(self) -> Iterator[Decoded | None]:
        while not (self._until_caught_up and self._consumer.caught_up):
            decoded = self._consumer.poll(self._poll_timeout_s)
            lost_s = self._consumer.unreachable_for_s
            if lost_s > self._broker_timeout_s:
                raise BrokerError(
                    f"lost the Kafka broker: no answer for {lost_s:.0f} s while reading "
                    f"'{self._consumer.topic}' ({self._consumer.status})"
                )
            if decoded is None or not (decoded.batch.num_rows or decoded.dead_letters.num_rows):
                yield None
                continue
            if not self._waiting_known and decoded.batch.num_rows:
                self._delivered_early.update(np.unique(decoded.batch.column(PARTITION).to_numpy()).tolist())
            yield decoded

    def commit(self, offsets: Mapping[int, int], *, watermark_ms: int | None) -> None:
        self._consumer.commit(offsets, metadata=watermark_metadata(watermark_ms))

    def resume_watermark(self) -> int | None:
        """The smallest watermark committed with the group's offsets (all partitions are committed
        together, so they normally agree)."""
        marks = [parse_watermark_metadata(c.metadata) for c in self._consumer.committed().values()]
        return min((mark for mark in marks if mark is not None), default=None)

    def waiting_partitions(self) -> list[int] | None:
        """Partitions with messages behind the log end, plus those whose rows are in the batches
        delivered so far: a batch already fetched is no longer lag, but its rows still wait for
        the engine (which asks before it processes that batch)."""
        lag = self._consumer.lag(cached=False)
        if not lag:
            return None
        self._waiting_known = True
        return sorted(self._delivered_early | {partition for partition, behind in lag.items() if behind > 0})

    def lag(self) -> dict[int, int]:
        """Per partition, the log end (from the latest fetch responses) minus the consumer's position."""
        return self._consumer.lag(cached=True)

    def close(self) -> None:
        self._consumer.close()
