"""The dashboard driven with the Pilot: queries, results, metrics, actions and the regression view."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest
from rich.text import Text
from textual.notifications import Notify
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, TextArea

from tests.tui.conftest import DATA, wait_for
from tests.tui.fakes import BAD_SQL, Switches, dashboard_runtime, fake_app
from vsql.engine.settings import OutputMode
from vsql.io.kafka.brokers import EmbeddedBroker
from vsql.runtime import Counters, JobInfo, JobState, Runtime
from vsql.runtime.shape import ResultShape
from vsql.tui.app import VsqlApp
from vsql.tui.messages import MetricsTick, QueryFinished, QueryStarted
from vsql.tui.widgets import ErrorScreen, HelpScreen, MetricsPanel, PromptScreen, QueriesList, ResultsTable
from vsql.tui.widgets.regression_view import RegressionScreen

KEYED = "SELECT symbol, COUNT(*) AS n FROM trades GROUP BY symbol EMIT CHANGES"


def _changes(rows: list[dict[str, object]]) -> pa.Table:
    columns = ("symbol", "trades", "window_start", "_op")
    return pa.table({name: [row.get(name) for row in rows] for name in columns})


def status_of(app: VsqlApp) -> str:
    """The status line's text."""
    return str(app.query_one("#status").render())


async def test_query_on_embedded_broker_fills_rows_moves_metrics_and_stops() -> None:
    ticks: list[MetricsTick] = []
    finished: list[QueryFinished] = []
    started: list[QueryStarted] = []

    def hook(message: object) -> None:
        if isinstance(message, MetricsTick):
            ticks.append(message)
        if isinstance(message, QueryFinished):
            finished.append(message)
        if isinstance(message, QueryStarted):
            started.append(message)

    broker = EmbeddedBroker()
    app = VsqlApp(lambda: Runtime(broker=lambda: broker), switch_runtime=lambda _: Runtime(), sql="")
    async with app.run_test(size=(120, 36), message_hook=hook) as pilot:
        await wait_for(pilot, lambda: app.connection is not None)
        await pilot.press("f2")
        assert isinstance(app.screen, PromptScreen)
        app.screen.query_one("#field-rate", Input).value = "5000"
        await pilot.click("#ok")
        await wait_for(pilot, lambda: app.query_one(QueriesList).row_count == 1)
        await pilot.press(*KEYED)
        assert app.query_one(TextArea).text == KEYED
        await pilot.press("f5")
        results = app.query_one(ResultsTable)
        await wait_for(pilot, lambda: results.row_count > 0)
        await wait_for(
            pilot, lambda: len({tick.sample.records_in for tick in ticks if tick.sample.records_in}) >= 2
        )
        assert [column.label.plain for column in results.ordered_columns] == ["symbol", "n"]
        await pilot.press("f5")  # stops the running query, then runs the statement again
        await wait_for(pilot, lambda: len(started) == 2 and len(finished) == 1)
        assert app.is_query_running
        await pilot.press("f6")
        await wait_for(pilot, lambda: not app.is_query_running)
    assert [message.error for message in finished] == [None, None]
    assert all(message.summary.startswith("cancelled after") for message in finished)
    latest = ticks[-1].sample
    assert latest.records_in > 0 and latest.state_slots > 0
    assert latest.latency_p99_ms is not None
    assert set(latest.partition_lag) == {0, 1, 2, 3}


async def test_changes_update_rows_in_place_and_deletes_remove_them() -> None:
    dashboard = dashboard_runtime(
        batches=[
            _changes(
                [
                    {"symbol": "A", "trades": 1, "window_start": 0},
                    {"symbol": "B", "trades": 1, "window_start": 0},
                ]
            ),
            _changes([{"symbol": "A", "trades": 2, "window_start": 0}]),
            _changes([{"symbol": "B", "window_start": 0, "_op": "delete"}]),
        ]
    )
    app = fake_app(dashboard)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.connection is not None)
        await pilot.press("f5")
        await wait_for(pilot, lambda: status_of(app).startswith("done in"))
        table = app.query_one(ResultsTable)
        assert [table.get_row_at(index) for index in range(table.row_count)] == [["A", "2", "0"]]
        assert table.row_values == [{"symbol": "A", "trades": 2, "window_start": 0}]


async def test_final_results_are_appended() -> None:
    shape = ResultShape(columns=("symbol", "trades"), key_columns=("symbol",), output_mode=OutputMode.APPEND)
    batch = pa.table({"symbol": ["A", "A"], "trades": [1, 2]})
    app = fake_app(dashboard_runtime(shape=shape, batches=[batch]))
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.connection is not None)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: app.query_one(ResultsTable).row_count == 2)


async def test_a_rejected_statement_opens_an_error_modal_with_its_caret() -> None:
    app = fake_app(dashboard_runtime(), sql=BAD_SQL)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.connection is not None)
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorScreen))
        text = str(app.screen.query_one("#error-text").render())
        assert "unknown column 'nope'" in text
        assert "\n         ^" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, ErrorScreen)


async def test_tab_completes_the_only_matching_topic() -> None:
    app = fake_app(dashboard_runtime(), sql="")
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.connection is not None)
        await pilot.press(*"SELECT * FROM tr", "tab")
        assert app.query_one(TextArea).text == "SELECT * FROM trades"


