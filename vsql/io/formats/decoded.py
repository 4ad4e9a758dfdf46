"""What a decoder returns: one batch of good rows plus a table of dead letters, and the shared
bookkeeping of system columns (per-partition offsets, the output column order).

Every decoded batch carries the value fields followed by the system columns ``_key`` (string),
``_timestamp`` (int64 epoch ms, null when absent), ``_partition`` (int32) and ``_offset`` (int64).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pyarrow as pa

from vsql.engine.columns import KEY, OFFSET, PARTITION, REASON, TIMESTAMP

__all__ = [
    "DEAD_LETTER_SCHEMA",
    "RAW",
    "SYSTEM_FIELDS",
    "Decoded",
    "OffsetCounter",
    "assemble_batch",
    "dead_letter_table",
]

RAW = "_raw"

SYSTEM_FIELDS: dict[str, pa.DataType] = {
    KEY: pa.string(),
    TIMESTAMP: pa.int64(),
    PARTITION: pa.int32(),
    OFFSET: pa.int64(),
}

DEAD_LETTER_SCHEMA = pa.schema(
    [
        (RAW, pa.string()),
        (REASON, pa.string()),
        (KEY, pa.string()),
        (TIMESTAMP, pa.int64()),
        (PARTITION, pa.int32()),
        (OFFSET, pa.int64()),
    ]
)


class Decoded(NamedTuple):
    """One decoded block: the good rows and the rejected ones.

    Attributes:
        batch: value fields plus the system columns, in input order.
        dead_letters: rejected inputs with ``_raw``, ``_reason``, ``_key``, ``_timestamp``,
            ``_partition`` and ``_offset`` (``DEAD_LETTER_SCHEMA``).
    """

    batch: pa.RecordBatch
    dead_letters: pa.Table


def dead_letter_table(
    raws: list[str],
    reasons: list[str],
    *,
    partitions: list[int],
    offsets: list[int | None],
    keys: list[str | None] | None = None,
    timestamps: list[int | None] | None = None,
) -> pa.Table:
    """Build a dead-letter table from per-row lists (only ever called for rejected rows)."""
    size = len(raws)
    nulls: list[None] = [None] * size
    return pa.Table.from_arrays(
        [
            pa.array(raws, pa.string()),
            pa.array(reasons, pa.string()),
            pa.array(keys if keys is not None else nulls, pa.string()),
            pa.array(timestamps if timestamps is not None else nulls, pa.int64()),
            pa.array(partitions, pa.int32()),
            pa.array(offsets, pa.int64()),
        ],
        schema=DEAD_LETTER_SCHEMA,
    )


class OffsetCounter:
    """Numbers the rows of each partition 0, 1, 2, ... across successive blocks."""

    def __init__(self) -> None:
        self._next: dict[int, int] = {}

    def assign(self, partitions: np.ndarray) -> np.ndarray:
        """Offsets for rows in input order with the given partitions; advances the counters.

        Cost: a sort of the block plus a loop over the distinct partitions.
        """
        size = len(partitions)
        if size == 0:
            return np.empty(0, dtype=np.int64)
        distinct, inverse, counts = np.unique(partitions, return_inverse=True, return_counts=True)
        base = np.array([self._next.get(int(p), 0) for p in distinct], dtype=np.int64)
        order = np.argsort(inverse, kind="stable")
        group_starts = np.cumsum(counts) - counts
        rank = np.arange(size, dtype=np.int64) - np.repeat(group_starts, counts)
        offsets = np.empty(size, dtype=np.int64)
        offsets[order] = base[inverse[order]] + rank
        for partition, start, count in zip(distinct, base, counts, strict=True):
            self._next[int(partition)] = int(start + count)
        return offsets


def assemble_batch(
    values: list[tuple[str, pa.Array]],
    *,
    keys: pa.Array,
    timestamps: pa.Array,
    partitions: pa.Array,
    offsets: pa.Array,
) -> pa.RecordBatch:
    """One batch with the value columns followed by the system columns, cast to their types."""
    names = [name for name, _ in values] + [KEY, TIMESTAMP, PARTITION, OFFSET]
    arrays = [array for _, array in values] + [
        keys.cast(SYSTEM_FIELDS[KEY]),
        timestamps.cast(SYSTEM_FIELDS[TIMESTAMP]),
        partitions.cast(SYSTEM_FIELDS[PARTITION]),
        offsets.cast(SYSTEM_FIELDS[OFFSET]),
    ]
    return pa.RecordBatch.from_arrays(arrays, names=names)
