"""The editor's statements one at a time: F5 over a running query, quitting, and the status line."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pyarrow as pa
from textual.widgets import TextArea

from tests.tui.conftest import wait_for
from tests.tui.fakes import BAD_SQL, dashboard_runtime, fake_app
from tests.tui.test_app import status_of
from vsql.tui.messages import QueryFinished, QueryStarted, ResultsBatch
from vsql.tui.widgets import ErrorScreen, PromptScreen

ROWS = pa.table({"symbol": ["A"], "trades": [1], "window_start": [0], "_op": [None]})


def _recorder() -> tuple[list[tuple[str, int | None]], Callable[[object], None]]:
    """The foreground messages the App receives, as (kind, run), and the hook that records them."""
    seen: list[tuple[str, int | None]] = []

    def hook(message: object) -> None:
        if isinstance(message, QueryStarted):
            seen.append(("started", None))
        elif isinstance(message, ResultsBatch):
            seen.append(("rows", None))
        elif isinstance(message, QueryFinished):
            seen.append(("finished", message.run))

    return seen, hook


async def test_f5_over_a_running_query_stops_it_and_waits_for_it_before_the_next_starts() -> None:
    dashboard = dashboard_runtime(is_push=True, batches=[ROWS])
    seen, hook = _recorder()
    app = fake_app(dashboard)
    async with app.run_test(size=(100, 30), message_hook=hook) as pilot:
        await wait_for(pilot, lambda: app.connection is not None)
        await pilot.press("f5")
        await wait_for(pilot, dashboard.query_started.is_set)
        first = dashboard.running_cancel
        dashboard.query_started.clear()
        await pilot.press("f5")
        await wait_for(pilot, dashboard.query_started.is_set)
        second = dashboard.running_cancel
        await wait_for(pilot, lambda: seen.count(("started", None)) == 2)
        assert first.is_set() and not second.is_set()
        assert app.is_query_running and status_of(app).startswith("running: ")
        await pilot.press("f6")
        await wait_for(pilot, lambda: not app.is_query_running)
        assert second.is_set()
        assert status_of(app).startswith("cancelled after")
    # The fake hands its rows over when the query ends (QueryRun coalesces them).
    assert [kind for kind, _ in seen] == ["started", "rows", "finished", "started", "rows", "finished"]
    finished = [run for kind, run in seen if kind == "finished"]
    assert finished[0] != finished[1]


async def test_quitting_stops_the_query_that_replaced_another() -> None:
    dashboard = dashboard_runtime(is_push=True)
    app = fake_app(dashboard)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.connection is not None)
        await pilot.press("f5")
        await wait_for(pilot, dashboard.query_started.is_set)
        dashboard.query_started.clear()
        await pilot.press("f5")
        await wait_for(pilot, dashboard.query_started.is_set)
        second: threading.Event = dashboard.running_cancel
        assert not second.is_set()
    assert second.is_set()


async def test_the_status_line_shows_what_follows_a_failure() -> None:
    dashboard = dashboard_runtime()
    app = fake_app(dashboard, sql=BAD_SQL)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.connection is not None)
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorScreen))
        assert status_of(app) == "failed"
        await pilot.press("escape")
        await pilot.press("f2")
        assert isinstance(app.screen, PromptScreen)
        await pilot.press("enter")
        await wait_for(pilot, lambda: status_of(app).startswith("started DATAGEN_TRADES_"))
        app.query_one(TextArea).text = "SELECT symbol FROM trades"
        await pilot.press("f5")
        await wait_for(pilot, lambda: status_of(app).startswith("done in"))
        await pilot.press("f8")
        await wait_for(pilot, lambda: status_of(app).startswith("terminated DATAGEN_TRADES_1"))
