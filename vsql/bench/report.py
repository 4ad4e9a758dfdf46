"""Reports of bench runs and comparisons: rich tables for the terminal, Markdown for files.

Terminal tables go to an explicit stream through a rich ``Console`` (colour only on a terminal):
regressions and memory growth in red, improvements in green, workloads on one side only dimmed,
workloads measured over another record count than the baseline's in yellow.
Markdown reports carry the same figures plus the run's context (versions, machine, date).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import TextIO

from rich.console import Console
from rich.table import Table

from vsql.bench.baseline import BaselineInfo, Locations
from vsql.bench.compare import MAX_MEMORY_GROWTH, Comparison, Status, WorkloadComparison
from vsql.bench.result import BenchRun, WorkloadResult

__all__ = ["comparison_markdown", "run_markdown", "write_baselines", "write_comparison", "write_run"]

_STYLES = {
    Status.REGRESSION: "bold red",
    Status.MEMORY_GROWTH: "bold red",
    Status.IMPROVEMENT: "green",
    Status.MISSING: "dim",
    Status.NEW: "dim",
    Status.RECORDS_DIFFER: "yellow",
}

_RUN_COLUMNS = (
    "workload",
    "records/s",
    "µs/rec",
    "spread",
    "p99 ms",
    "reference",
    "ref rec/s",
    "normalized",
    "state slots",
    "peak MB",
    "growth",
)

_COMPARE_COLUMNS = (
    "workload",
    "status",
    "base rec/s",
    "rec/s",
    "base norm",
    "norm",
    "delta",
    "noise",
    "growth",
)

_RUN_TEXT = ("workload", "reference")
_COMPARE_TEXT = ("workload", "status")
_BASELINE_COLUMNS = ("name", "date", "machine", "workloads")


def _number(value: float | None, spec: str, suffix: str = "") -> str:
    return "-" if value is None else f"{value:{spec}}{suffix}"


def _run_cells(result: WorkloadResult) -> list[str]:
    return [
        result.name,
        _number(result.records_per_s, ",.0f"),
        _number(result.us_per_record, ".3f"),
        _number(100 * result.spread, ".1f", "%"),
        _number(result.batch_latency_ms[2], ".2f"),
        result.reference,
        _number(result.reference_records_per_s, ",.0f"),
        _number(result.normalized, ".2f", "x"),
        _number(result.peak_state_slots, ",d"),
        _number(result.peak_rss_mb, ".0f"),
        _number(result.memory_growth, ".2f", "x"),
    ]


def _comparison_cells(row: WorkloadComparison) -> list[str]:
    return [
        row.name,
        row.status.value,
        _number(row.baseline_records_per_s, ",.0f"),
        _number(row.current_records_per_s, ",.0f"),
        _number(row.baseline_normalized, ".2f", "x"),
        _number(row.current_normalized, ".2f", "x"),
        _number(row.delta_pct, "+.1f", "%"),
        _number(row.noise_pct, ".1f", "%"),
        _number(row.current_memory_growth, ".2f", "x"),
    ]


def _console(stream: TextIO) -> Console:
    """A console on ``stream``, wide enough that a non-terminal stream gets whole rows."""
    return Console(file=stream, width=None if stream.isatty() else 160, highlight=False)


def _run_context(run: BenchRun) -> str:
    return (
        f"vsql {run.vsql_version}, Python {run.python_version}, {run.machine.describe()}; "
        f"{run.records:,} records x {run.repeat}, {run.timestamp}"
    )


def _verdict(comparison: Comparison) -> str:
    counts = {status: sum(row.status is status for row in comparison.rows) for status in Status}
    parts = [f"{counts[status]} {status.value}" for status in Status if counts[status]]
    outcome = "FAIL" if comparison.is_failing else "PASS"
    return (
        f"{outcome}: {', '.join(parts) or 'no workloads'} (tolerance {comparison.tolerance}, "
        f"memory growth limit {MAX_MEMORY_GROWTH:g}x)"
    )


def _table(
    columns: Iterable[str], rows: Iterable[tuple[list[str], str | None]], *, text: Collection[str]
) -> Table:
    """A table of figures (right-aligned, never wrapped) and ``text`` columns (left-aligned;
    all but the first may wrap); each row has its style."""
    table = Table(show_edge=False, pad_edge=False)
    for index, column in enumerate(columns):
        figure = column not in text
        table.add_column(column, justify="right" if figure else "left", no_wrap=figure or index == 0)
    for cells, style in rows:
        table.add_row(*cells, style=style)
    return table


def write_run(run: BenchRun, stream: TextIO) -> None:
    """A table of ``run``'s results (memory growth above the limit in red) and its context."""
    rows = [
        (
            _run_cells(result),
            "red" if result.memory_growth is not None and result.memory_growth > MAX_MEMORY_GROWTH else None,
        )
        for result in run.results
    ]
    console = _console(stream)
    console.print(_table(_RUN_COLUMNS, rows, text=_RUN_TEXT))
    console.print(_run_context(run), style="dim")


