"""The regression view's "Run bench" (Ctrl-B): a bench run over the chosen baseline's workloads and
record count, judged against it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Button, DataTable, Select

from tests.tui.conftest import BASELINES, DATA, wait_for
from tests.tui.fakes import dashboard_runtime, fake_app
from vsql.bench.baseline import load, save
from vsql.bench.compare import Tolerance, compare
from vsql.bench.result import BenchRun, Machine, WorkloadResult
from vsql.bench.runner import run_workloads
from vsql.tui.widgets import BenchPlan, RegressionScreen
from vsql.tui.widgets.regression_view import row_cells, summary_text

BENCH = BenchPlan(workloads=("tumbling", "select_where"), records=1_000, repeat=1, min_seconds=0.0)
"""What Ctrl-B measures here with no baseline chosen; a chosen baseline's workloads and record
count replace ``workloads`` and ``records``."""


@pytest.fixture
def baselines(tmp_path: Path) -> Path:
    """A folder holding baseline ``main``: a real run of ``tumbling`` and ``session``."""
    save(
        run_workloads(["tumbling", "session"], records=3_000, repeat=1, min_seconds=0.0),
        "main",
        directory=tmp_path,
    )
    return tmp_path


def _text(screen: RegressionScreen, selector: str) -> str:
    return str(screen.query_one(selector).render())


async def test_ctrl_b_runs_the_baselines_workloads_over_its_records_and_compares(baselines: Path) -> None:
    stored = load("main", directory=baselines)
    app = fake_app(dashboard_runtime(), baselines=baselines, bench=BENCH)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("f9")
        screen = app.screen
        assert isinstance(screen, RegressionScreen)
        screen.query_one("#baseline", Select).value = "main"
        await wait_for(pilot, lambda: _text(screen, "#regression-summary").startswith("choose a run"))
        table = screen.query_one("#comparison", DataTable)
        assert table.row_count == 0

        await pilot.press("ctrl+b")
        await wait_for(pilot, lambda: _text(screen, "#bench-status").startswith("bench run finished"))

        assert _text(screen, "#bench-status") == "bench run finished: 2 workloads"
        assert _text(screen, "#regression-summary").startswith("this run vs baseline main (tolerance 10%): ")
        rows = {
            cells[0].plain: [cell.plain for cell in cells]
            for cells in (table.get_row_at(index) for index in range(table.row_count))
        }
    assert list(rows) == ["tumbling", "session"]
    for name in ("tumbling", "session"):
        measured = stored.result(name)
        assert measured is not None and rows[name][1] == f"{measured.normalized:.2f}"
        assert float(rows[name][2]) > 0
        assert rows[name][3].endswith("%")
        assert rows[name][5] in {"ok", "improvement", "regression"}


@dataclass
class RecordedRunner:
    """A bench runner that measures nothing: it answers with the fixture run ``current.json`` over
    the workloads and record count asked for, and records what was asked."""

    asked: list[tuple[list[str], int]] = field(default_factory=list)

    def __call__(
        self, names: list[str], *, records: int, progress: Callable[[str], None] | None, **timing: float
    ) -> BenchRun:
        self.asked.append((names, records))
        fixture = BenchRun.read(DATA / "current.json")
        results = []
        for name in names:
            if progress is not None:
                progress(name)
            measured = fixture.result(name)
            assert measured is not None
            results.append(replace(measured, records=records))
        return replace(fixture, results=tuple(results), records=records, repeat=int(timing["repeat"]))


async def test_ctrl_b_measures_the_fixture_baselines_record_count_not_the_plans() -> None:
    runner = RecordedRunner()
    bench = BenchPlan(workloads=("tumbling",), records=200_000, repeat=1, min_seconds=0.0, runner=runner)
    app = fake_app(dashboard_runtime(), baselines=BASELINES, bench=bench)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("f9")
        screen = app.screen
        assert isinstance(screen, RegressionScreen)
        await pilot.press("ctrl+b")  # no baseline chosen: the plan's workloads and records
        await wait_for(pilot, lambda: _text(screen, "#bench-status").startswith("bench run finished"))
        screen.query_one("#baseline", Select).value = "main"
        await pilot.press("ctrl+b")
        await wait_for(pilot, lambda: len(runner.asked) == 2 and screen.comparison is not None)
        await wait_for(pilot, lambda: _text(screen, "#bench-status") == "bench run finished: 3 workloads")
        comparison = screen.comparison
    assert runner.asked == [(["tumbling"], 200_000), (["tumbling", "sliding", "session"], 1_000_000)]
    assert comparison is not None and comparison.records_warning() is None
    assert [row.status.value for row in comparison.rows] == ["ok", "regression", "improvement"]


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"workloads": ("tumbling", "nope")}, "workloads"),
        ({"records": 0}, "records"),
        ({"repeat": 0}, "repeat"),
    ],
)
def test_a_bench_plan_refuses_a_bad_field_by_name(options: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        BenchPlan(**options)


def _run_over(records: int, normalized: float) -> BenchRun:
    result = WorkloadResult(
        name="tumbling",
        records=records,
        records_per_s=normalized * 1e6,
        spread=0.0,
        us_per_record=1 / normalized,
        batch_latency_ms=(0.0, 0.0, 0.0),
        reference="dict_loop",
        reference_records_per_s=1e6,
    )
    return BenchRun(results=(result,), machine=Machine.current(), records=records, repeat=1)


def test_a_run_over_another_record_count_shows_no_verdict_and_says_why() -> None:
    """A run over 200,000 records is not judged against a baseline over 1,000,000."""
    comparison = compare(_run_over(200_000, 2.0), _run_over(1_000_000, 4.0), Tolerance(0.1))
    (row,) = comparison.rows
    cells = [cell.plain for cell in row_cells(row)]
    assert (cells[3], cells[5]) == ("-", "records differ")
    summary = summary_text(comparison, baseline="main", current="this run").plain
    assert "no regression" in summary
    assert "tumbling: 200,000 records, baseline 1,000,000" in summary


async def test_a_bench_of_one_workload_says_one_workload(baselines: Path) -> None:
    bench = BenchPlan(workloads=("select_where",), records=1_000, repeat=1, min_seconds=0.0)
    app = fake_app(dashboard_runtime(), baselines=baselines, bench=bench)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("f9")
        screen = app.screen
        assert isinstance(screen, RegressionScreen)
        await pilot.press("ctrl+b")
        await wait_for(pilot, lambda: _text(screen, "#bench-status").startswith("bench run finished"))
        assert _text(screen, "#bench-status") == "bench run finished: 1 workload"


@pytest.mark.parametrize("size", [(80, 24), (100, 24)])
async def test_the_run_bench_button_is_whole_and_clear_of_the_screen_edge(size: tuple[int, int]) -> None:
    app = fake_app(dashboard_runtime(), baselines=BASELINES)
    async with app.run_test(size=size) as pilot:
        await pilot.press("f9")
        screen = app.screen
        assert isinstance(screen, RegressionScreen)
        await pilot.pause()
        button = screen.query_one("#run-bench", Button)
        controls = screen.query_one("#regression-controls").region
        assert controls.contains_region(button.region)
        assert button.region.right < screen.region.right
        assert button.content_region.width >= len(" Run bench ")
        assert screen.query_one("#tolerance").region.right < button.region.x
