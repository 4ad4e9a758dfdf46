"""The dashboard's flows besides the editor's query: connecting, and the forms behind F2, F3, F4, F8.

Connecting opens the runtime at start. Datagen (F2) asks for a generator's kind, topic and rate
and starts it; broker (F3) asks for a bootstrap address and reconnects (empty: a new embedded
broker); export (F4) asks for a file and writes the results table there; terminate (F8) stops the
highlighted query. Blocking runtime calls run in the App's thread workers and report back with
the messages the App routes (``Notice``, ``BrokerReady``), so nothing here touches a widget from a
thread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from textual.app import App

from vsql.datagen import KINDS
from vsql.display.errors import format_error
from vsql.engine.errors import VsqlError
from vsql.runtime import DEMO_TOPIC, Runtime, plural
from vsql.tui.connection import Connection, RuntimeOpener
from vsql.tui.export import export_rows
from vsql.tui.messages import BrokerReady, Notice
from vsql.tui.widgets import ErrorScreen, Field, PromptScreen

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
        connection: the current connection, None until the first ``BrokerReady``.
        switch_runtime: opens the session of a broker switch.
        rows: the rows the results table shows, as an export writes them.
        stop: stops the foreground query; a broker switch calls it first.
    """

    def __init__(
        self,
        app: App[None],
        *,
        connection: Callable[[], Connection | None],
        switch_runtime: RuntimeOpener,
        rows: Callable[[], Sequence[dict[str, object]]],
        stop: Callable[[], None],
    ) -> None:
        self._app = app
        self._connection = connection
        self._switch_runtime = switch_runtime
        self._rows = rows
        self._stop = stop

    def connect(self, open_runtime: Callable[[], Runtime]) -> None:
        """Connect with ``open_runtime`` (blocking) in a worker."""
        self._run_connect(lambda: self._connect_in_worker(open_runtime, replaced=None), name="connect")

    def _run_connect(self, work: Callable[[], None], *, name: str) -> None:
        self._app.run_worker(
            work, name=name, group="connect", exclusive=True, exit_on_error=False, thread=True
        )

    def _connect_in_worker(self, open_runtime: Callable[[], Runtime], *, replaced: Connection | None) -> None:
        try:
            connection = Connection.open(open_runtime)
        except VsqlError as error:
            self._app.post_message(Notice(format_error(error), is_error=True))
            if replaced is not None:
                self._app.post_message(BrokerReady(replaced))  # the current broker stays
            return
        if replaced is not None:
            replaced.close()
        self._app.post_message(BrokerReady(connection))

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
        self._run_admin(lambda runtime: f"started {runtime.start_datagen(kind, topic=topic, rate=rate)}")

    def switch_broker(self) -> None:
        """Ask for a bootstrap address, then stop the foreground query and reconnect (empty: a new
        embedded broker); nothing happens before the first connect."""
        field = Field("bootstrap", "bootstrap address (empty: embedded broker)", placeholder="host:port")
        self._app.push_screen(PromptScreen("Switch broker", [field], ok="Connect"), self._switch_broker)

    def _switch_broker(self, values: Answer) -> None:
        current = self._connection()
        if values is None or current is None:
            return
        self._stop()
        self._app.sub_title = "connecting ..."
        bootstrap = values["bootstrap"] or None
        self._run_connect(
            lambda: self._connect_in_worker(lambda: self._switch_runtime(bootstrap), replaced=current),
            name="switch_broker",
        )

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
        self._app.notify(f"wrote {plural(written, 'row')} to {path}")

    def terminate(self, query_id: str | None) -> None:
        """Terminate ``query_id`` (the highlighted query); warns when there is none or no connection."""
        if self._connection() is None or query_id is None:
            self._app.notify("no query to terminate", severity="warning")
            return
        self._run_admin(lambda runtime: f"terminated {', '.join(runtime.terminate(query_id))}")

    def _run_admin(self, task: Callable[[Runtime], str]) -> None:
        """Run a blocking runtime call in a worker; its line (or its error) comes back as a ``Notice``."""
        self._app.run_worker(
            lambda: self._admin_in_worker(task),
            name="run_admin",
            group="admin",
            exit_on_error=False,
            thread=True,
        )

    def _admin_in_worker(self, task: Callable[[Runtime], str]) -> None:
        connection = self._connection()
        if connection is None:
            return
        try:
            self._app.post_message(Notice(task(connection.runtime)))
        except VsqlError as error:
            self._app.post_message(Notice(format_error(error), is_error=True))
