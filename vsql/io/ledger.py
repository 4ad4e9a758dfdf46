"""Which input offsets a query may commit: at-least-once delivery.

The engine reports the arrival number of the oldest row its open state still holds
(``Pipeline.held_since_seq``). The ledger remembers, per batch fed to the engine, where that batch
sits in the arrival order and the smallest offset it carried from each partition. A partition's
safe commit point is then the smallest offset of any batch not yet wholly emitted, or one past the
last offset it delivered when every row it delivered has been emitted.

Granularity is the batch: a batch that holds one row still open keeps its other rows uncommitted
too. After a restart they are read again, so results can repeat (at-least-once); none is lost.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

__all__ = ["OffsetLedger"]


@dataclass(frozen=True)
class _Entry:
    first_seq: int
    end_seq: int
    lowest_offset: dict[int, int]


class OffsetLedger:
    """Safe commit offsets per partition, given what the engine still holds."""

    def __init__(self) -> None:
        self._entries: deque[_Entry] = deque()
        self._next_offset: dict[int, int] = {}
        self._seq = 0

    def record(
        self, partitions: np.ndarray, offsets: np.ndarray, *, rejected: dict[int, int] | None = None
    ) -> None:
        """Note one batch handed to the engine, rows in arrival order.

        Args:
            partitions: partition of each row.
            offsets: offset of each row.
            rejected: per partition, the largest offset of records rejected before the engine
                (dead letters of the decoder); they hold nothing and only move the end forward.
        """
        count = len(offsets)
        lowest: dict[int, int] = {}
        if count:
            for partition in np.unique(partitions).tolist():
                mine = offsets[partitions == partition]
                lowest[partition] = int(mine.min())
                self._advance(partition, int(mine.max()))
            self._entries.append(_Entry(self._seq, self._seq + count, lowest))
        for partition, offset in (rejected or {}).items():
            self._advance(partition, offset)
        self._seq += count

    def skip(self, count: int) -> None:
        """``count`` rows of another input of the same engine took the next arrival numbers: a
        query with several inputs keeps one ledger per input, all counting the engine's arrivals."""
        self._seq += count

    def _advance(self, partition: int, offset: int) -> None:
        self._next_offset[partition] = max(self._next_offset.get(partition, 0), offset + 1)

    def safe_offsets(self, held_since_seq: int | None) -> dict[int, int]:
        """The next offset to commit per partition: everything before it has had its effect
        emitted (or had none). Forgets batches the engine no longer holds."""
        while self._entries and (held_since_seq is None or self._entries[0].end_seq <= held_since_seq):
            self._entries.popleft()
        safe = dict(self._next_offset)
        for entry in self._entries:
            for partition, offset in entry.lowest_offset.items():
                safe[partition] = min(safe[partition], offset)
        return safe
