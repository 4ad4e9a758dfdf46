"""The form flows' refusals and cancellations, driven through the App's keys with the Pilot."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.notifications import Notify
from textual.widgets import Input

from tests.tui.conftest import wait_for
from tests.tui.fakes import Switches, dashboard_runtime, fake_app
from vsql.runtime import JobInfo, JobState
from vsql.tui.widgets import ErrorScreen, PromptScreen


def _notifications() -> tuple[list[Notify], Callable[[object], None]]:
    """A list of the notifications an App posts, and the message hook that fills it."""
    notices: list[Notify] = []

    def hook(message: object) -> None:
        if isinstance(message, Notify):
            notices.append(message)

    return notices, hook


async def test_a_rate_that_is_not_a_whole_number_is_refused_and_starts_nothing() -> None:
    dashboard = dashboard_runtime()
    notices, hook = _notifications()
    app = fake_app(dashboard)
    async with app.run_test(message_hook=hook) as pilot:
        await wait_for(pilot, lambda: app.connection is not None)
        await pilot.press("f2")
        app.screen.query_one("#field-rate", Input).value = "fast"
        await pilot.press("enter")
        await wait_for(pilot, lambda: bool(notices))
    assert [(n.notification.message, n.notification.severity) for n in notices] == [
        ("rate must be a whole number, got 'fast'", "error")
    ]
    assert dashboard.started == []


async def test_cancelled_forms_do_nothing() -> None:
    dashboard, switches = dashboard_runtime(), Switches()
    app = fake_app(dashboard, switches=switches)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.connection is not None)
        for key in ("f2", "f3", "f4"):
            await pilot.press(key)
            assert isinstance(app.screen, PromptScreen)
            await pilot.press("escape")
            assert not isinstance(app.screen, PromptScreen)
        await pilot.pause()
    assert dashboard.started == [] and switches.asked == []


async def test_an_export_to_an_unknown_suffix_opens_an_error_screen(tmp_path: Path) -> None:
    app = fake_app(dashboard_runtime())
    target = tmp_path / "out.xlsx"
    async with app.run_test() as pilot:
        await pilot.press("f4")
        app.screen.query_one("#field-path", Input).value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorScreen))
        assert "cannot export to 'out.xlsx'" in str(app.screen.query_one("#error-text").render())
    assert not target.exists()


async def test_a_failed_background_query_is_announced_once_with_its_error() -> None:
    dashboard = dashboard_runtime()
    error = "a worker failed: cannot evaluate CAST(symbol AS INT)"
    dashboard.add_job(JobInfo("CSAS_BAD_1", "CREATE STREAM", JobState.FAILED, error=error))
    notices, hook = _notifications()
    app = fake_app(dashboard)
    async with app.run_test(message_hook=hook) as pilot:
        await wait_for(pilot, lambda: bool(notices))
        await pilot.pause(0.5)  # more polls of the queries list
    assert [(n.notification.message, n.notification.severity) for n in notices] == [
        ("CSAS_BAD_1 failed: a worker failed: cannot evaluate CAST(symbol AS INT)", "error")
    ]
