"""Reports: terminal tables, Markdown and PNG charts of runs and comparisons."""

from __future__ import annotations

import io
from pathlib import Path

from matplotlib.image import imread

from vsql.bench.compare import Tolerance, compare
from vsql.bench.plot import write_plots
from vsql.bench.report import comparison_markdown, run_markdown, write_comparison, write_run

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _rows(text: str) -> dict[str, str]:
    """Table lines keyed by their first word."""
    return {line.split()[0]: line for line in text.splitlines() if line.strip()}


def test_run_table_has_a_row_per_workload_with_its_figures(result_factory, run_factory) -> None:
    run = run_factory(result_factory("tumbling", normalized=2.5, growth=1.5), result_factory("select_where"))
    out = io.StringIO()
    write_run(run, out)
    rows = _rows(out.getvalue())
    assert "2,500,000" in rows["tumbling"] and "2.50x" in rows["tumbling"] and "1.50x" in rows["tumbling"]
    assert "select_where" in rows
    assert "Test CPU 3000 x4" in out.getvalue()


def test_comparison_table_names_each_status_and_the_verdict(
    result_factory, run_factory, other_machine
) -> None:
    baseline = run_factory(result_factory("tumbling", normalized=4.0), result_factory("sliding"))
    current = run_factory(result_factory("tumbling", normalized=2.0), machine=other_machine)
    out = io.StringIO()
    write_comparison(compare(current, baseline, Tolerance(0.1)), out)
    rows = _rows(out.getvalue())
    assert "regression" in rows["tumbling"] and "-50.0%" in rows["tumbling"]
    assert "missing" in rows["sliding"]
    assert rows["FAIL:"].startswith("FAIL: 1 regression, 1 missing (tolerance 10%")
    assert "different machines (cpu: Other CPU 9000 != Test CPU 3000" in out.getvalue()


def test_comparison_over_another_record_count_warns_with_both_counts(result_factory, run_factory) -> None:
    baseline = run_factory(result_factory("tumbling", normalized=4.0, records=1_000_000))
    current = run_factory(result_factory("tumbling", normalized=2.0, records=20_000))
    comparison = compare(current, baseline, Tolerance(0.1))
    out = io.StringIO()
    write_comparison(comparison, out)
    rows = _rows(out.getvalue())
    assert "records differ" in rows["tumbling"]
    assert rows["PASS:"].startswith("PASS: 1 records differ")
    assert "tumbling: 20,000 records, baseline 1,000,000" in " ".join(out.getvalue().split())
    text = comparison_markdown(comparison, current=current, baseline=baseline, name="main")
    assert "- **records differ**: measured over another record count" in text


def test_run_markdown_is_a_table_with_the_runs_context(result_factory, run_factory) -> None:
    text = run_markdown(run_factory(result_factory("tumbling"), result_factory("rows")))
    lines = text.splitlines()
    assert lines[0] == "# vsql bench run"
    assert "Python 3" in text and "Test CPU 3000" in text and "100,000 records x 3" in text
    table = [line for line in lines if line.startswith("|")]
    assert table[0].startswith("| workload | records/s |")
    assert [line.split("|")[1].strip() for line in table[2:]] == ["tumbling", "rows"]


def test_comparison_markdown_sets_failing_rows_in_bold(result_factory, run_factory) -> None:
    baseline = run_factory(result_factory("tumbling", normalized=4.0), result_factory("rows"))
    current = run_factory(result_factory("tumbling", normalized=2.0), result_factory("rows"))
    text = comparison_markdown(
        compare(current, baseline, Tolerance(0.1)), current=current, baseline=baseline, name="main"
    )
    assert text.startswith("# vsql bench compare: main\n")
    assert "**FAIL: 1 ok, 1 regression" in text
    assert "| **tumbling** | **regression** |" in text
    assert "| rows | ok |" in text


def _png_size(path: Path) -> tuple[int, int]:
    assert path.read_bytes().startswith(PNG_MAGIC)
    height, width = imread(path).shape[:2]
    return width, height


def test_plots_chart_throughput_against_the_baseline_and_memory(
    tmp_path, result_factory, run_factory
) -> None:
    baseline = run_factory(result_factory("tumbling", normalized=4.0), result_factory("rows", normalized=3.0))
    current = run_factory(
        result_factory("tumbling", normalized=2.0, growth=1.0),
        result_factory("rows", normalized=3.1, growth=1.3),
    )
    written = write_plots(tmp_path / "plots", current, baseline=baseline)
    assert [path.name for path in written] == ["throughput.png", "memory.png"]
    for path in written:
        width, height = _png_size(path)
        assert width >= 400 and height >= 300
        assert path.stat().st_size > 10_000, "a chart with axes, bars or lines, and labels"
    alone = write_plots(tmp_path / "alone", current)
    assert alone[0].read_bytes() != written[0].read_bytes(), "without a baseline, no baseline bars"


def test_memory_chart_is_skipped_when_memory_was_not_measured(tmp_path, result_factory, run_factory) -> None:
    written = write_plots(tmp_path, run_factory(result_factory("tumbling")))
    assert [path.name for path in written] == ["throughput.png"]
    assert not (tmp_path / "memory.png").exists()
