"""Event-time watermarks: per partition, then for the query.

A partition's watermark is the largest event time it has delivered minus
``max_out_of_orderness_ms``. The query's watermark is the minimum over partitions that have
delivered data and are not idle, and it never moves back. Every row is judged against the
watermark as it stood just before that row, so results do not depend on how input is batched.
"""

from __future__ import annotations

import numpy as np

from vsql.engine.windows.base import NO_BOUND

__all__ = ["END_OF_INPUT", "WatermarkTracker"]

END_OF_INPUT = int(np.iinfo(np.int64).max)


class WatermarkTracker:
    """The query watermark, fed batch by batch."""

    def __init__(self, *, max_out_of_orderness_ms: int) -> None:
        self.max_out_of_orderness_ms = max_out_of_orderness_ms
        self.current_ms = NO_BOUND
        self._partition_max_ms: dict[int, int] = {}
        self._idle: set[int] = set()
        self._pending: set[int] = set()

    def observe(self, partitions: np.ndarray, event_ms: np.ndarray) -> np.ndarray:
        """Take one batch's rows (arrival order) and return the watermark before each row.

        Args:
            partitions: partition of each row (int).
            event_ms: event time of each row; rows without a usable event time are not passed.

        Returns:
            int64 array: the query watermark just before each row, ``NO_BOUND`` while none.
        """
        count = len(event_ms)
        if not count:
            return np.zeros(0, dtype=np.int64)
        lowest = np.full(count, np.iinfo(np.int64).max, dtype=np.int64)
        delivered = np.zeros(count, dtype=bool)
        present = (
            np.unique(partitions).tolist() if partitions.min() != partitions.max() else [int(partitions[0])]
        )
        self._idle.difference_update(present)
        final = np.iinfo(np.int64).max
        for partition in sorted(set(present) | set(self._partition_max_ms) | self._pending):
            if partition in self._idle:
                continue
            prior = self._partition_max_ms.get(partition, NO_BOUND)
            running = np.maximum.accumulate(np.where(partitions == partition, event_ms, prior))
            running = np.maximum(running, prior)
            before = np.empty(count, dtype=np.int64)
            before[0], before[1:] = prior, running[:-1]
            has_data = (before != NO_BOUND) | (partition in self._pending)
            lowest = np.where(has_data, np.minimum(lowest, before), lowest)
            delivered |= has_data
            if running[-1] != NO_BOUND:
                self._partition_max_ms[partition] = int(running[-1])
                self._pending.discard(partition)
            final = min(final, int(running[-1]))
        held = lowest == NO_BOUND
        candidate = np.where(delivered & ~held, lowest - self.max_out_of_orderness_ms, NO_BOUND)
        watermark = np.maximum.accumulate(np.maximum(candidate, self.current_ms))
        if final != NO_BOUND:
            self.current_ms = max(self.current_ms, int(watermark[-1]), final - self.max_out_of_orderness_ms)
        else:
            self.current_ms = max(self.current_ms, int(watermark[-1]))
        return watermark

    def expect(self, partitions: list[int]) -> None:
        """``partitions`` have data waiting (the source knows their logs are not empty): each holds
        the watermark back until it delivers, or until it is marked idle. Without this, a
        partition read after the others would find its rows late at startup."""
        self._pending.update(partition for partition in partitions if partition not in self._partition_max_ms)

    def mark_idle(self, partition: int) -> None:
        """Stop ``partition`` holding the watermark back until it delivers again (processing-time
        idleness, decided by the I/O layer)."""
        self._idle.add(partition)
        self._pending.discard(partition)
        active = [value for key, value in self._partition_max_ms.items() if key not in self._idle]
        if active and not self._pending - self._idle:
            self.current_ms = max(self.current_ms, min(active) - self.max_out_of_orderness_ms)

    def finish(self) -> int:
        """End of a finite input: the watermark moves to +infinity."""
        self.current_ms = END_OF_INPUT
        return self.current_ms
