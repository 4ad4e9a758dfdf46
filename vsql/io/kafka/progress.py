"""Where a consumer stands in each partition: positions, end of partition, and records that
expired before they were read.

Offsets in a partition are consecutive, so a jump in the delivered offsets means records were
skipped. When the partition's log start (low watermark) has moved past the skipped offsets, they
expired (retention dropped them, as the mock broker does past 5 MiB per partition) and are
counted in ``expired``; other jumps (compaction, transaction markers) are counted in ``skipped``.
Checking needs a broker request, made only when a jump is seen and once per newly seen partition
(to compare its first offset with the group's committed offset).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from vsql.io.kafka.committed import Committed

__all__ = ["PartitionSpan", "Progress", "spans_of"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PartitionSpan:
    """The messages of one partition in a chunk.

    Attributes:
        partition: the partition.
        first: the first offset delivered.
        last: the last offset delivered.
        gaps: (offset before, offset after) of every jump inside the chunk.
    """

    partition: int
    first: int
    last: int
    gaps: tuple[tuple[int, int], ...] = ()


def spans_of(partitions: np.ndarray, offsets: np.ndarray) -> list[PartitionSpan]:
    """The per-partition spans of messages in delivery order (offsets rise within a partition).

    Cost: a few vectorized passes; gaps are searched only in partitions whose offsets do not
    form a consecutive run.
    """
    if len(partitions) == 0:
        return []
    distinct, first_index, counts = np.unique(partitions, return_index=True, return_counts=True)
    _, reversed_index = np.unique(partitions[::-1], return_index=True)
    last_index = len(partitions) - 1 - reversed_index
    spans = []
    for partition, first_at, last_at, count in zip(distinct, first_index, last_index, counts, strict=True):
        first, last = int(offsets[first_at]), int(offsets[last_at])
        gaps: tuple[tuple[int, int], ...] = ()
        if last - first + 1 != count:
            own = offsets[partitions == partition]
            jumps = np.flatnonzero(np.diff(own) != 1)
            gaps = tuple((int(own[i]), int(own[i + 1])) for i in jumps)
        spans.append(PartitionSpan(int(partition), first, last, gaps))
    return spans


@dataclass
class _PartitionState:
    next_offset: int | None = None
    at_eof: bool = False
    expired: int = 0
    skipped: int = 0


@dataclass
class Progress:
    """Per-partition bookkeeping of what a consumer has delivered to its caller.

    Args:
        low_watermark: the log start offset of a partition (a broker request).
        committed: the group's committed positions of partitions (a broker request, e.g.
            ``TopicConsumer.committed``); partitions without one are left out.
    """

    low_watermark: Callable[[int], int]
    committed: Callable[[list[int]], Mapping[int, Committed]]
    _states: dict[int, _PartitionState] = field(default_factory=dict)
    _assigned: set[int] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def assign(self, partitions: Iterable[int]) -> None:
        """Partitions were assigned to the consumer (from a rebalance callback, any thread)."""
        with self._lock:
            for partition in partitions:
                self._assigned.add(partition)
                self._states.setdefault(partition, _PartitionState())

    def revoke(self, partitions: Iterable[int]) -> None:
        """Partitions were taken away; their delivered positions are forgotten."""
        with self._lock:
            for partition in partitions:
                self._assigned.discard(partition)
                state = self._states.get(partition)
                if state is not None:
                    state.next_offset = None
                    state.at_eof = False

    def record(self, spans: Iterable[PartitionSpan], eofs: Mapping[int, int]) -> None:
        """A chunk was delivered: its spans, then its end-of-partition events (partition -> offset)."""
        spans = list(spans)
        unseen = [s.partition for s in spans if self._state(s.partition).next_offset is None and s.first > 0]
        starts = self.committed(unseen) if unseen else {}
        for span in spans:
            state = self._state(span.partition)
            expected = state.next_offset
            if expected is None and span.partition in starts:
                expected = starts[span.partition].offset
            jumps = list(span.gaps)
            if expected is not None and span.first > expected:
                jumps.insert(0, (expected - 1, span.first))
            if jumps:
                self._classify(span.partition, state, jumps)
            state.next_offset = span.last + 1
            state.at_eof = False
        for partition, offset in eofs.items():
            state = self._state(partition)
            state.at_eof = True
            if state.next_offset is None:
                state.next_offset = offset

    @property
    def caught_up(self) -> bool:
        """True when partitions are assigned and every one reached its end since its last message."""
        with self._lock:
            return bool(self._assigned) and all(self._states[p].at_eof for p in self._assigned)

    @property
    def assigned(self) -> frozenset[int]:
        """The partitions currently assigned."""
        with self._lock:
            return frozenset(self._assigned)

    def positions(self) -> dict[int, int]:
        """Next offset to deliver, per partition that has delivered or reached its end."""
        return {p: s.next_offset for p, s in sorted(self._states.items()) if s.next_offset is not None}

    def expired(self) -> dict[int, int]:
        """Records that expired before they were read, per partition (only non-zero counts)."""
        return {p: s.expired for p, s in sorted(self._states.items()) if s.expired}

    def skipped(self) -> dict[int, int]:
        """Offsets skipped for other reasons (compaction, transaction markers), per partition."""
        return {p: s.skipped for p, s in sorted(self._states.items()) if s.skipped}

    def _state(self, partition: int) -> _PartitionState:
        with self._lock:
            return self._states.setdefault(partition, _PartitionState())

    def _classify(self, partition: int, state: _PartitionState, jumps: list[tuple[int, int]]) -> None:
        low = self.low_watermark(partition)
        for before, after in jumps:
            missing = after - before - 1
            lost = max(0, min(after, low) - (before + 1))
            if lost:
                state.expired += lost
                logger.warning(
                    "partition %d: %d records expired before they were read (offsets %d to %d; log start %d)",
                    partition,
                    lost,
                    before + 1,
                    before + lost,
                    low,
                )
            state.skipped += missing - lost
