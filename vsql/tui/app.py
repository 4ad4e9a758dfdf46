"""The dashboard App: composes the widgets, routes messages and key bindings, starts workers.

Blocking work (opening a broker, running a query, terminating, starting datagen) runs in thread
workers that post messages (``vsql.tui.messages``); the handlers here update the widgets on the UI
thread. The App computes nothing itself: queries run on the ``Runtime`` of the current
``Connection`` through ``QueryRun``, one at a time (``ForegroundRun``: running a statement stops
the running one, and the new one starts once the old one has ended); connecting and the forms
behind F2, F3, F4 and F8 are ``DashboardFlows`` (``flows.py``); figures come from the runtime's
counters, verdicts from ``vsql.bench.compare``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header, Static

from vsql.repl.candidates import NameSource
from vsql.runtime import JobKind, Runtime
from vsql.tui.connection import Connection, RuntimeOpener
from vsql.tui.flows import DashboardFlows
from vsql.tui.foreground import ForegroundRun
from vsql.tui.messages import BrokerReady, MetricsTick, Notice, QueryFinished, QueryStarted, ResultsBatch
from vsql.tui.query_run import QueryRun
from vsql.tui.widgets import (
    DEFAULT_BENCH,
    BenchPlan,
    ErrorScreen,
    HelpScreen,
    MetricsPanel,
    QueriesList,
    QueryEditor,
    RegressionScreen,
    ResultsTable,
)

__all__ = ["DEFAULT_SQL", "FOREGROUND", "VsqlApp"]

DEFAULT_SQL = """SELECT symbol, COUNT(*) AS trades, AVG(price) AS avg_price, _window_start AS window_start
FROM trades
GROUP BY symbol
WINDOW TUMBLING(1s)
EMIT CHANGES"""
"""The editor's first statement: a windowed query over the demo trades, ready to run."""

logger = logging.getLogger(__name__)

_STOP_WAIT_S = 5.0
"""How long quitting waits for the stopped foreground query to let go of the broker."""

FOREGROUND = "foreground query"
"""What the metrics panel follows while a statement runs from the editor."""