async def test_tab_lists_several_candidates_and_enter_picks_one() -> None:
    app = fake_app(dashboard_runtime(), sql="")
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.connection is not None)
        catalog = app.connection.catalog  # type: ignore[union-attr]
        await wait_for(pilot, lambda: bool(catalog.columns("trades")))
        await pilot.press(*"SELECT * FROM trades WHERE s", "tab")
        assert app.query_one("#completions").display
        await pilot.press("down", "up", "enter")
        assert app.query_one(TextArea).text == "SELECT * FROM trades WHERE symbol"
        assert not app.query_one("#completions").display


async def test_datagen_form_starts_a_generator_with_the_values_typed() -> None:
    dashboard = dashboard_runtime()
    app = fake_app(dashboard)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.connection is not None)
        await pilot.press("f2")
        app.screen.query_one("#field-topic", Input).value = "ticks"
        await pilot.press("enter")
        await wait_for(pilot, lambda: bool(dashboard.started))
    assert dashboard.started == [("trades", "ticks", 2000)]


async def test_terminate_stops_the_highlighted_query_and_metrics_follow_it() -> None:
    dashboard = dashboard_runtime(
        job_counters={"CSAS_OUT_1": Counters(records_in=500, rows_out=20, state_slots=7)}
    )
    dashboard.add_job(JobInfo("CSAS_OUT_1", "CREATE STREAM", JobState.RUNNING))
    app = fake_app(dashboard)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.query_one(QueriesList).row_count == 2)
        queries = app.query_one(QueriesList)
        queries.move_cursor(row=1)
        await wait_for(pilot, lambda: app.query_one(MetricsPanel).watched == "CSAS_OUT_1")
        assert "slots          7" in str(app.query_one("#figures").render())
        await pilot.press("f8")
        await wait_for(pilot, lambda: dashboard.terminated == ["CSAS_OUT_1"])


async def test_switch_broker_passes_the_address_and_empty_means_embedded() -> None:
    switches = Switches()
    app = fake_app(dashboard_runtime(), switches=switches)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.connection is not None)
        await pilot.press("f3")
        app.screen.query_one("#field-bootstrap", Input).value = "kafka:9092"
        await pilot.press("enter")
        await wait_for(pilot, lambda: switches.asked == ["kafka:9092"])
        await wait_for(pilot, lambda: app.sub_title == "fake broker at kafka:9092")
        await pilot.press("f3", "enter")
        await wait_for(pilot, lambda: switches.asked == ["kafka:9092", None])


async def test_export_writes_the_table_as_ndjson(tmp_path: Path) -> None:
    dashboard = dashboard_runtime(batches=[_changes([{"symbol": "A", "trades": 3, "window_start": 0}])])
    app = fake_app(dashboard)
    target = tmp_path / "out.ndjson"
    notices: list[str] = []

    def hook(message: object) -> None:
        if isinstance(message, Notify):
            notices.append(message.notification.message)

    async with app.run_test(message_hook=hook) as pilot:
        await wait_for(pilot, lambda: app.connection is not None)
        await pilot.press("f5")
        await wait_for(pilot, lambda: app.query_one(ResultsTable).row_count == 1)
        await pilot.press("f4")
        app.screen.query_one("#field-path", Input).value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, lambda: bool(notices))
    assert [json.loads(line) for line in target.read_text().splitlines()] == [
        {"symbol": "A", "trades": 3, "window_start": 0}
    ]
    assert f"wrote 1 row to {target}" in notices


async def test_help_opens_and_closes() -> None:
    app = fake_app(dashboard_runtime())
    async with app.run_test() as pilot:
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def open_regression(
    app: VsqlApp, pilot: Pilot, *, current: str = str(DATA / "current.json")
) -> RegressionScreen:
    """Open the regression view, choose the fixture baseline and load the run at ``current``."""
    await pilot.press("f9")
    screen = app.screen
    assert isinstance(screen, RegressionScreen)
    screen.query_one("#baseline", Select).value = "main"
    path = screen.query_one("#current-path", Input)
    path.value = current
    path.focus()
    await pilot.press("enter")
    return screen


async def test_regression_view_highlights_the_regressed_workload_in_red() -> None:
    app = fake_app(dashboard_runtime())
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_regression(app, pilot)
        await wait_for(pilot, lambda: screen.comparison is not None)
        table = screen.query_one("#comparison", DataTable)
        rows = {table.get_row_at(index)[0].plain: table.get_row_at(index) for index in range(table.row_count)}
        assert [cell.plain for cell in rows["sliding"]][3:] == [
            "-30.0%",
            rows["sliding"][4].plain,
            "regression",
        ]
        assert rows["sliding"][5].style == "bold red"
        assert rows["session"][5].plain == "improvement"
        assert rows["tumbling"][5].plain == "ok"
        summary = screen.query_one("#regression-summary").render()
        assert isinstance(summary, Text) or "REGRESSION in sliding" in str(summary)
        assert "REGRESSION in sliding" in str(summary)


@pytest.mark.parametrize("path", ["missing.json", "baselines"])
async def test_a_bad_bench_file_is_reported_not_raised(path: str) -> None:
    app = fake_app(dashboard_runtime())
    async with app.run_test() as pilot:
        await pilot.press("f9")
        screen = app.screen
        assert isinstance(screen, RegressionScreen)
        screen.query_one("#current-path", Input).value = str(DATA / path)
        screen.query_one("#current-path", Input).focus()
        await pilot.press("enter")
        assert screen.comparison is None
