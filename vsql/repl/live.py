"""A query's results as they arrive: a live table updated in place, or rows appended, plus a status line.

Three output modes, as in Flink's SQL client (``SET 'output.mode'``):

- ``table``: an upsert view keyed by the result's key columns (group keys and window bounds);
  an update replaces its row where it stands, a ``_op = 'delete'`` row removes it. The default for
  keyed EMIT CHANGES results.
- ``changelog``: every row appended with an ``op`` column, ``+I`` (first row of a key), ``+U``
  (update) or ``-D`` (delete).
- ``append``: every row appended as it comes. The default for EMIT FINAL and unkeyed results.

The shell's query thread calls ``start``, ``rows`` and ``status``; rich redraws the live
area from its own thread, so the view's state sits behind a lock.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Protocol, TextIO

import pyarrow as pa
from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.table import Table
from rich.text import Text

from vsql.display.changes import ChangeKind, ResultChanges
from vsql.engine.settings import OutputMode
from vsql.repl.render import Renderer, make_renderer
from vsql.runtime import Counters, ResultShape

__all__ = ["LiveView", "ResultView", "RowsView", "open_result_view", "status_text"]

_FRAME_ROWS = 5
"""Lines the live area keeps for the header, rule, caption and status line."""


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

    Args:
        console: where to draw; on a non-terminal console only the final output is written.
    """

    def __init__(self, console: Console) -> None:
        self._console = console
        self._lock = threading.Lock()
        self._mode = OutputMode.APPEND
        self._changes = ResultChanges(ResultShape(columns=()))
        self._columns: list[str] = []
        self._table_rows: dict[tuple[object, ...], list[str]] = {}
        self._widths: list[int] = []
        self._status: Counters | None = None
        self._live: Live | None = None

    def start(self, shape: ResultShape) -> None:
        """Choose the output mode and open the live area."""
        with self._lock:
            self._changes = ResultChanges(shape)
            self._mode = self._changes.mode
            self._columns = list(self._changes.columns)
            self._widths = [len(name) for name in self._columns]
        self._live = Live(
            get_renderable=self._renderable, console=self._console, transient=True, refresh_per_second=4
        )
        self._live.start()
        if self._mode is not OutputMode.TABLE:
            self._console.print(self._line(self._columns), markup=False, highlight=False)

    def rows(self, rows: pa.Table) -> None:
        """Apply the rows: update the table in place, or print them above the live area.

        Rows that come without a ``start`` (a topic being printed) open an append view.
        """
        if self._live is None:
            self.start(ResultShape(columns=tuple(rows.column_names)))
        printed: list[list[str]] = []
        with self._lock:
            for change in self._changes.apply(rows):
                if change.kind is ChangeKind.UPSERT:
                    self._table_rows[change.key] = list(change.cells)
                elif change.kind is ChangeKind.DELETE:
                    self._table_rows.pop(change.key, None)
                else:
                    self._widen(change.cells)
                    printed.append(list(change.cells))
        for cells in printed:
            self._console.print(self._line(cells), markup=False, highlight=False)

    def status(self, status: Counters) -> None:
        """Show the latest counters in the status line."""
        with self._lock:
            self._status = status

    def close(self) -> None:
        """Stop the live area; in table mode, print the whole final table."""
        if self._live is None:
            return
        self._live.stop()
        self._live = None
        if self._mode is OutputMode.TABLE:
            with self._lock:
                table = self._table(list(self._table_rows.values()), hidden=0)
            self._console.print(table)

    def _widen(self, cells: Sequence[str]) -> None:
        self._widths = [max(width, len(cell)) for width, cell in zip(self._widths, cells, strict=True)]

    def _line(self, cells: Sequence[str]) -> Text:
        padded = (cell.ljust(width) for cell, width in zip(cells, self._widths, strict=True))
        return Text("  ".join(padded).rstrip())

    def _renderable(self) -> RenderableType:
        with self._lock:
            parts: list[RenderableType] = []
            if self._mode is OutputMode.TABLE:
                room = max(1, self._console.size.height - _FRAME_ROWS)
                rows = list(self._table_rows.values())
                parts.append(self._table(rows[-room:], hidden=max(0, len(rows) - room)))
            parts.append(Text(status_text(self._status), style="dim"))
        return Group(*parts)

    def _table(self, rows: Sequence[Sequence[str]], *, hidden: int) -> Table:
        caption = f"{hidden:,} more rows above" if hidden else None
        table = Table(*self._columns, box=None, caption=caption, header_style="bold", pad_edge=False)
        for cells in rows:
            table.add_row(*cells)
        return table


def status_text(status: Counters | None) -> str:
    """The status line: records in, rows out, rate, memory, watermark, late and dead-letter counts."""
    if status is None:
        return "waiting for data ...  (Ctrl-C stops the query)"
    watermark = "-" if status.watermark_ms is None else _time_text(status.watermark_ms)
    expired = f" | {status.expired_count:,} expired" if status.expired_count else ""
    return (
        f"{status.records_in:,} records in | {status.rows_out:,} rows out | "
        f"{status.records_per_s:,.0f} rec/s | {status.memory_mb:,.1f} MiB | watermark {watermark} | "
        f"{status.late_count:,} late | {status.dead_letter_count:,} dead letters"
        f"{expired}  (Ctrl-C stops)"
    )


def _time_text(epoch_ms: int) -> str:
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{epoch_ms % 1000:03d}"
