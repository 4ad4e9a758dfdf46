"""The regression view: a bench run against a stored baseline, workload by workload.

The current run comes from running the bench workloads (in a worker) or from a saved bench JSON
(``vsql bench run --json PATH``); the baseline from the folders ``vsql bench compare`` reads
(``vsql.bench.baseline.locate``). With a baseline chosen, "Run bench" measures the baseline's
workloads over its record count, as ``vsql bench compare NAME`` does, so every workload gets a
verdict (a run over another count gets none: ``records differ``). The verdict is
``vsql.bench.compare.compare``'s, the same as ``vsql bench compare``: normalized throughput
(records/s over a reference loop measured in the same run), delta in percent, and the status,
red on a regression or memory growth. A bar shows current over baseline, the mark at 1.0.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Input, Label, Select, Static

from vsql.bench.baseline import list_baselines, load, locate
from vsql.bench.compare import DEFAULT_TOLERANCE, Comparison, Status, Tolerance, WorkloadComparison, compare
from vsql.bench.measure import MIN_TIMED_S
from vsql.bench.result import BenchFileError, BenchRun
from vsql.bench.runner import run_workloads
from vsql.bench.workloads import DEFAULT_WORKLOADS, WORKLOADS
from vsql.runtime import plural

__all__ = ["DEFAULT_BENCH", "BenchPlan", "RegressionScreen", "ratio_bar", "row_cells"]

logger = logging.getLogger(__name__)

_BAR_CELLS = 16
"""Width of a bar; the baseline (ratio 1.0) sits at its middle."""
_BLOCKS = " ▏▎▍▌▋▊▉█"
_STATUS_STYLES = {
    Status.REGRESSION: "bold red",
    Status.MEMORY_GROWTH: "bold red",
    Status.IMPROVEMENT: "green",
    Status.MISSING: "dim",
    Status.NEW: "dim",
    Status.RECORDS_DIFFER: "yellow",
    Status.OK: "",
}
COLUMNS = ("workload", "base x ref", "now x ref", "delta", "current / baseline", "status")


def ratio_bar(ratio: float, *, width: int = _BAR_CELLS) -> str:
    """A bar of ``ratio`` (current over baseline) in eighths of a cell, ``width / 2`` cells = 1.0,
    with ``│`` marking 1.0 when the bar falls short of it."""
    eighths = max(0, min(width * 8, round(ratio * width * 4)))
    full, part = divmod(eighths, 8)
    bar = "█" * full + (_BLOCKS[part] if part else "")
    bar = bar.ljust(width)
    middle = width // 2
    if len(bar.rstrip()) < middle:
        bar = bar[:middle] + "│" + bar[middle + 1 :]
    return bar


def _number(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def row_cells(row: WorkloadComparison) -> tuple[Text, ...]:
    """The table cells of one workload, styled by its status."""
    style = _STATUS_STYLES[row.status]
    bar = ""
    if row.current_normalized is not None and row.baseline_normalized:
        bar = ratio_bar(row.current_normalized / row.baseline_normalized)
    cells = (
        row.name,
        _number(row.baseline_normalized, ".2f"),
        _number(row.current_normalized, ".2f"),
        _number(row.delta_pct, "+.1f") + ("%" if row.delta_pct is not None else ""),
        bar,
        row.status.value,
    )
    return tuple(Text(cell, style=style) for cell in cells)


def summary_text(comparison: Comparison, *, baseline: str, current: str) -> Text:
    """The verdict line, and how the machines and record counts differ when they do."""
    failing = [row.name for row in comparison.rows if row.status.is_failing]
    if failing:
        verdict = Text(f"REGRESSION in {', '.join(failing)}", style="bold red")
    else:
        verdict = Text("no regression", style="green")
    text = Text.assemble(f"{current} vs baseline {baseline} (tolerance {comparison.tolerance}): ", verdict)
    if comparison.machine_differences:
        text.append(f"\nother machine: {'; '.join(comparison.machine_differences)}", style="yellow")
    records = comparison.records_warning()
    if records is not None:
        text.append(f"\n{records}", style="yellow")
    return text


class BenchRunner(Protocol):
    """Measures workloads, as ``vsql.bench.runner.run_workloads`` does."""

    def __call__(
        self,
        names: list[str],
        *,
        records: int,
        repeat: int,
        min_seconds: float,
        progress: Callable[[str], None] | None,
    ) -> BenchRun: ...


@dataclass(frozen=True)
class BenchPlan:
    """What "Run bench" measures: ``workloads`` (names in ``vsql.bench.workloads.WORKLOADS``),
    ``records`` per timed run, ``repeat`` timed runs per workload, each passing over its records
    until it has run ``min_seconds``, measured by ``runner``. With a baseline chosen, its
    workloads and record count replace ``workloads`` and ``records`` (``for_baseline``).

    Raises:
        ValueError: an unknown workload, or ``records`` or ``repeat`` below 1.
    """

    workloads: tuple[str, ...] = DEFAULT_WORKLOADS
    records: int = 200_000
    repeat: int = 3
    min_seconds: float = MIN_TIMED_S
    runner: BenchRunner = run_workloads

    def __post_init__(self) -> None:
        unknown = [name for name in self.workloads if name not in WORKLOADS]
        if unknown:
            raise ValueError(f"workloads: unknown {', '.join(unknown)}; known: {', '.join(WORKLOADS)}")
        for name in ("records", "repeat"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")

    def for_baseline(self, baseline: BenchRun) -> BenchPlan:
        """This plan over ``baseline``'s workloads (those this vsql knows) and record count, so
        each workload it measured gets a verdict; unchanged when it knows none of them."""
        known = tuple(name for name in baseline.names if name in WORKLOADS)
        if not known:
            return self
        return replace(self, workloads=known, records=baseline.records)


DEFAULT_BENCH = BenchPlan()
"""What "Run bench" measures unless told otherwise: with no baseline chosen, the workloads
``vsql bench run`` measures (no Kafka ones), 200,000 records x 3."""


class _BenchProgress(Message):
    """The bench run in the worker starts workload ``name``, the ``position``-th of ``total``."""

    def __init__(self, name: str, position: int, total: int) -> None:
        super().__init__()
        self.name = name
        self.position = position
        self.total = total


class _BenchDone(Message):
    """A bench run finished in the worker (``run`` None and ``error`` set when it failed)."""

    def __init__(self, run: BenchRun | None, *, error: str | None = None) -> None:
        super().__init__()
        self.run = run
        self.error = error


class RegressionScreen(Screen[None]):
    """Pick a baseline, load or run a current run, and see the comparison.

    Args:
        directory: where baselines are stored (default: ``vsql bench``'s folders, see
            ``vsql.bench.baseline.locate``).
        bench: what "Run bench" measures.
    """

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("f9", "app.pop_screen", "Back", show=False),
        Binding("ctrl+b", "run_bench", "Run bench"),
    ]

    def __init__(self, *, directory: Path | None = None, bench: BenchPlan = DEFAULT_BENCH) -> None:
        super().__init__()
        self._directory = directory
        self._bench = bench
        self._bench_plan = bench
        self._baseline: BenchRun | None = None
        self._baseline_name = ""
        self._current: BenchRun | None = None
        self._current_name = ""
        self.comparison: Comparison | None = None
        """The comparison shown, None until both a baseline and a run are chosen."""

    def compose(self) -> ComposeResult:
        """Controls, the verdict, the comparison table, the footer."""
        names = [info.name for info in list_baselines(self._directory)]
        with Horizontal(id="regression-controls"):
            yield Select([(name, name) for name in names], prompt="baseline", id="baseline")
            yield Input(placeholder="bench JSON to load", id="current-path")
            yield Input(DEFAULT_TOLERANCE, id="tolerance")
            yield Button("Run bench", id="run-bench")
        yield Label(
            f"baselines in {locate(self._directory).describe()}: {len(names)}", id="regression-summary"
        )
        table: DataTable[Text] = DataTable(id="comparison", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static("", id="bench-status")
        yield Footer()

    def on_mount(self) -> None:
        """Add the table's columns."""
        self.query_one("#comparison", DataTable).add_columns(*COLUMNS)

    @on(Select.Changed, "#baseline")
    def _baseline_chosen(self, event: Select.Changed) -> None:
        if not isinstance(event.value, str):
            return
        try:
            self._baseline = load(event.value, directory=self._directory)
        except BenchFileError as error:
            self.notify(str(error), severity="error")
            return
        self._baseline_name = event.value
        self._refresh()

    @on(Input.Submitted, "#current-path")
    def _load_current(self, event: Input.Submitted) -> None:
        path = Path(event.value).expanduser()
        try:
            self._current = BenchRun.read(path)
        except BenchFileError as error:
            self.notify(str(error), severity="error")
            return
        self._current_name = path.name
        self._refresh()

    @on(Input.Submitted, "#tolerance")
    def _tolerance_changed(self) -> None:
        self._refresh()

    @on(Button.Pressed, "#run-bench")
    def action_run_bench(self) -> None:
        """Run the bench workloads in a worker (the chosen baseline's, over its record count);
        the comparison follows when it finishes."""
        bench = self._bench if self._baseline is None else self._bench.for_baseline(self._baseline)
        self._bench_plan = bench
        self.query_one("#bench-status", Static).update(f"running {self._describe(bench)} ...")
        self._run_bench(bench)

    def _describe(self, bench: BenchPlan) -> str:
        whose = f" of baseline {self._baseline_name}" if self._baseline is not None else ""
        return (
            f"{plural(len(bench.workloads), 'workload')}{whose}, "
            f"{plural(bench.records, 'record')} x {bench.repeat}"
        )

    @work(thread=True, exclusive=True, group="bench", exit_on_error=False)
    def _run_bench(self, bench: BenchPlan) -> None:
        names = list(bench.workloads)
        positions = iter(range(1, len(names) + 1))
        try:
            run = bench.runner(
                names,
                records=bench.records,
                repeat=bench.repeat,
                min_seconds=bench.min_seconds,
                progress=lambda name: self.post_message(_BenchProgress(name, next(positions), len(names))),
            )
        except (RuntimeError, ValueError, OSError) as error:
            logger.warning("bench run failed: %s", error)
            self.post_message(_BenchDone(None, error=str(error)))
            return
        self.post_message(_BenchDone(run))

    @on(_BenchProgress)
    def _bench_progress(self, message: _BenchProgress) -> None:
        plan = self._bench_plan
        self.query_one("#bench-status", Static).update(
            f"running {message.name} ({message.position}/{message.total}), "
            f"{plan.records:,} records x {plan.repeat} ..."
        )

    @on(_BenchDone)
    def _bench_done(self, message: _BenchDone) -> None:
        status = self.query_one("#bench-status", Static)
        if message.run is None:
            status.update(f"bench failed: {message.error}")
            return
        status.update(f"bench run finished: {plural(len(message.run.results), 'workload')}")
        self._current, self._current_name = message.run, "this run"
        self._refresh()

    def _tolerance(self) -> Tolerance:
        text = self.query_one("#tolerance", Input).value
        try:
            return Tolerance.parse(text)
        except ValueError as error:
            self.notify(str(error), severity="error")
            return Tolerance.parse(DEFAULT_TOLERANCE)

    def _refresh(self) -> None:
        if self._baseline is None or self._current is None:
            missing = "a baseline" if self._baseline is None else "a run (load a bench JSON or run the bench)"
            self.query_one("#regression-summary", Label).update(f"choose {missing}")
            return
        comparison = compare(self._current, self._baseline, self._tolerance())
        table = self.query_one("#comparison", DataTable)
        table.clear()
        for row in comparison.rows:
            table.add_row(*row_cells(row), key=row.name)
        table.focus()
        self.query_one("#regression-summary", Label).update(
            summary_text(comparison, baseline=self._baseline_name, current=self._current_name)
        )
        self.comparison = comparison
