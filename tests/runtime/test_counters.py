"""Counters: the summary line, sums across workers, and the sampler's pacing and rates."""

from __future__ import annotations

from vsql.runtime.counters import Counters, Sampler, plural


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_plural_agrees_with_the_count() -> None:
    assert [plural(n, "row") for n in (0, 1, 2, 1000)] == ["0 rows", "1 row", "2 rows", "1,000 rows"]


def test_summary_uses_singular_and_plural_and_reports_late_and_expired() -> None:
    one = Counters(records_in=1, rows_out=1, dead_letter_count=1, late_count=1, elapsed_s=2.0)
    assert one.summary() == "done in 2.0 s: 1 record in, 1 row out, 1 late, 1 dead letter"
    many = Counters(records_in=5_000, rows_out=0, expired_count=3, elapsed_s=1.25)
    assert many.summary(is_cancelled=True) == (
        "cancelled after 1.2 s: 5,000 records in, 0 rows out, 3 expired before being read"
    )
    assert Counters(records_in=9, expired_count=1).summary().endswith(", 1 expired before being read")
    assert Counters(records_in=2, rows_out=2).summary(head="stopped after --timeout 1s") == (
        "stopped after --timeout 1s: 2 records in, 2 rows out"
    )


def test_plus_sums_counts_and_keeps_the_lowest_watermark() -> None:
    total = Counters(records_in=3, rows_out=1, watermark_ms=50, elapsed_s=2.0).plus(
        Counters(records_in=4, rows_out=2, watermark_ms=None, late_count=1, elapsed_s=3.0)
    )
    assert (total.records_in, total.rows_out, total.late_count) == (7, 3, 1)
    assert (total.watermark_ms, total.elapsed_s) == (50, 3.0)


def test_the_sampler_paces_samples_and_gives_rates_over_the_interval() -> None:
    clock, samples = Clock(), []
    sampler = Sampler(
        samples.append, interval_s=1.0, clock=clock, wall_ms=lambda: 10_000, memory_mb=lambda: 42.0
    )
    sampler.observe(Counters(records_in=0))
    assert samples == [], "nothing before the interval and before any data"
    clock.now += 0.25
    sampler.observe(Counters(records_in=100, rows_out=10, watermark_ms=9_000))
    assert len(samples) == 1, "the first data is shown at once"
    assert samples[0].records_per_s == 400.0 and samples[0].memory_mb == 42.0
    assert samples[0].event_lag_ms == 1_000
    clock.now += 0.5
    sampler.observe(Counters(records_in=150))
    assert len(samples) == 1
    clock.now += 0.5
    sampler.observe(Counters(records_in=400, rows_out=20))
    assert (samples[-1].records_per_s, samples[-1].rows_per_s) == (300.0, 10.0)


def test_the_final_sample_keeps_the_average_rates_and_is_handed_on() -> None:
    samples: list[Counters] = []
    sampler = Sampler(samples.append, clock=Clock(), memory_mb=lambda: 1.0)
    final = sampler.final(Counters(records_in=10, records_per_s=5.0, elapsed_s=2.0))
    assert samples == [final] and final.records_per_s == 5.0 and final.memory_mb == 1.0
