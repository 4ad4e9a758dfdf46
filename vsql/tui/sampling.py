"""A running query's counters turned into the dashboard's samples, and the history it plots.

The runtime reports ``RunStats`` after every batch and heartbeat, on the query's thread;
``MetricsMeter`` turns that into at most one ``MetricsSample`` per interval, with rates over the
interval (not since the start, which hides a stall), process memory, batch latency quantiles and
the event-time lag (wall clock minus watermark). ``MetricsHistory`` keeps the recent samples the
metrics panel plots. Neither imports Textual; clocks are injectable for tests.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from vsql.repl.meter import rss_mb
from vsql.runtime import RunStats

__all__ = ["HISTORY_LENGTH", "MetricsHistory", "MetricsMeter", "MetricsSample"]

HISTORY_LENGTH = 120
"""Samples the panel keeps: two minutes at the default interval."""


@dataclass(frozen=True)
class MetricsSample:
    """A query's figures at one moment; safe to hand between threads.

    Attributes:
        elapsed_s: seconds since the query started.
        records_in: input records so far.
        rows_out: result rows so far.
        records_per_s: input rate over the last interval.
        rows_per_s: output rate over the last interval.
        rss_mb: resident memory of the process, in MiB.
        state_slots: (window, group) state slots the engine holds.
        latency_p50_ms, latency_p99_ms: batch processing time quantiles, None before any batch.
        watermark_ms: the query watermark (epoch ms), None before any data.
        event_lag_ms: wall clock minus watermark, None without a watermark.
        partition_lag: messages behind the log end per partition.
        late_count: rows found late.
        dead_letter_count: records sent to the dead-letter output.
        expired_count: records that expired from the broker before they were read.
        source_status: ``ok`` or what the source struggles with.
    """

    elapsed_s: float
    records_in: int
    rows_out: int
    records_per_s: float
    rows_per_s: float
    rss_mb: float
    state_slots: int
    latency_p50_ms: float | None
    latency_p99_ms: float | None
    watermark_ms: int | None
    event_lag_ms: int | None
    partition_lag: dict[int, int] = field(default_factory=dict)
    late_count: int = 0
    dead_letter_count: int = 0
    expired_count: int = 0
    source_status: str = "ok"


class MetricsMeter:
    """Samples a query's ``RunStats`` at most every ``interval_s``.

    Called from one thread at a time (the query's, or the UI's for a background query).

    Args:
        interval_s: seconds between two samples.
        clock: monotonic seconds.
        wall_ms: the wall clock in epoch ms, for the event-time lag.
        memory_mb: the process's resident memory in MiB.
    """

    def __init__(
        self,
        *,
        interval_s: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
        wall_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000,
        memory_mb: Callable[[], float] = rss_mb,
    ) -> None:
        self._interval_s = interval_s
        self._clock = clock
        self._wall_ms = wall_ms
        self._memory_mb = memory_mb
        self._last_at = clock()
        self._last_records = 0
        self._last_rows = 0

    def observe(self, stats: RunStats) -> MetricsSample | None:
        """A sample when the interval has passed since the last one, else None."""
        if self._clock() - self._last_at < self._interval_s:
            return None
        return self.sample(stats)

    def sample(self, stats: RunStats) -> MetricsSample:
        """A sample now, with rates since the previous sample."""
        now = self._clock()
        passed_s = now - self._last_at
        records_per_s = (stats.records_in - self._last_records) / passed_s if passed_s > 0 else 0.0
        rows_per_s = (stats.rows_out - self._last_rows) / passed_s if passed_s > 0 else 0.0
        self._last_at, self._last_records, self._last_rows = now, stats.records_in, stats.rows_out
        watermark = stats.watermark_ms
        return MetricsSample(
            elapsed_s=stats.elapsed_s,
            records_in=stats.records_in,
            rows_out=stats.rows_out,
            records_per_s=max(records_per_s, 0.0),
            rows_per_s=max(rows_per_s, 0.0),
            rss_mb=self._memory_mb(),
            state_slots=stats.state_slots,
            latency_p50_ms=stats.batch_latency_ms(0.5),
            latency_p99_ms=stats.batch_latency_ms(0.99),
            watermark_ms=watermark,
            event_lag_ms=None if watermark is None else max(0, self._wall_ms() - watermark),
            partition_lag=dict(stats.partition_lag),
            late_count=stats.late_count,
            dead_letter_count=stats.dead_letter_count,
            expired_count=stats.expired_count,
            source_status=stats.source_status,
        )


class MetricsHistory:
    """The latest ``length`` samples, as the series the metrics panel plots.

    Args:
        length: samples kept.
    """

    def __init__(self, length: int = HISTORY_LENGTH) -> None:
        self._samples: deque[MetricsSample] = deque(maxlen=length)

    def add(self, sample: MetricsSample) -> None:
        """Append a sample, dropping the oldest beyond ``length``."""
        self._samples.append(sample)

    def clear(self) -> None:
        """Forget every sample (a new query starts)."""
        self._samples.clear()

    @property
    def latest(self) -> MetricsSample | None:
        """The newest sample, None when empty."""
        return self._samples[-1] if self._samples else None

    @property
    def records_per_s(self) -> list[float]:
        """Input rate per sample, oldest first."""
        return [sample.records_per_s for sample in self._samples]

    @property
    def rows_per_s(self) -> list[float]:
        """Output rate per sample, oldest first."""
        return [sample.rows_per_s for sample in self._samples]

    @property
    def memory(self) -> tuple[list[int], list[float], list[int]]:
        """Records processed, RSS (MiB) and state slots per sample, oldest first."""
        samples = list(self._samples)
        return (
            [sample.records_in for sample in samples],
            [sample.rss_mb for sample in samples],
            [sample.state_slots for sample in samples],
        )
