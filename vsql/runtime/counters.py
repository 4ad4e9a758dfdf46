"""A query's counters: the one type the runtime reports, and the sampler that paces it.

The query driver counts as it runs and hands out ``Counters`` snapshots (rates averaged since the
start). A ``Sampler`` turns that stream into at most one ``Counters`` per interval, with the rates
over the interval (an average since the start hides a stall) and the process's memory. The shell's
status line, the dashboard's metrics panel, SHOW QUERIES, scripts and the workers all show
``Counters``; ``Counters.summary`` is the one line that says how a run ended.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

__all__ = ["Counters", "Sampler", "per_second", "plural", "rss_mb"]

_STATM = Path("/proc/self/statm")
_MIB = 1024 * 1024


def rss_mb() -> float:
    """The resident memory of this process in MiB (the peak when the current value is unavailable)."""
    try:
        resident_pages = int(_STATM.read_text(encoding="ascii").split()[1])
    except (OSError, IndexError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return resident_pages * resource.getpagesize() / _MIB


def per_second(count: float, elapsed_s: float) -> float:
    """``count`` over ``elapsed_s`` seconds; 0 before any time has passed."""
    return count / elapsed_s if elapsed_s > 0 else 0.0


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """``1 row``, ``2 rows``, ``1,000 dead letters``: a count with its noun in the right number."""
    return f"{count:,} {noun if count == 1 else nouns or noun + 's'}"


@dataclass(frozen=True)
class Counters:
    """What a query (or a data generator) has done, at one moment; safe to hand between threads.

    Attributes:
        records_in: input records decoded (good rows; a generator: events produced).
        rows_out: result rows emitted (a generator: events produced).
        dead_letter_count: undecodable or mistyped records, plus late rows under
            ``late.data.strategy = dead_letter``.
        late_count: rows found late, whatever the strategy.
        elapsed_s: wall time since the run started, in seconds.
        records_per_s: input rate: over the last sampling interval, or since the start.
        rows_per_s: output rate, likewise.
        memory_mb: resident memory of the process, in MiB (0 before sampling).
        watermark_ms: the query watermark (epoch ms), None before any data.
        event_lag_ms: wall clock minus watermark at sampling, None without a watermark.
        expired_count: Kafka records that expired from the broker before they were read.
        source_status: ``ok``, or what the input struggles with (``retrying: ...``).
        state_slots: (window, group) state slots the engine holds: its state's size.
        partition_lag: messages behind the log end per partition, as of the last commit.
        latency_p50_ms, latency_p99_ms: recent batch processing times, None before any batch.
    """

    records_in: int = 0
    rows_out: int = 0
    dead_letter_count: int = 0
    late_count: int = 0
    elapsed_s: float = 0.0
    records_per_s: float = 0.0
    rows_per_s: float = 0.0
    memory_mb: float = 0.0
    watermark_ms: int | None = None
    event_lag_ms: int | None = None
    expired_count: int = 0
    source_status: str = "ok"
    state_slots: int = 0
    partition_lag: Mapping[int, int] = field(default_factory=dict)
    latency_p50_ms: float | None = None
    latency_p99_ms: float | None = None

    def summary(self, *, is_cancelled: bool = False, head: str | None = None) -> str:
        """One line on how the run ended: its counters, and whether it was stopped.

        Args:
            is_cancelled: the user stopped it (``cancelled after 2.0 s: ...``).
            head: what comes before the counts instead of ``done in 2.0 s``.
        """
        if head is None:
            head = f"{'cancelled after' if is_cancelled else 'done in'} {self.elapsed_s:.1f} s"
        line = f"{head}: {plural(self.records_in, 'record')} in, "
        line += f"{plural(self.rows_out, 'row')} out"
        if self.late_count or self.dead_letter_count:
            line += f", {self.late_count:,} late, {plural(self.dead_letter_count, 'dead letter')}"
        if self.expired_count:
            line += f", {self.expired_count:,} expired before being read"
        return line

    def plus(self, other: Counters) -> Counters:
        """The sum of two runs' counts (workers of one query); the lower watermark, the longer time."""
        marks = [mark for mark in (self.watermark_ms, other.watermark_ms) if mark is not None]
        return replace(
            self,
            records_in=self.records_in + other.records_in,
            rows_out=self.rows_out + other.rows_out,
            dead_letter_count=self.dead_letter_count + other.dead_letter_count,
            late_count=self.late_count + other.late_count,
            elapsed_s=max(self.elapsed_s, other.elapsed_s),
            records_per_s=self.records_per_s + other.records_per_s,
            rows_per_s=self.rows_per_s + other.rows_per_s,
            watermark_ms=min(marks, default=None),
            expired_count=self.expired_count + other.expired_count,
            state_slots=self.state_slots + other.state_slots,
        )


class Sampler:
    """Paces a run's counters: at most one sample per ``interval_s``, with rates over the interval.

    Called from one thread at a time: the query's, after every batch and heartbeat.

    Args:
        on_sample: gets each sample.
        interval_s: seconds between two samples (the first data is sampled at once).
        clock: monotonic seconds.
        wall_ms: the wall clock in epoch ms, for the event-time lag.
        memory_mb: the process's resident memory in MiB.
    """

    def __init__(
        self,
        on_sample: Callable[[Counters], None],
        *,
        interval_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        wall_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000,
        memory_mb: Callable[[], float] = rss_mb,
    ) -> None:
        self._on_sample = on_sample
        self._interval_s = interval_s
        self._clock = clock
        self._wall_ms = wall_ms
        self._memory_mb = memory_mb
        self._last_at = clock()
        self._last_records = 0
        self._last_rows = 0
        self._has_data = False

    def observe(self, counters: Counters) -> None:
        """The driver's progress hook: sample once the interval has passed, and at the first data."""
        now = self._clock()
        passed_s = now - self._last_at
        is_first_data = not self._has_data and counters.records_in > 0
        if passed_s < self._interval_s and not is_first_data:
            return
        self._has_data = self._has_data or is_first_data
        records_per_s = per_second(counters.records_in - self._last_records, passed_s)
        rows_per_s = per_second(counters.rows_out - self._last_rows, passed_s)
        self._last_at, self._last_records, self._last_rows = now, counters.records_in, counters.rows_out
        self._on_sample(
            self._measured(counters, records_per_s=max(records_per_s, 0.0), rows_per_s=max(rows_per_s, 0.0))
        )

    def final(self, counters: Counters) -> Counters:
        """The counters at the end of the run (rates averaged since the start), also handed on."""
        sample = self._measured(
            counters, records_per_s=counters.records_per_s, rows_per_s=counters.rows_per_s
        )
        self._on_sample(sample)
        return sample

    def _measured(self, counters: Counters, *, records_per_s: float, rows_per_s: float) -> Counters:
        watermark = counters.watermark_ms
        return replace(
            counters,
            records_per_s=records_per_s,
            rows_per_s=rows_per_s,
            memory_mb=self._memory_mb(),
            event_lag_ms=None if watermark is None else max(0, self._wall_ms() - watermark),
        )
