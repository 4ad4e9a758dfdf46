"""What one run of a query did, counted as it runs."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, replace

__all__ = ["LATENCY_WINDOW", "RunStats"]

LATENCY_WINDOW = 512
"""Batches whose processing times ``RunStats.batch_latency_ms`` summarizes (the most recent)."""


@dataclass
class RunStats:
    """Counters of one query run.

    Attributes:
        records_in: input records decoded (good rows only).
        rows_out: result rows emitted.
        dead_letter_count: undecodable or mistyped records plus rows the engine rejected (late rows
            under ``late.data.strategy = dead_letter``).
        late_count: rows found late, whatever the strategy.
        elapsed_s: wall time spent decoding and running, in seconds.
        watermark_ms: the query watermark at the end, if any.
        expired_count: Kafka records that expired from the broker before they were read.
        source_status: ``ok``, or what the source is struggling with (``retrying: ...`` while
            the broker does not answer).
        state_slots: (window, group) state slots the engine holds now: its state's size.
        partition_lag: messages behind the end of the log per partition, as of the last commit
            (empty for inputs without offsets).
        batch_ms: processing times of the latest input batches (decode excluded, engine and sink
            included), in milliseconds, oldest first; at most ``LATENCY_WINDOW``.
    """

    records_in: int = 0
    rows_out: int = 0
    dead_letter_count: int = 0
    late_count: int = 0
    elapsed_s: float = 0.0
    watermark_ms: int | None = None
    expired_count: int = 0
    source_status: str = "ok"
    state_slots: int = 0
    partition_lag: dict[int, int] = field(default_factory=dict)
    batch_ms: deque[float] = field(default_factory=lambda: deque(maxlen=LATENCY_WINDOW))

    def snapshot(self) -> RunStats:
        """A copy that later counting leaves alone, for handing to another thread."""
        return replace(self, partition_lag=dict(self.partition_lag), batch_ms=self.batch_ms.copy())

    @property
    def records_per_s(self) -> float:
        """Input records per second of elapsed time."""
        return self.records_in / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def batch_latency_ms(self, quantile: float) -> float | None:
        """The ``quantile`` (0 to 1) of the recent batch processing times in ms; None before any batch."""
        times = sorted(self.batch_ms)
        if not times:
            return None
        return times[min(len(times) - 1, int(quantile * len(times)))]
