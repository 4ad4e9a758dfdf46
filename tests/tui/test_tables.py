"""The results table and the queries list as the user sees them: widths that fit the values shown,
and a results view that follows the newest rows."""

from __future__ import annotations

from dataclasses import replace

import pyarrow as pa
from textual.pilot import Pilot
from textual.widgets import DataTable

from tests.tui.conftest import wait_for
from tests.tui.fakes import dashboard_runtime, fake_app
from vsql.engine.sql.plan import EmitMode
from vsql.runtime import JobInfo, JobState, ResultShape
from vsql.tui.app import VsqlApp
from vsql.tui.messages import QueryStarted, ResultsBatch
from vsql.tui.widgets import QueriesList, ResultsTable

WINDOWED = ResultShape(
    columns=("symbol", "n", "window_start"),
    key_columns=("symbol", "window_start"),
    emit_mode=EmitMode.CHANGES,
)
"""Windowed EMIT CHANGES results: one row per symbol and window, updated in place."""


def shown(table: DataTable[str]) -> list[list[str]]:
    """The cells of the rows the table draws, as the screen shows them (header left out)."""
    lines = [table.render_line(y).text for y in range(table.scrollable_content_region.height)]
    return [line.split() for line in lines[1:] if line.strip()]


def windows(rows: list[dict[str, object]]) -> pa.Table:
    return pa.table({name: [row[name] for row in rows] for name in WINDOWED.columns})


def counts(*window_starts: int, n: int = 1) -> pa.Table:
    """Symbols A and B counted ``n`` in each window of ``window_starts``."""
    return windows([{"symbol": s, "n": n, "window_start": w} for w in window_starts for s in ("A", "B")])


async def start_results(app: VsqlApp, pilot: Pilot) -> ResultsTable:
    """Connected, with the results table set up for ``WINDOWED`` results."""
    await wait_for(pilot, lambda: app.connection is not None)
    app.post_message(QueryStarted("SELECT ...", WINDOWED))
    return app.query_one(ResultsTable)


def windows_shown(table: ResultsTable) -> set[int]:
    return {int(cells[2]) for cells in shown(table)}


async def test_a_result_cell_that_grows_is_shown_whole() -> None:
    app = fake_app(dashboard_runtime())
    async with app.run_test(size=(100, 30)) as pilot:
        table = await start_results(app, pilot)
        app.post_message(ResultsBatch(counts(0, n=9)))
        await wait_for(pilot, lambda: ["A", "9", "0"] in shown(table))
        app.post_message(ResultsBatch(counts(0, n=816)))
        await wait_for(pilot, lambda: ["A", "816", "0"] in shown(table))


async def test_a_query_state_that_grows_is_shown_whole() -> None:
    dashboard = dashboard_runtime()
    running = JobInfo("CSAS_OUT_1", "CREATE STREAM", JobState.RUNNING)
    dashboard.add_job(running)
    app = fake_app(dashboard)
    async with app.run_test(size=(100, 30)) as pilot:
        queries = app.query_one(QueriesList)
        await wait_for(pilot, lambda: ["CSAS_OUT_1", "running", "0", "0"] in shown(queries))
        dashboard.add_job(replace(running, state=JobState.TERMINATED))
        await wait_for(pilot, lambda: ["CSAS_OUT_1", "terminated", "0", "0"] in shown(queries))


async def test_the_results_follow_the_newest_window() -> None:
    app = fake_app(dashboard_runtime())
    async with app.run_test(size=(80, 24)) as pilot:
        table = await start_results(app, pilot)
        for first in range(0, 30, 3):
            app.post_message(ResultsBatch(counts(first, first + 1, first + 2)))
        await wait_for(pilot, lambda: table.row_count == 60 and 29 in windows_shown(table))
        assert 0 not in windows_shown(table)
        app.post_message(ResultsBatch(counts(5, n=2)))  # an update in place of an older window
        app.post_message(ResultsBatch(counts(30)))
        await wait_for(pilot, lambda: 30 in windows_shown(table))


async def test_highlighting_an_earlier_row_holds_the_view_and_ctrl_end_follows_again() -> None:
    app = fake_app(dashboard_runtime())
    async with app.run_test(size=(80, 24)) as pilot:
        table = await start_results(app, pilot)
        app.post_message(ResultsBatch(counts(*range(20))))
        await wait_for(pilot, lambda: 19 in windows_shown(table))
        table.focus()
        await pilot.press("ctrl+home")
        await wait_for(pilot, lambda: 0 in windows_shown(table))
        app.post_message(ResultsBatch(counts(20)))
        await wait_for(pilot, lambda: table.row_count == 42)
        await pilot.pause()
        assert table.cursor_row == 0 and 0 in windows_shown(table)
        await pilot.press("ctrl+end")
        app.post_message(ResultsBatch(counts(21)))
        await wait_for(pilot, lambda: 21 in windows_shown(table))
