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


def test_a_run_over_another_record_count_gets_no_throughput_verdict(result_factory, run_factory) -> None:
    """Normalized figures move with the record count: a drop or a gain between 20,000 and 1,000,000
    records says nothing of the code, so neither is judged; both counts are named."""
    baseline = run_factory(
        result_factory("tumbling", normalized=4.0, records=1_000_000),
        result_factory("sliding", normalized=2.0, records=1_000_000),
    )
    current = run_factory(
        result_factory("tumbling", normalized=2.0, records=20_000),
        result_factory("sliding", normalized=4.0, records=20_000),
    )
    comparison = compare(current, baseline, TEN_PERCENT)
    for name in ("tumbling", "sliding"):
        row = comparison.row(name)
        assert row.status is Status.RECORDS_DIFFER
        assert (row.current_records, row.baseline_records) == (20_000, 1_000_000)
        assert row.delta_pct is None and row.noise_pct is None
        assert (row.baseline_normalized, row.current_normalized) != (None, None)
    assert not comparison.is_failing
    warning = comparison.records_warning()
    assert warning is not None
    assert "tumbling, sliding: 20,000 records, baseline 1,000,000" in warning
    assert "--records 1000000" in warning


def test_the_record_count_warning_names_each_pair_of_counts(result_factory, run_factory) -> None:
    baseline = run_factory(
        result_factory("tumbling", records=1_000_000),
        result_factory("sliding", records=200_000),
        result_factory("rows", records=20_000),
    )
    current = run_factory(
        result_factory("tumbling", records=20_000),
        result_factory("sliding", records=20_000),
        result_factory("rows", normalized=1.0, records=20_000),
    )
    comparison = compare(current, baseline, TEN_PERCENT)
    assert comparison.row("rows").status is Status.REGRESSION, "same count: judged"
    warning = comparison.records_warning() or ""
    assert "tumbling: 20,000 records, baseline 1,000,000" in warning
    assert "sliding: 20,000 records, baseline 200,000" in warning
    assert "rows" not in warning
    assert "--records" not in warning, "no one count to advise"


def test_memory_growth_is_judged_whatever_the_baselines_record_count(result_factory, run_factory) -> None:
    """Growth compares the current run with itself (N/10 against N), not with the baseline."""
    baseline = run_factory(result_factory("session", growth=1.0, records=1_000_000))
    current = run_factory(result_factory("session", growth=1.5, records=20_000))
    comparison = compare(current, baseline, TEN_PERCENT)
    assert comparison.row("session").status is Status.MEMORY_GROWTH
    assert comparison.is_failing
    assert comparison.records_warning() is not None


def test_runs_over_the_same_record_count_raise_no_record_warning(result_factory, run_factory) -> None:
    baseline = run_factory(result_factory("tumbling"), result_factory("sliding"))
    current = run_factory(result_factory("tumbling"), result_factory("decode_json", records=5_000))
    comparison = compare(current, baseline, TEN_PERCENT)
    assert comparison.records_warning() is None, "a workload on one side only has nothing to differ"
    assert comparison.row("tumbling").current_records == 100_000
    assert comparison.row("sliding").current_records is None
