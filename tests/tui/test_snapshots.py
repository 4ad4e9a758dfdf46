"""SVG snapshots of the dashboard's screens, on a fake runtime so nothing live shows.

After a deliberate change of the layout, look at the report, then update with
``python3 -m pytest tests/tui/test_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pytest
from textual.pilot import Pilot
from textual.widgets import TextArea

from tests.tui.conftest import BASELINES, DATA, wait_for
from tests.tui.fakes import dashboard_runtime
from tests.tui.test_app import open_regression, status_of
from vsql.tui.app import VsqlApp
from vsql.tui.widgets import QueriesList, RegressionScreen

SnapCompare = Callable[..., bool]

# Every header is at least as wide as its values: DataTable widens a column to new cells only when
# idle, so a value wider than its header would make the snapshot depend on timing.
ROWS = pa.table(
    {
        "symbol": ["AAPL", "MSFT", "AAPL", "TSLA"],
        "trades": [3, 5, 4, 1],
        "window_start": [60_000] * 4,
        "_op": [None, None, None, None],
    }
)


def fake_app() -> VsqlApp:
    runtime = dashboard_runtime(batches=[ROWS])
    return VsqlApp(lambda: runtime, switch_runtime=lambda _: runtime, baselines=BASELINES, poll_s=0.1)  # type: ignore[arg-type,return-value]


async def settled(pilot: Pilot) -> None:
    """Connected, queries listed, and the editor focused with its cursor steady (a loaded machine
    may take a while to move the focus there)."""
    app = pilot.app
    assert isinstance(app, VsqlApp)
    editor = app.query_one(TextArea)
    await wait_for(
        pilot,
        lambda: app.connection is not None and app.query_one(QueriesList).row_count == 1 and editor.has_focus,
    )
    editor.cursor_blink = False
    # TextArea caches rendered lines under a key blind to the cursor once blinking is off: a line
    # cached during a blink's dark phase would stay dark. Drop the cache so the cursor is drawn.
    editor.notify_style_update()


def test_main_screen_at_80x24(snap_compare: SnapCompare) -> None:
    assert snap_compare(fake_app(), terminal_size=(80, 24), run_before=settled)


def test_results_updated_in_place_at_120x32(snap_compare: SnapCompare) -> None:
    async def run_query(pilot: Pilot) -> None:
        await settled(pilot)
        await pilot.press("f5")
        app = pilot.app
        assert isinstance(app, VsqlApp)
        await wait_for(pilot, lambda: status_of(app).startswith("done in"))

    assert snap_compare(fake_app(), terminal_size=(120, 32), run_before=run_query)


def test_regression_view(snap_compare: SnapCompare, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(DATA)  # the path typed shows: keep it free of where the checkout lives

    async def compare(pilot: Pilot) -> None:
        await settled(pilot)
        app = pilot.app
        assert isinstance(app, VsqlApp)
        screen = await open_regression(app, pilot, current="current.json")
        assert isinstance(screen, RegressionScreen)
        await wait_for(pilot, lambda: screen.comparison is not None)

    assert snap_compare(fake_app(), terminal_size=(100, 24), run_before=compare)


def test_help_screen(snap_compare: SnapCompare) -> None:
    assert snap_compare(fake_app(), terminal_size=(80, 24), press=["f1"], run_before=settled)