class VsqlApp(App[None]):
    """The dashboard.

    Args:
        open_runtime: opens the session at start (blocking; called in a worker).
        switch_runtime: opens the session of a broker switch (F3).
        sql: the editor's initial text.
        baselines: the folder of stored bench baselines (default: ``vsql bench``'s, see
            ``vsql.bench.baseline.locate``).
        bench: what the regression view's "Run bench" measures.
        poll_s: seconds between refreshes of the queries list and background-query metrics.
    """

    CSS_PATH = "app.tcss"
    TITLE = "vsql"
    BINDINGS = [
        # Priority: the editor binds F6 (select line) and would otherwise keep it.
        Binding("f5", "run", "Run", priority=True),
        Binding("ctrl+enter,ctrl+r", "run", "Run", show=False, priority=True),
        Binding("f6", "stop", "Stop", priority=True),
        Binding("f2", "datagen", "Datagen"),
        Binding("f3", "broker", "Broker"),
        Binding("f4,ctrl+s", "export", "Export"),
        Binding("f8", "terminate", "Terminate"),
        Binding("f9", "regression", "Bench"),
        Binding("f1", "help", "Help"),
    ]

    def __init__(
        self,
        open_runtime: Callable[[], Runtime],
        *,
        switch_runtime: RuntimeOpener,
        sql: str = DEFAULT_SQL,
        baselines: Path | None = None,
        bench: BenchPlan = DEFAULT_BENCH,
        poll_s: float = 1.0,
    ) -> None:
        super().__init__()
        self._open_runtime = open_runtime
        self._baselines = baselines
        self._bench = bench
        self._poll_s = poll_s
        self.connection: Connection | None = None
        self._foreground: ForegroundRun | None = None
        # The main screen's widgets, kept so handlers reach them while another screen is on top.
        self._editor = QueryEditor(sql, names=self._name_source, id="editor")
        self._results = ResultsTable(id="results")
        self._queries = QueriesList(id="queries")
        self._metrics = MetricsPanel(id="metrics")
        self._status_line = Static("connecting ...", id="status")
        self._flows = DashboardFlows(
            self,
            connection=lambda: self.connection,
            switch_runtime=switch_runtime,
            rows=lambda: self._results.row_values,
            stop=self.action_stop,
        )

    def compose(self) -> ComposeResult:
        """Editor and results on the left, queries and metrics on the right."""
        yield Header(icon="")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield self._editor
                yield self._results
            with Vertical(id="right"):
                yield self._queries
                yield self._metrics
        yield self._status_line
        yield Footer()

    def on_mount(self) -> None:
        """Connect in a worker, poll the queries list, focus the editor."""
        self.sub_title = "connecting ..."
        self._editor.area.focus()
        self._flows.connect(self._open_runtime)
        self.set_interval(self._poll_s, self._poll_queries)

    def _name_source(self) -> NameSource | None:
        return None if self.connection is None else self.connection.catalog

    def _show_status(self, text: str) -> None:
        self._status_line.update(text)

    @on(BrokerReady)
    def _handle_broker_ready(self, message: BrokerReady) -> None:
        self.connection = message.connection
        self.sub_title = message.connection.label
        self._show_status("ready: F5 runs the statement, F1 shows help")

    @on(Notice)
    def _handle_notice(self, message: Notice) -> None:
        first_line = message.text.splitlines()[0] if message.text else ""
        if message.is_error:
            self._show_status(f"error: {first_line}")
            self.push_screen(ErrorScreen("error", message.text))
        else:
            self._show_status(first_line)
            self.notify(message.text)

    def action_run(self) -> None:
        """Run the editor's statement; a running one is stopped, and the new one starts once it
        has ended."""
        if self.connection is None:
            self.notify("not connected yet", severity="warning")
            return
        statement = self._editor.text.strip().rstrip(";").strip()
        if not statement:
            return
        previous = self._foreground
        if previous is not None:
            previous.stop()
        self._foreground = ForegroundRun(statement, previous=previous)
        self._metrics.follow(FOREGROUND)
        self._show_status(f"running: {' '.join(statement.split())[:60]}")
        self._run_query(self.connection.runtime, self._foreground)

    @work(thread=True, group="query", exit_on_error=False)
    def _run_query(self, runtime: Runtime, run: ForegroundRun) -> None:
        """Wait for the run replaced to end, then run the statement unless stopped meanwhile; the
        outcome is posted before the run is marked ended, so it comes before the next run's rows."""
        statement = run.statement
        summary, error = "failed", None
        try:
            run.wait_for_previous()
            if run.cancel.is_set():
                summary = "cancelled"
                return
            summary, error = QueryRun(
                runtime,
                statement,
                cancel=run.cancel,
                on_shape=lambda shape: self.post_message(QueryStarted(statement, shape)),
                on_rows=lambda rows: self.post_message(ResultsBatch(rows)),
                on_sample=lambda sample: self.post_message(MetricsTick(sample)),
            ).run()
        finally:
            self.post_message(QueryFinished(summary, run=run.number, error=error))
            run.finish()

    @on(QueryStarted)
    def _handle_query_started(self, message: QueryStarted) -> None:
        self._results.start(message.shape)

    @on(ResultsBatch)
    def _handle_results(self, message: ResultsBatch) -> None:
        self._results.apply(message.rows)

    @on(MetricsTick)
    def _handle_metrics(self, message: MetricsTick) -> None:
        self._metrics.show(message.sample)

    @on(QueryFinished)
    def _handle_finished(self, message: QueryFinished) -> None:
        if self._foreground is None or message.run != self._foreground.number:
            logger.debug("a replaced statement ended: %s", message.summary)
            return
        self._foreground = None
        self._show_status(message.summary)
        if message.error is not None:
            self.push_screen(ErrorScreen("the statement failed", message.error))

    def action_stop(self) -> None:
        """Stop the foreground query, if one runs."""
        if self._foreground is not None and self._foreground.stop():
            self._show_status("stopping ...")

    @property
    def is_query_running(self) -> bool:
        """Whether a foreground statement runs (or waits for the one it replaced to end)."""
        return self._foreground is not None

    def _poll_queries(self) -> None:
        """Refresh the queries list; follow the highlighted background query while idle (not once
        the App is shutting down: its widgets are being removed)."""
        if not self.is_running or self.connection is None or not self._queries.is_attached:
            return
        runtime = self.connection.runtime
        self._queries.show(runtime.jobs())
        chosen = self._queries.selected_query_id
        job = None if chosen is None or self.is_query_running else runtime.job(chosen)
        if job is not None and job.kind is JobKind.QUERY:
            self._metrics.show_counters(job.job_id, job.counters)

    def action_terminate(self) -> None:
        """Terminate the query highlighted in the queries list."""
        self._flows.terminate(self._queries.selected_query_id)

    def action_datagen(self) -> None:
        """Ask for a generator's kind, topic and rate, then start it."""
        self._flows.datagen()

    def action_broker(self) -> None:
        """Ask for a bootstrap address and reconnect (empty: a new embedded broker)."""
        self._flows.switch_broker()

    def action_export(self) -> None:
        """Ask for a file name and write the results table there (CSV or NDJSON by suffix)."""
        self._flows.export()

    def action_regression(self) -> None:
        """Open the regression view."""
        self.push_screen(RegressionScreen(directory=self._baselines, bench=self._bench))

    def action_help(self) -> None:
        """Open the help screen."""
        self.push_screen(HelpScreen())

    def on_unmount(self) -> None:
        """Stop the foreground query, wait for it (and the ones it replaced) to end, then close
        the connection (its jobs and the broker it opened)."""
        run = self._foreground
        if run is not None:
            run.stop()
            if not run.wait(_STOP_WAIT_S):
                logger.warning("the foreground query did not stop within %.0f s", _STOP_WAIT_S)
        if self.connection is not None:
            self.connection.close()
