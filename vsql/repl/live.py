"""A query's results as they arrive: a live table updated in place, or rows appended, plus a status line.

Three output modes, as in Flink's SQL client (``SET 'output.mode'``):

- ``table``: an upsert view keyed by the result's key columns (group keys and window bounds);
  an update replaces its row where it stands, a ``_op = 'delete'`` row removes it. The default for
  keyed EMIT CHANGES results.
- ``changelog``: every row appended with an ``op`` column, ``+I`` (first row of a key), ``+U``
  (update) or ``-D`` (delete).
- ``append``: every row appended as it comes. The default for EMIT FINAL and unkeyed results.

Appended rows line up under their header (see ``vsql.repl.aligned``). A ``table`` mode result stays
in the live area while the statement runs and is printed once when it ends, at most its last
``FINAL_ROWS_MAX`` rows: a query over 100,000 groups ends (or is cancelled) as quickly as one over ten.

The shell's query thread calls ``start``, ``rows`` and ``status``; rich redraws the live
area from its own thread, so the view's state sits behind a lock.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from itertools import islice
from typing import Protocol, TextIO

import pyarrow as pa
from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.text import Text

from vsql.display.changes import ChangeKind, ResultChanges
from vsql.engine.settings import OutputMode
from vsql.repl.aligned import AlignedColumns, aligned_lines
from vsql.repl.render import Renderer, make_renderer
from vsql.runtime import Counters, ResultShape, plural

__all__ = ["FINAL_ROWS_MAX", "LiveView", "ResultView", "RowsView", "open_result_view", "status_text"]

FINAL_ROWS_MAX = 1_000
"""The most rows of a ``table`` mode result printed when its statement ends: the terminal's
scrollback keeps them, and printing them stays quick however many groups the query had."""

_FRAME_ROWS = 5
"""Lines the live area keeps for the header, the line on rows above, the status line and a margin."""


class ResultView(Protocol):
    """Where a statement's results go while it runs."""

    def start(self, shape: ResultShape) -> None:
        """The result's shape, before any rows."""

    def rows(self, rows: pa.Table) -> None:
        """Some result rows, in emission order."""

    def status(self, status: Counters) -> None:
        """The latest counters."""

    def close(self) -> None:
        """The statement ended; write what is left (the final table)."""


def open_result_view(output_format: str, *, stream: TextIO, console: Console) -> ResultView:
    """The view for the shell's format: live rich rendering for ``table``, else a plain renderer."""
    if output_format == "table":
        return LiveView(console)
    return RowsView(make_renderer(output_format, stream))


class RowsView:
    """Results through a plain renderer (json, csv): rows written as they come, no status line.

    Args:
        renderer: the format's renderer.
    """

    def __init__(self, renderer: Renderer) -> None:
        self._renderer = renderer
        self._is_started = False

    def start(self, shape: ResultShape) -> None:
        """Note that rows may follow."""
        self._is_started = True

    def rows(self, rows: pa.Table) -> None:
        """Write the rows."""
        self._is_started = True
        self._renderer.write(rows)

    def status(self, status: Counters) -> None:
        """Plain formats show no status."""

    def close(self) -> None:
        """Flush the renderer, if a query started."""
        if self._is_started:
            self._renderer.close()


