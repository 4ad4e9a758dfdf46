"""The recent history of a query's counters, as the metrics panel plots it.

The runtime's ``Sampler`` paces the counters (rates over each interval, memory, event-time lag);
``MetricsHistory`` keeps the latest samples and gives the panel its series. No Textual import.
"""

from __future__ import annotations

from collections import deque

from vsql.runtime import Counters

__all__ = ["HISTORY_LENGTH", "MetricsHistory"]

HISTORY_LENGTH = 120
"""Samples the panel keeps: a minute at the dashboard's sampling interval."""


class MetricsHistory:
    """The latest ``length`` samples, as the series the metrics panel plots.

    Args:
        length: samples kept.
    """

    def __init__(self, length: int = HISTORY_LENGTH) -> None:
        self._samples: deque[Counters] = deque(maxlen=length)

    def add(self, sample: Counters) -> None:
        """Append a sample, dropping the oldest beyond ``length``."""
        self._samples.append(sample)

    def clear(self) -> None:
        """Forget every sample (a new query starts)."""
        self._samples.clear()

    @property
    def latest(self) -> Counters | None:
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
            [sample.memory_mb for sample in samples],
            [sample.state_slots for sample in samples],
        )
