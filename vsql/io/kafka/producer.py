"""Producing Arrow batches to Kafka: one JSON value per row, keys, timestamps and partitions from
columns, zstd-compressed batches.

Encoding is vectorized (``encode.json_values``); the only per-row Python work is the
``Producer.produce`` call the client API forces. Delivery failures are counted through delivery
reports for failed messages only, and ``flush`` raises when any occurred.

librdkafka treats a message timestamp of 0 as "now": a row whose timestamp is 0 (or null) gets the
produce time as its Kafka timestamp.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from confluent_kafka import KafkaError, Message, Producer

from vsql.engine.columns import KEY, PARTITION, SYSTEM_COLUMNS, TIMESTAMP
from vsql.io.kafka.config import PRODUCER_DEFAULTS, client_config
from vsql.io.kafka.encode import json_values
from vsql.io.kafka.errors import BrokerError

__all__ = ["JsonProducer"]

logger = logging.getLogger(__name__)

_FULL_QUEUE_WAIT_S = 0.05
_DEFAULT = object()


class JsonProducer:
    """A batching producer of JSON-valued messages.

    Args:
        config: the broker's client properties (``Broker.client_config``).
        overrides: librdkafka properties over vsql's producer defaults (``PRODUCER_DEFAULTS``).
        timeout_s: default bound of ``flush``, in seconds.
    """

    def __init__(
        self,
        config: Mapping[str, str],
        *,
        overrides: Mapping[str, str] | None = None,
        timeout_s: float = 30.0,
    ) -> None:
        self._bootstrap = config.get("bootstrap.servers", "?")
        self._timeout_s = timeout_s
        self._producer = Producer(
            client_config(PRODUCER_DEFAULTS, config, overrides or {}, on_delivery=self._on_failure)
        )
        self.produced = 0
        self.failed = 0
        self._first_failure: KafkaError | None = None

    def produce_batch(
        self,
        topic: str,
        batch: pa.RecordBatch | pa.Table,
        *,
        key_column: Any = _DEFAULT,
        timestamp_column: Any = _DEFAULT,
        partition_column: Any = _DEFAULT,
        tombstones: pa.Array | np.ndarray | None = None,
    ) -> int:
        """Queue one message per row; returns the number queued.

        The value is the row as a JSON object of its columns, system columns (``_key``,
        ``_timestamp``, ``_partition``, ``_offset``) left out.

        Args:
            topic: the target topic.
            batch: the rows (a table is combined into one batch first).
            key_column: column whose text is the key (a value field may be the key, e.g.
                ``symbol``); default ``_key`` when present, else no key; None for no key.
            timestamp_column: int64 epoch-ms column giving the message timestamp; default
                ``_timestamp`` when present, else the produce time; None for the produce time.
            partition_column: int column giving an explicit partition per row; default
                ``_partition`` when present, else the partitioner (murmur2 of the key); None for
                the partitioner.
            tombstones: boolean mask of rows sent with a null value (deletes).

        Raises:
            KeyError: an explicitly named column is missing.
        """
        if batch.num_rows == 0:
            return 0
        if isinstance(batch, pa.Table):
            batch = batch.combine_chunks().to_batches()[0]
        keys = _column(batch, key_column, KEY)
        timestamps = _column(batch, timestamp_column, TIMESTAMP)
        partitions = _column(batch, partition_column, PARTITION)
        value_names = [name for name in batch.schema.names if name not in SYSTEM_COLUMNS]
        values: list[bytes | None] = list(json_values(batch.select(value_names)))
        if tombstones is not None:
            for row in np.flatnonzero(np.asarray(tombstones, dtype=bool)):
                values[row] = None
        return self.produce_values(
            topic,
            values,
            keys=None if keys is None else keys.cast(pa.string()).to_pylist(),
            timestamps=None if timestamps is None else _ints(timestamps),
            partitions=None if partitions is None else _ints(partitions, fill=-1),
        )

    def produce_values(
        self,
        topic: str,
        values: Sequence[bytes | None],
        *,
        keys: Sequence[str | bytes | None] | None = None,
        timestamps: Sequence[int] | None = None,
        partitions: Sequence[int] | None = None,
        headers: Sequence[list[tuple[str, bytes]] | None] | None = None,
    ) -> int:
        """Queue raw message values (None is a tombstone); returns the number queued.

        Args:
            topic: the target topic.
            values: the message values.
            keys: a key per value, or None for no keys.
            timestamps: an epoch-ms timestamp per value (0 means the produce time), or None.
            partitions: an explicit partition per value (-1: the partitioner), or None.
            headers: the headers of each message as ``(name, value)`` pairs (None: no headers),
                or None for no headers at all.
        """
        count = len(values)
        keys = keys if keys is not None else [None] * count
        timestamps = timestamps if timestamps is not None else [0] * count
        produce = self._producer.produce
        if headers is not None:
            partitions = partitions if partitions is not None else [-1] * count
            for value, key, timestamp, partition, header in zip(
                values, keys, timestamps, partitions, headers, strict=True
            ):
                self._produce_one(topic, value, key, partition=partition, timestamp=timestamp, headers=header)
        elif partitions is None:
            for value, key, timestamp in zip(values, keys, timestamps, strict=True):
                try:
                    produce(topic, value, key, timestamp=timestamp)
                except BufferError:
                    self._producer.poll(_FULL_QUEUE_WAIT_S)
                    produce(topic, value, key, timestamp=timestamp)
        else:
            for value, key, timestamp, partition in zip(values, keys, timestamps, partitions, strict=True):
                try:
                    produce(topic, value, key, partition=partition, timestamp=timestamp)
                except BufferError:
                    self._producer.poll(_FULL_QUEUE_WAIT_S)
                    produce(topic, value, key, partition=partition, timestamp=timestamp)
        self._producer.poll(0)
        self.produced += count
        return count

    def _produce_one(self, topic: str, value: bytes | None, key: str | bytes | None, **options: Any) -> None:
        """One ``Producer.produce`` call; a full local queue is drained once, then retried."""
        try:
            self._producer.produce(topic, value, key, **options)
        except BufferError:
            self._producer.poll(_FULL_QUEUE_WAIT_S)
            self._producer.produce(topic, value, key, **options)

    def flush(self, timeout_s: float | None = None) -> None:
        """Wait until every queued message is delivered.

        Raises:
            BrokerError: messages are still undelivered after the timeout, or some failed.
        """
        bound = self._timeout_s if timeout_s is None else timeout_s
        remaining = self._producer.flush(bound)
        if remaining:
            raise BrokerError(
                f"{remaining} messages not delivered to the Kafka broker at {self._bootstrap} "
                f"within {bound:g} s"
            )
        if self.failed:
            raise BrokerError(f"{self.failed} messages failed to be delivered: {self._first_failure}")

    def close(self, timeout_s: float | None = None) -> None:
        """Flush; the producer must not be used afterwards."""
        self.flush(timeout_s)

    def _on_failure(self, error: KafkaError | None, message: Message) -> None:
        if error is None:
            return
        self.failed += 1
        if self._first_failure is None:
            self._first_failure = error
            logger.warning("delivery to %s failed: %s", message.topic(), error)


def _column(batch: pa.RecordBatch, chosen: Any, default: str) -> pa.Array | None:
    if chosen is None:
        return None
    if chosen is _DEFAULT:
        index = batch.schema.get_field_index(default)
        return batch.column(index) if index >= 0 else None
    index = batch.schema.get_field_index(chosen)
    if index < 0:
        raise KeyError(f"no column {chosen!r} in the batch (columns: {', '.join(batch.schema.names)})")
    return batch.column(index)


def _ints(column: pa.Array, *, fill: int = 0) -> list[int]:
    return pc.fill_null(column.cast(pa.int64()), fill).to_numpy(zero_copy_only=False).tolist()
