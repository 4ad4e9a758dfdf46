"""Status metering: statuses once per interval with the recent rate, the first data at once."""

from __future__ import annotations

from vsql.repl.backend import QueryStatus
from vsql.repl.meter import StatusMeter, rss_mb, status_of
from vsql.runtime.stats import RunStats


class Clock:
    def __init__(self) -> None:
        self.now_s = 100.0

    def __call__(self) -> float:
        return self.now_s


def test_statuses_come_at_first_data_then_once_per_interval_with_the_recent_rate() -> None:
    clock, statuses = Clock(), []
    meter = StatusMeter(statuses.append, interval_s=1.0, clock=clock)
    meter.observe(RunStats(records_in=0))
    clock.now_s += 0.5
    meter.observe(RunStats(records_in=500))
    clock.now_s += 0.5
    meter.observe(RunStats(records_in=600))
    clock.now_s += 0.5
    meter.observe(RunStats(records_in=2_500))
    assert [(s.records_in, s.records_per_s) for s in statuses] == [(500, 1_000.0), (2_500, 2_000.0)]


def test_final_status_uses_the_average_rate_and_is_reported() -> None:
    statuses: list[QueryStatus] = []
    meter = StatusMeter(statuses.append)
    stats = RunStats(
        records_in=300, rows_out=7, late_count=2, dead_letter_count=1, expired_count=4, elapsed_s=3.0
    )
    final = meter.final(stats)
    assert statuses == [final]
    counts = (final.rows_out, final.late_count, final.dead_letter_count, final.expired_count)
    assert (final.records_per_s, *counts) == (100.0, 7, 2, 1, 4)


def test_status_reports_the_process_memory() -> None:
    assert status_of(RunStats()).memory_mb > 0
    assert rss_mb() > 1.0
