"""The help screen: what the dashboard shows and the keys that drive it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

__all__ = ["HELP_TEXT", "HelpScreen"]

HELP_TEXT = """\
# vsql dashboard

Type a streaming query in the editor and run it; its rows fill the results table (EMIT CHANGES
updates rows in place, EMIT FINAL appends them) while the metrics panel follows its throughput,
latency, memory, watermark and consumer lag. New rows (a new window's) come at the bottom and the
table follows them while its last row is highlighted; highlight an earlier row to hold the view,
Ctrl-End to follow again. Running a statement while one runs stops that one first.

| key | action |
| --- | --- |
| F5, Ctrl-Enter, Ctrl-R | run the statement in the editor |
| F6 | stop the running query |
| Tab, Ctrl-Space | complete the word at the cursor |
| F2 | start a data generator (trades, orders, sensors) |
| F3 | switch broker (empty address: a new embedded broker) |
| F4, Ctrl-S | export the results table to CSV or NDJSON |
| F8 | terminate the query highlighted in the queries list |
| F9 | regression view: bench runs against stored baselines |
| F1 | this help |
| Ctrl-Q | quit |

`CREATE STREAM ... AS SELECT` starts a background query: it shows in the queries list; highlight
it to follow its metrics. `SET 'key' = 'value'` sets a session property.

The regression view compares a run (run the workloads, or load a saved bench JSON) with a stored
baseline (those `vsql bench baseline list` shows), workload by workload, on throughput normalized
to a reference loop measured in the same run; a regression beyond the tolerance shows in red.
Run bench (Ctrl-B) measures the chosen baseline's workloads over its record count.

Press Escape to close this help.
"""


class HelpScreen(ModalScreen[None]):
    """The help text over the dashboard; Escape, F1 or q closes it."""

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("f1", "close", "Close", show=False),
        Binding("q", "close", "Close", show=False),
    ]

    def compose(self) -> ComposeResult:
        """The help text in a scrolling frame."""
        with VerticalScroll(id="help"):
            yield Markdown(HELP_TEXT)

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss(None)