class LiveView:
    """Results rendered with rich: a live area for the table and status, rows printed above it.

    The live area draws only what fits the screen, so its cost does not grow with the rows held.
    When the statement ends (or is cancelled), a ``table`` mode result is printed once, capped at
    its last ``final_rows`` rows plus a line saying how many earlier rows it leaves out and how to
    see them all; nothing on that path does work per row beyond the ones printed.

    Args:
        console: where to draw; on a non-terminal console only the final output is written.
        final_rows: the most rows of a ``table`` mode result printed when the statement ends.
    """

    def __init__(self, console: Console, *, final_rows: int = FINAL_ROWS_MAX) -> None:
        self._console = console
        self._final_rows = final_rows
        self._lock = threading.Lock()
        self._mode = OutputMode.APPEND
        self._changes = ResultChanges(ResultShape(columns=()))
        self._columns = AlignedColumns(())
        self._table_rows: dict[tuple[object, ...], tuple[str, ...]] = {}
        self._status: Counters | None = None
        self._live: Live | None = None

    def start(self, shape: ResultShape) -> None:
        """Choose the output mode and open the live area."""
        with self._lock:
            self._changes = ResultChanges(shape)
            self._mode = self._changes.mode
            self._columns = AlignedColumns(self._changes.columns)
        self._live = Live(
            get_renderable=self._renderable, console=self._console, transient=True, refresh_per_second=4
        )
        self._live.start()

    def rows(self, rows: pa.Table) -> None:
        """Apply the rows: update the table in place, or print them above the live area.

        Rows that come without a ``start`` (a topic being printed) open an append view.
        """
        if self._live is None:
            self.start(ResultShape(columns=tuple(rows.column_names)))
        appended: list[tuple[str, ...]] = []
        with self._lock:
            for change in self._changes.apply(rows):
                if change.kind is ChangeKind.UPSERT:
                    self._table_rows[change.key] = change.cells
                elif change.kind is ChangeKind.DELETE:
                    self._table_rows.pop(change.key, None)
                else:
                    appended.append(change.cells)
            lines = self._columns.lines(appended) if appended else []
        if lines:
            self._print(lines)

    def status(self, status: Counters) -> None:
        """Show the latest counters in the status line."""
        with self._lock:
            self._status = status

    def close(self) -> None:
        """Stop the live area; in ``table`` mode, print the final table (its last rows), if any."""
        if self._live is None:
            return
        self._live.stop()
        self._live = None
        with self._lock:
            is_shown = self._mode is OutputMode.TABLE and bool(self._table_rows)
            lines = self._table_lines(self._final_rows, is_final=True) if is_shown else []
        if lines:
            self._print(lines)

    def _print(self, lines: list[Text]) -> None:
        self._console.print(Text("\n").join(lines), markup=False, highlight=False)

    def _renderable(self) -> RenderableType:
        with self._lock:
            parts: list[RenderableType] = []
            if self._mode is OutputMode.TABLE:
                room = max(1, self._console.size.height - _FRAME_ROWS)
                parts += self._table_lines(room, is_final=False)
            elif not self._columns.is_header_printed:
                parts.append(self._columns.header())
            parts.append(Text(status_text(self._status), style="dim"))
        return Group(*parts)

    def _table_lines(self, count: int, *, is_final: bool) -> list[Text]:
        """The last ``count`` rows of the table under their header, and a line on the rows left out."""
        shown = _tail(self._table_rows, count)
        lines = aligned_lines(self._changes.columns, shown, is_clipped=not is_final)
        hidden = len(self._table_rows) - len(shown)
        if hidden and is_final:
            lines.append(Text(_more_rows_text(hidden), style="dim"))
        elif hidden:
            lines.append(Text(f"{plural(hidden, 'more row')} above", style="dim"))
        return lines


def _tail(rows: dict[tuple[object, ...], tuple[str, ...]], count: int) -> list[tuple[str, ...]]:
    """The last ``count`` values of ``rows`` in order, reading only those."""
    tail = list(islice(reversed(rows.values()), count))
    tail.reverse()
    return tail


def _more_rows_text(hidden: int) -> str:
    return (
        f"({plural(hidden, 'earlier row')} not shown; to see every row, SET 'output.mode' = 'append' "
        "or run the query with vsql -e/-f --format json)"
    )


def status_text(status: Counters | None) -> str:
    """The status line: records in, rows out, rate, memory, watermark, late and dead-letter counts."""
    if status is None:
        return "waiting for data ...  (Ctrl-C stops the query)"
    watermark = "-" if status.watermark_ms is None else _time_text(status.watermark_ms)
    expired = f" | {status.expired_count:,} expired" if status.expired_count else ""
    return (
        f"{plural(status.records_in, 'record')} in | {plural(status.rows_out, 'row')} out | "
        f"{status.records_per_s:,.0f} rec/s | {status.memory_mb:,.1f} MiB | watermark {watermark} | "
        f"{status.late_count:,} late | {plural(status.dead_letter_count, 'dead letter')}"
        f"{expired}  (Ctrl-C stops)"
    )


def _time_text(epoch_ms: int) -> str:
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{epoch_ms % 1000:03d}"
