"""MetricsMeter and MetricsHistory: rates over the interval, quantiles, event-time lag."""

from __future__ import annotations

from collections import deque

from vsql.runtime import RunStats
from vsql.tui.sampling import MetricsHistory, MetricsMeter


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def meter(clock: Clock) -> MetricsMeter:
    return MetricsMeter(interval_s=0.5, clock=clock, wall_ms=lambda: 10_000, memory_mb=lambda: 42.0)


def test_no_sample_before_the_interval_then_rates_over_the_interval() -> None:
    clock = Clock()
    sampler = meter(clock)
    clock.now += 0.2
    assert sampler.observe(RunStats(records_in=100)) is None
    clock.now += 0.3
    first = sampler.observe(RunStats(records_in=1_000, rows_out=50))
    assert first is not None and first.records_per_s == 2_000 and first.rows_per_s == 100
    clock.now += 1.0
    second = sampler.observe(RunStats(records_in=1_500, rows_out=50))
    assert second is not None and second.records_per_s == 500 and second.rows_per_s == 0


def test_sample_carries_latency_quantiles_lag_state_and_memory() -> None:
    clock = Clock()
    stats = RunStats(
        records_in=10,
        watermark_ms=7_500,
        state_slots=12,
        partition_lag={0: 3, 1: 0},
        batch_ms=deque(float(value) for value in range(1, 101)),
    )
    clock.now += 1
    sample = meter(clock).sample(stats)
    assert (sample.latency_p50_ms, sample.latency_p99_ms) == (51.0, 100.0)
    assert sample.event_lag_ms == 2_500
    assert (sample.state_slots, sample.partition_lag, sample.rss_mb) == (12, {0: 3, 1: 0}, 42.0)


def test_without_batches_or_watermark_the_figures_are_unknown() -> None:
    sample = meter(Clock()).sample(RunStats())
    assert (sample.latency_p50_ms, sample.watermark_ms, sample.event_lag_ms) == (None, None, None)
    assert sample.records_per_s == 0.0


def test_history_keeps_the_latest_samples_as_series() -> None:
    clock = Clock()
    sampler = meter(clock)
    history = MetricsHistory(length=2)
    for records in (100, 300, 600):
        clock.now += 1
        history.add(sampler.sample(RunStats(records_in=records, state_slots=records // 100)))
    assert history.records_per_s == [200, 300]
    assert history.memory == ([300, 600], [42.0, 42.0], [3, 6])
    history.clear()
    assert history.latest is None and history.rows_per_s == []
