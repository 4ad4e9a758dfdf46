"""The repartition topic between the two stages of a shuffled query.

The first stage writes every input row to ``<group id>-repartition`` as one JSON message: the
value fields the query reads, the row's ``_timestamp`` (which the decoder takes as the row's
timestamp), and its origin (``__origin_key``, ``__origin_partition``, ``__origin_offset``: the
input record's key, partition and offset). The message key is the grouping keys' text joined
with ``|``, so Kafka's partitioner sends every row of a group to the same partition.

Rows of a source partition reach only the repartition partitions their keys hash to, so the
others would never hear from it and its event time would hold their watermarks back. For a
windowed query the first stage therefore also writes a progress marker to every repartition
partition after each batch: a message without value fields whose ``__progress_ms`` is the
highest event time the batch had (and whose origin is the batch's source partition and last
offset). The second stage hands markers to ``Pipeline.observe_progress``, as Flink forwards
watermarks across a shuffle.

The second stage gives the query each row as it was read from the source: the origin becomes the
system columns again. So the watermark runs per source partition (the minimum over them, as in a
single process), and a replay of the first stage (at-least-once after a rebalance) is recognised:
per source partition the origin offsets rise, so a row whose origin offset is not above the
highest one already seen from its source partition is a duplicate and is dropped.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from vsql.engine.columns import KEY, OFFSET, PARTITION, SYSTEM_COLUMNS, TIMESTAMP
from vsql.engine.scalar import compile_scalar
from vsql.io.formats.decoded import SYSTEM_FIELDS
from vsql.io.kafka.encode import json_values
from vsql.io.kafka.producer import JsonProducer
from vsql.runtime.sinks import joined_keys

__all__ = [
    "ORIGIN_FIELDS",
    "ORIGIN_SCHEMA",
    "PROGRESS",
    "OriginFilter",
    "RepartitionWriter",
    "restore_origin",
]

ORIGIN_KEY = "__origin_key"
ORIGIN_PARTITION = "__origin_partition"
ORIGIN_OFFSET = "__origin_offset"
PROGRESS = "__progress_ms"
ORIGIN_FIELDS = (ORIGIN_KEY, ORIGIN_PARTITION, ORIGIN_OFFSET, PROGRESS)
ORIGIN_SCHEMA = pa.schema(
    [
        (ORIGIN_KEY, pa.string()),
        (ORIGIN_PARTITION, pa.int64()),
        (ORIGIN_OFFSET, pa.int64()),
        (PROGRESS, pa.int64()),
    ]
)
"""The origin and progress fields of a repartitioned message, as the second stage's decoder must
type them (``__progress_ms`` is null on rows, set on progress markers)."""


class RepartitionWriter:
    """Writes rows to the repartition topic keyed by the grouping keys.

    Args:
        producer: the producer (flushed by the caller before it commits input offsets).
        topic: the repartition topic.
        keys: the grouping expressions (empty: one global group, every row gets the same key).
        partitions: the repartition topic's partition count (progress markers go to each).
    """

    def __init__(
        self, producer: JsonProducer, topic: str, keys: Sequence[exp.Expression], *, partitions: int
    ) -> None:
        self._producer = producer
        self._topic = topic
        self._keys = [compile_scalar(key) for key in keys]
        self._partitions = partitions

    def write_progress(self, source_partition: int, last_offset: int, event_ms: int) -> None:
        """Queue a progress marker to every repartition partition: ``source_partition`` has
        reached event time ``event_ms`` at ``last_offset``."""
        marker = json.dumps(
            {ORIGIN_PARTITION: source_partition, ORIGIN_OFFSET: last_offset, PROGRESS: event_ms}
        ).encode()
        count = self._partitions
        self._producer.produce_values(
            self._topic,
            [marker] * count,
            timestamps=[max(event_ms, 0)] * count,
            partitions=list(range(count)),
        )

    def write(self, batch: pa.RecordBatch) -> int:
        """Queue one message per row of a decoded batch (value fields plus system columns); returns
        the number queued. Cost: vectorized encoding, one ``produce`` call per row."""
        if not batch.num_rows:
            return 0
        names = [name for name in batch.schema.names if name not in SYSTEM_COLUMNS]
        columns = [batch.column(name) for name in names]
        names += [TIMESTAMP, ORIGIN_KEY, ORIGIN_PARTITION, ORIGIN_OFFSET]
        columns += [batch.column(TIMESTAMP), batch.column(KEY), batch.column(PARTITION), batch.column(OFFSET)]
        values = json_values(pa.RecordBatch.from_arrays(columns, names=names))
        timestamps = np.asarray(pc.fill_null(batch.column(TIMESTAMP), 0), dtype=np.int64)
        return self._producer.produce_values(
            self._topic, values, keys=self._message_keys(batch), timestamps=np.maximum(timestamps, 0).tolist()
        )

    def _message_keys(self, batch: pa.RecordBatch) -> list[str]:
        if not self._keys:
            return [""] * batch.num_rows
        return joined_keys([pa.array(key.evaluate(batch)) for key in self._keys])


def restore_origin(batch: pa.RecordBatch) -> pa.RecordBatch:
    """A repartitioned batch as its rows were read from the source: the origin fields replace the
    system columns ``_key``, ``_partition`` and ``_offset`` (``_timestamp`` came with the value)."""
    names = [name for name in batch.schema.names if name not in SYSTEM_COLUMNS and name not in ORIGIN_FIELDS]
    columns = [batch.column(name) for name in names]
    restored = {
        KEY: batch.column(ORIGIN_KEY),
        TIMESTAMP: batch.column(TIMESTAMP),
        PARTITION: batch.column(ORIGIN_PARTITION),
        OFFSET: batch.column(ORIGIN_OFFSET),
    }
    names += list(restored)
    columns += [array.cast(SYSTEM_FIELDS[name]) for name, array in restored.items()]
    return pa.RecordBatch.from_arrays(columns, names=names)


class OriginFilter:
    """Drops rows the first stage wrote twice: per source partition, a row is new only when its
    origin offset is above every origin offset seen before it from that partition."""

    def __init__(self) -> None:
        self._highest: dict[int, int] = {}

    def fresh(self, partitions: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """The mask of new rows among a batch's origins (arrival order); remembers them.

        Cost: a few vectorized passes per source partition present in the batch.
        """
        keep = np.ones(len(offsets), dtype=bool)
        if not len(offsets):
            return keep
        for partition in np.unique(partitions).tolist():
            mine = np.flatnonzero(partitions == partition)
            seen = self._highest.get(partition, -1)
            running = np.maximum.accumulate(offsets[mine])
            before = np.empty(len(mine), dtype=np.int64)
            before[0], before[1:] = seen, np.maximum(running[:-1], seen)
            keep[mine] = offsets[mine] > before
            self._highest[partition] = max(seen, int(running[-1]))
        return keep