def write_comparison(comparison: Comparison, stream: TextIO) -> None:
    """A table of ``comparison`` (regressions in red), the verdict, and warnings of machine and
    record count differences."""
    rows = [(_comparison_cells(row), _STYLES.get(row.status)) for row in comparison.rows]
    console = _console(stream)
    console.print(_table(_COMPARE_COLUMNS, rows, text=_COMPARE_TEXT))
    console.print(_verdict(comparison), style="bold red" if comparison.is_failing else "green")
    if comparison.machine_differences:
        console.print(
            "warning: measured on different machines (" + "; ".join(comparison.machine_differences) + "): "
            "absolute figures do not compare, normalized ones roughly do",
            style="yellow",
        )
    records = comparison.records_warning()
    if records is not None:
        console.print(f"warning: {records}", style="yellow", markup=False)


def _markdown_table(
    columns: Iterable[str], rows: Iterable[tuple[list[str], bool]], *, text: Collection[str]
) -> str:
    """A Markdown table, ``text`` columns left-aligned and figures right-aligned; rows flagged
    True are set in bold."""
    columns = list(columns)
    alignment = [":--" if column in text else "--:" for column in columns]
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join(alignment) + "|"]
    for cells, bold in rows:
        shown = [f"**{cell}**" for cell in cells] if bold else cells
        lines.append("| " + " | ".join(shown) + " |")
    return "\n".join(lines) + "\n"


def run_markdown(run: BenchRun) -> str:
    """A Markdown report of ``run``: its context, then one table row per workload."""
    table = _markdown_table(
        _RUN_COLUMNS, ((_run_cells(result), False) for result in run.results), text=_RUN_TEXT
    )
    return f"# vsql bench run\n\n{_run_context(run)}\n\n{table}"


def comparison_markdown(comparison: Comparison, *, current: BenchRun, baseline: BenchRun, name: str) -> str:
    """A Markdown report of ``comparison`` against baseline ``name``: both runs' context, the
    verdict, machine and record count differences, and one row per workload (failing ones in bold)."""
    table = _markdown_table(
        _COMPARE_COLUMNS,
        ((_comparison_cells(row), row.status.is_failing) for row in comparison.rows),
        text=_COMPARE_TEXT,
    )
    lines = [
        f"# vsql bench compare: {name}",
        "",
        f"- current: {_run_context(current)}",
        f"- baseline `{name}`: {_run_context(baseline)}",
        *(f"- **machine differs**: {difference}" for difference in comparison.machine_differences),
        *(f"- **records differ**: {records}" for records in [comparison.records_warning()] if records),
        "",
        f"**{_verdict(comparison)}**",
        "",
        table,
    ]
    return "\n".join(lines)


def write_baselines(infos: list[BaselineInfo], stream: TextIO, *, locations: Locations) -> None:
    """A line naming the folders read (``locations``) and what chose them, then per folder holding
    any of ``infos`` (in the order read), its path and a table of its baselines: name, date,
    machine and workloads."""
    stream.write(f"baselines in {locations.describe()} (chosen by {locations.origin})\n")
    if not infos:
        stream.write("no baselines\n")
        return
    console = _console(stream)
    for folder in locations.search:
        rows = [
            ([info.name, info.timestamp, info.machine.describe(), ", ".join(info.workloads)], None)
            for info in infos
            if info.path.parent == folder
        ]
        if not rows:
            continue
        console.print(f"{folder}:", markup=False, highlight=False, soft_wrap=True)
        console.print(_table(_BASELINE_COLUMNS, rows, text=_BASELINE_COLUMNS))
