"""Comparing a run with a baseline: regressions beyond tolerance and noise, memory growth, and
workloads on one side only, on synthetic results."""

from __future__ import annotations

import pytest

from vsql.bench.compare import Status, Tolerance, compare

TEN_PERCENT = Tolerance(0.10)


@pytest.mark.parametrize(("text", "fraction"), [("10%", 0.10), ("2.5%", 0.025), (" 10 ", 0.10), ("0%", 0.0)])
def test_tolerance_parses_percentages(text: str, fraction: float) -> None:
    assert Tolerance.parse(text).fraction == pytest.approx(fraction)


@pytest.mark.parametrize("text", ["", "ten", "-5%", "10%%", "100%", "0.1x"])
def test_bad_tolerance_is_an_error_naming_the_text(text: str) -> None:
    with pytest.raises(ValueError, match="invalid tolerance") as error:
        Tolerance.parse(text)
    assert repr(text) in str(error.value)


def test_drop_beyond_tolerance_and_spread_is_a_regression(result_factory, run_factory) -> None:
    baseline = run_factory(result_factory("tumbling", normalized=4.0, spread=0.03))
    current = run_factory(result_factory("tumbling", normalized=3.0, spread=0.05))
    comparison = compare(current, baseline, TEN_PERCENT)
    row = comparison.row("tumbling")
    assert row.status is Status.REGRESSION
    assert row.delta_pct == pytest.approx(-25.0)
    assert row.noise_pct == pytest.approx(5.0)
    assert (row.baseline_normalized, row.current_normalized) == (pytest.approx(4.0), pytest.approx(3.0))
    assert (row.baseline_records_per_s, row.current_records_per_s) == (pytest.approx(4e6), pytest.approx(3e6))
    assert comparison.is_failing


def test_drop_within_the_current_runs_spread_is_noise(result_factory, run_factory) -> None:
    baseline = run_factory(result_factory("tumbling", normalized=4.0, spread=0.02))
    current = run_factory(result_factory("tumbling", normalized=3.0, spread=0.30))
    comparison = compare(current, baseline, TEN_PERCENT)
    assert comparison.row("tumbling").status is Status.OK
    assert not comparison.is_failing


def test_drop_within_the_baselines_spread_is_noise(result_factory, run_factory) -> None:
    baseline = run_factory(result_factory("tumbling", normalized=4.0, spread=0.30))
    current = run_factory(result_factory("tumbling", normalized=3.0, spread=0.0))
    assert compare(current, baseline, TEN_PERCENT).row("tumbling").status is Status.OK


def test_drop_within_tolerance_is_not_a_regression(result_factory, run_factory) -> None:
    baseline = run_factory(result_factory("tumbling", normalized=4.0, spread=0.0))
    current = run_factory(result_factory("tumbling", normalized=3.7, spread=0.0))
    comparison = compare(current, baseline, TEN_PERCENT)
    assert comparison.row("tumbling").status is Status.OK
    assert compare(current, baseline, Tolerance(0.05)).row("tumbling").status is Status.REGRESSION


def test_gain_beyond_tolerance_and_spread_is_an_improvement(result_factory, run_factory) -> None:
    baseline = run_factory(result_factory("tumbling", normalized=2.0))
    current = run_factory(result_factory("tumbling", normalized=3.0))
    comparison = compare(current, baseline, TEN_PERCENT)
    assert comparison.row("tumbling").status is Status.IMPROVEMENT
    assert comparison.row("tumbling").delta_pct == pytest.approx(50.0)
    assert not comparison.is_failing


def test_slower_machine_with_the_same_normalized_figure_is_not_a_regression(
    result_factory, run_factory
) -> None:
    baseline = run_factory(result_factory("tumbling", normalized=3.0, reference_rate=2e6))
    current = run_factory(result_factory("tumbling", normalized=3.0, reference_rate=1e6))
    row = compare(current, baseline, TEN_PERCENT).row("tumbling")
    assert row.current_records_per_s == pytest.approx(row.baseline_records_per_s / 2)
    assert row.status is Status.OK


def test_same_absolute_throughput_against_a_faster_reference_is_a_regression(
    result_factory, run_factory
) -> None:
    baseline = run_factory(result_factory("tumbling", normalized=3.0, reference_rate=1e6))
    current = run_factory(result_factory("tumbling", normalized=2.0, reference_rate=1.5e6))
    row = compare(current, baseline, TEN_PERCENT).row("tumbling")
    assert row.current_records_per_s == pytest.approx(row.baseline_records_per_s)
    assert row.status is Status.REGRESSION


def test_memory_growth_above_the_limit_fails(result_factory, run_factory) -> None:
    baseline = run_factory(result_factory("session", growth=1.0), result_factory("rows", growth=1.0))
    current = run_factory(result_factory("session", growth=1.5), result_factory("rows", growth=1.2))
    comparison = compare(current, baseline, TEN_PERCENT)
    assert comparison.row("session").status is Status.MEMORY_GROWTH
    assert comparison.row("session").current_memory_growth == pytest.approx(1.5)
    assert comparison.row("rows").status is Status.OK
    assert comparison.is_failing


def test_regression_outranks_memory_growth(result_factory, run_factory) -> None:
    baseline = run_factory(result_factory("session", normalized=4.0))
    current = run_factory(result_factory("session", normalized=2.0, growth=2.0))
    assert compare(current, baseline, TEN_PERCENT).row("session").status is Status.REGRESSION


def test_workloads_on_one_side_only_are_reported_without_failing(result_factory, run_factory) -> None:
    baseline = run_factory(result_factory("tumbling"), result_factory("sliding"))
    current = run_factory(result_factory("tumbling"), result_factory("decode_json"))
    comparison = compare(current, baseline, TEN_PERCENT)
    assert [(row.name, row.status) for row in comparison.rows] == [
        ("tumbling", Status.OK),
        ("sliding", Status.MISSING),
        ("decode_json", Status.NEW),
    ]
    missing = comparison.row("sliding")
    assert missing.current_normalized is None and missing.delta_pct is None
    assert missing.baseline_normalized == pytest.approx(2.0)
    assert not comparison.is_failing


def test_machine_difference_is_reported(result_factory, run_factory, other_machine) -> None:
    baseline = run_factory(result_factory("tumbling"))
    same = compare(run_factory(result_factory("tumbling")), baseline, TEN_PERCENT)
    assert same.machine_differences == ()
    moved = compare(run_factory(result_factory("tumbling"), machine=other_machine), baseline, TEN_PERCENT)
    assert moved.machine_differences == ("cpu: Other CPU 9000 != Test CPU 3000", "cpu_count: 16 != 4")


def test_unknown_row_is_a_key_error(result_factory, run_factory) -> None:
    run = run_factory(result_factory("tumbling"))
    with pytest.raises(KeyError):
        compare(run, run, TEN_PERCENT).row("sliding")
