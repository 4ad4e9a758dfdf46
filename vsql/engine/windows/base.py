"""The WindowStrategy contract and the values it exchanges with the aggregation that drives it.

A strategy decides *where* rows go (which windows, which state slots) and *when* windows close;
the ``WindowSink`` (the pipeline's aggregation) owns the accumulators and decides *what* to emit.
Every array is int64; times are epoch milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

__all__ = ["Changes", "ClosedWindows", "WindowRows", "WindowSink", "WindowStrategy"]

NO_BOUND = np.iinfo(np.int64).min


@dataclass(frozen=True)
class WindowRows:
    """The rows of one batch that reach the window stage, in arrival order.

    ``watermark_ms[i]`` is the query watermark just before row i (non-decreasing), or ``NO_BOUND``
    while no partition has delivered data. ``index`` is each row's position in the batch the sink
    reads values from.
    """

    event_ms: np.ndarray
    group_ids: np.ndarray
    watermark_ms: np.ndarray
    index: np.ndarray

    def __len__(self) -> int:
        return len(self.event_ms)

    def take(self, positions: np.ndarray) -> WindowRows:
        """The rows at ``positions``, in that order."""
        return WindowRows(
            event_ms=self.event_ms[positions],
            group_ids=self.group_ids[positions],
            watermark_ms=self.watermark_ms[positions],
            index=self.index[positions],
        )


@dataclass(frozen=True)
class ClosedWindows:
    """Windows that close together: window k covers ``slots[starts[k]:starts[k+1]]``.

    ``start_ms``/``end_ms`` are ``NO_BOUND`` for the unbounded window of a query without WINDOW.
    """

    group_ids: np.ndarray
    start_ms: np.ndarray
    end_ms: np.ndarray
    slots: np.ndarray
    starts: np.ndarray


@dataclass(frozen=True)
class Changes:
    """What a run of rows changed, for EMIT CHANGES, in output order.

    Updates: entry i is row ``rows[i]`` updating ``slots[i]`` (window ``start_ms[i]..end_ms[i]`` of
    ``group_ids[i]``); entries are sorted by row, then window start. Deletes: the old bounds of a
    (group, window) a row replaced, placed before that row's updates, ascending start per row.
    """

    rows: np.ndarray
    slots: np.ndarray
    group_ids: np.ndarray
    start_ms: np.ndarray
    end_ms: np.ndarray
    delete_rows: np.ndarray
    delete_group_ids: np.ndarray
    delete_start_ms: np.ndarray
    delete_end_ms: np.ndarray


class WindowSink(Protocol):
    """The aggregation a strategy drives. Strategies call these in stream order."""

    def fold(self, rows: np.ndarray, slots: np.ndarray) -> None:
        """EMIT FINAL: add batch rows ``rows`` (batch positions) to ``slots``."""

    def changes(self, changes: Changes) -> None:
        """EMIT CHANGES: add the rows and emit one result row per update (deletes first per row)."""

    def merge(self, into: np.ndarray, sources: np.ndarray) -> None:
        """Fold the state of slots ``sources`` into ``into`` (session merges)."""

    def close(self, closed: ClosedWindows) -> None:
        """EMIT FINAL: emit the results of windows that closed."""

    def release(self, slots: np.ndarray) -> None:
        """Clear ``slots``; the strategy will not use them again until it allocates them anew."""


class WindowStrategy(Protocol):
    """Assigns rows to windows and closes windows as the watermark passes their end.

    A window closes when ``watermark_ms >= end_ms + allowed_lateness_ms``. A row is late when every
    window it belongs to was closed before it arrived; a row that belongs to no window at all is
    skipped, not late.
    """

    @property
    def open_slots(self) -> int:
        """State slots currently held."""

    def describe_state(self) -> str:
        """What one state slot holds, for EXPLAIN: ``state per pane of 2s``, ``state per session``."""

    def process(self, rows: WindowRows, sink: WindowSink) -> np.ndarray:
        """Feed one batch's rows; returns the boolean late mask over ``rows``. Closes windows whose
        closing falls between two rows of the batch before the later row is applied."""

    def advance(self, watermark_ms: int, sink: WindowSink) -> None:
        """Close every window the watermark has passed (after each batch, and with the largest
        int64 at end of input)."""

    def live_groups(self) -> np.ndarray:
        """The distinct group ids the strategy still holds state for, ascending. Called between
        batches; costs O(state held). Ids absent from it may be forgotten by the group-by."""

    def renumber_groups(self, live: np.ndarray) -> None:
        """Group id ``live[i]`` becomes ``i`` in every structure the strategy keeps, and what it
        remembers of other ids is dropped. ``live`` is what ``live_groups()`` just returned; the
        group-by renumbers its ids alike at the same time, and later rows carry the new ids.
        Results do not change: no output depends on the id numbers. Costs O(state held)."""
