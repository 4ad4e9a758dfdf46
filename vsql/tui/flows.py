"""The dashboard's flows besides the editor's query: connecting, and the forms behind F2, F3, F4, F8.

Connecting opens the runtime at start. Datagen (F2) asks for a generator's kind, topic and rate
and starts it; broker (F3) asks for a bootstrap address and reconnects (empty: a new embedded
broker); export (F4) asks for a file and writes the results table there; terminate (F8) stops the
highlighted query. Blocking dashboard calls run in the App's thread workers and report back with
the messages the App routes (``Notice``, ``BrokerReady``), so nothing here touches a widget from a
thread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from textual.app import App

from vsql.datagen import KINDS
from vsql.engine.errors import VsqlError
from vsql.repl.render.error import format_error
from vsql.tui.export import export_rows
from vsql.tui.messages import BrokerReady, Notice
from vsql.tui.widgets import ErrorScreen, Field, PromptScreen
from vsql.tui.workbench import DEMO_TOPIC, Dashboard

__all__ = ["DashboardFlows"]

Answer = dict[str, str] | None
"""What a ``PromptScreen`` dismisses with: the values by field name, None when cancelled."""


class DashboardFlows:
    """The App's connection and form-driven actions, run on its screens and workers.

    Every method is called on the UI thread and returns at once. A form opens over the App; its
    answer is handled on the UI thread, and cancelling it does nothing. Blocking calls run in
    thread workers of the App: group ``connect`` (one at a time) for connecting and switching
    broker, which post ``BrokerReady`` when connected and after every switch; group ``admin`` for
    datagen and terminate, whose outcome comes back as a ``Notice``. A ``VsqlError`` comes back
    as an error ``Notice``.

    Args:
        app: the App the forms open over; its workers run the calls and it receives the messages.
        dashboard: the connected dashboard, None until the first ``BrokerReady``.
        rows: the rows the results table shows, as an export writes them.
        stop: stops the foreground query; a broker switch calls it first.
    """

    def __init__(
        self,
        app: App[None],
        *,
        dashboard: Callable[[], Dashboard | None],
        rows: Callable[[], Sequence[dict[str, object]]],
        stop: Callable[[], None],
    ) -> None:
        self._app = app
        self._dashboard = dashboard
        self._rows = rows
        self._stop = stop

    def connect(self, open_dashboard: Callable[[], Dashboard]) -> None:
        """Connect with ``open_dashboard`` (blocking) in a worker."""
        self._app.run_worker(
            lambda: self._connect_in_worker(open_dashboard),
            name="connect",
            group="connect",
            exclusive=True,
            exit_on_error=False,
            thread=True,
        )

    def _connect_in_worker(self, open_dashboard: Callable[[], Dashboard]) -> None:
        try:
            dashboard = open_dashboard()
        except VsqlError as error:
            self._app.post_message(Notice(format_error(error), is_error=True))
            return
        self._app.post_message(BrokerReady(dashboard))

    def datagen(self) -> None:
        """Ask for a generator's kind, topic and rate, then start it (a rate that is not a whole
        number is refused with an error notification)."""
        fields = [
            Field("kind", f"kind ({', '.join(KINDS)})", KINDS[0]),
            Field("topic", "topic", DEMO_TOPIC),
            Field("rate", "events per second", "2000"),
        ]
        self._app.push_screen(PromptScreen("Start a data generator", fields, ok="Start"), self._start_datagen)

    def _start_datagen(self, values: Answer) -> None:
        if values is None:
            return
        if not values["rate"].isdigit():
            self._app.notify(f"rate must be a whole number, got {values['rate']!r}", severity="error")
            return
        kind, topic, rate = values["kind"], values["topic"], int(values["rate"])
        self._run_admin(lambda dashboard: f"started {dashboard.start_datagen(kind, topic=topic, rate=rate)}")

    def switch_broker(self) -> None:
        """Ask for a bootstrap address, then stop the foreground query and reconnect (empty: a new
        embedded broker); nothing happens before the first connect."""
        field = Field("bootstrap", "bootstrap address (empty: embedded broker)", placeholder="host:port")
        self._app.push_screen(PromptScreen("Switch broker", [field], ok="Connect"), self._switch_broker)

    def _switch_broker(self, values: Answer) -> None:
        dashboard = self._dashboard()
        if values is None or dashboard is None:
            return
        self._stop()
        self._app.sub_title = "connecting ..."
        bootstrap = values["bootstrap"] or None
        self._app.run_worker(
            lambda: self._switch_in_worker(dashboard, bootstrap),
            name="switch_broker",
            group="connect",
            exclusive=True,
            exit_on_error=False,
            thread=True,
        )

    def _switch_in_worker(self, dashboard: Dashboard, bootstrap: str | None) -> None:
        try:
            dashboard.switch_broker(bootstrap)
        except VsqlError as error:
            self._app.post_message(Notice(format_error(error), is_error=True))
        self._app.post_message(BrokerReady(dashboard))

    def export(self) -> None:
        """Ask for a file name and write the results table there (CSV or NDJSON by suffix); a
        failure opens an error screen, an empty name does nothing."""
        field = Field("path", "file (.csv, .json or .ndjson)", "results.csv")
        self._app.push_screen(PromptScreen("Export results", [field], ok="Export"), self._export_to)

    def _export_to(self, values: Answer) -> None:
        if values is None or not values["path"]:
            return
        path = Path(values["path"]).expanduser()
        try:
            written = export_rows(self._rows(), path)
        except VsqlError as error:
            self._app.push_screen(ErrorScreen("export failed", format_error(error)))
            return
        self._app.notify(f"wrote {written:,} rows to {path}")

    def terminate(self, query_id: str | None) -> None:
        """Terminate ``query_id`` (the highlighted query); warns when there is none or no dashboard."""
        if self._dashboard() is None or query_id is None:
            self._app.notify("no query to terminate", severity="warning")
            return
        self._run_admin(lambda dashboard: f"terminated {', '.join(dashboard.terminate(query_id))}")

    def _run_admin(self, task: Callable[[Dashboard], str]) -> None:
        """Run a blocking dashboard call in a worker; its line (or its error) comes back as a ``Notice``."""
        self._app.run_worker(
            lambda: self._admin_in_worker(task),
            name="run_admin",
            group="admin",
            exit_on_error=False,
            thread=True,
        )

    def _admin_in_worker(self, task: Callable[[Dashboard], str]) -> None:
        dashboard = self._dashboard()
        if dashboard is None:
            return
        try:
            self._app.post_message(Notice(task(dashboard)))
        except VsqlError as error:
            self._app.post_message(Notice(format_error(error), is_error=True))
