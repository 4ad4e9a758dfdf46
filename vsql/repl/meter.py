"""A running query's counters turned into the shell's ``QueryStatus``: recent rate and process memory.

The runtime reports its ``RunStats`` after every batch and heartbeat; the shell wants a status about
once a second with the input rate over the last interval (not the average since the start, which
hides a stall) and the memory in use.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from pathlib import Path

from vsql.repl.backend import QueryStatus, StatusCallback
from vsql.runtime.stats import RunStats

__all__ = ["StatusMeter", "rss_mb", "status_of"]

_STATM = Path("/proc/self/statm")
_MIB = 1024 * 1024


def rss_mb() -> float:
    """The resident memory of this process in MiB (the peak when the current value is unavailable)."""
    try:
        resident_pages = int(_STATM.read_text(encoding="ascii").split()[1])
    except (OSError, IndexError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return resident_pages * resource.getpagesize() / _MIB


def status_of(stats: RunStats, *, records_per_s: float | None = None) -> QueryStatus:
    """A ``QueryStatus`` from run counters; the rate defaults to the average since the start."""
    return QueryStatus(
        records_in=stats.records_in,
        rows_out=stats.rows_out,
        records_per_s=stats.records_per_s if records_per_s is None else records_per_s,
        memory_mb=rss_mb(),
        watermark_ms=stats.watermark_ms,
        late_count=stats.late_count,
        dead_letter_count=stats.dead_letter_count,
        elapsed_s=stats.elapsed_s,
        expired_count=stats.expired_count,
    )


class StatusMeter:
    """Hands ``on_status`` a status at most every ``interval_s``, with the rate over that interval.

    Called from the query's thread after every batch (``observe``) and once at the end (``final``).

    Args:
        on_status: the shell's status callback.
        interval_s: seconds between two statuses.
        clock: monotonic seconds (injectable for tests).
    """

    def __init__(
        self,
        on_status: StatusCallback,
        *,
        interval_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._on_status = on_status
        self._interval_s = interval_s
        self._clock = clock
        self._last_at = clock()
        self._last_records = 0
        self._has_data = False

    def observe(self, stats: RunStats) -> None:
        """The runtime's progress hook: report when the interval has passed, and at the first data."""
        now = self._clock()
        passed_s = now - self._last_at
        is_first_data = not self._has_data and stats.records_in > 0
        if passed_s < self._interval_s and not is_first_data:
            return
        self._has_data = self._has_data or is_first_data
        rate = (stats.records_in - self._last_records) / passed_s if passed_s > 0 else 0.0
        self._last_at, self._last_records = now, stats.records_in
        self._on_status(status_of(stats, records_per_s=rate))

    def final(self, stats: RunStats) -> QueryStatus:
        """The status at the end of the run (average rate), also handed to ``on_status``."""
        status = status_of(stats)
        self._on_status(status)
        return status
