"""MetricsHistory: the series the metrics panel plots, from the runtime's samples."""

from __future__ import annotations

from vsql.runtime import Counters
from vsql.tui.sampling import MetricsHistory


def test_history_keeps_the_latest_samples_as_series() -> None:
    history = MetricsHistory(length=2)
    for records in (100, 300, 600):
        history.add(
            Counters(
                records_in=records, records_per_s=records / 2, memory_mb=42.0, state_slots=records // 100
            )
        )
    assert history.records_per_s == [150, 300]
    assert history.memory == ([300, 600], [42.0, 42.0], [3, 6])
    history.clear()
    assert history.latest is None and history.rows_per_s == []
