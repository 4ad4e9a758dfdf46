"""SLIDING (hopping) and TUMBLING windows.

Semantics: every ``[k*advance_ms, k*advance_ms + size_ms)`` with ``k >= 0`` that contains the row
is a window of it; TUMBLING is SLIDING with ``advance_ms == size_ms``. Example, size 10s, advance 5s::

    row at 7s   -> windows [0s, 10s) and [5s, 15s)
    row at 12s  -> windows [5s, 15s) and [10s, 20s)
    row at 3s   -> window  [0s, 10s) only (no window starts below 0)

Under EMIT FINAL, state is kept per pane of ``gcd(size_ms, advance_ms)`` and a closing window
combines its panes, so the cost per row does not grow with ``size_ms / advance_ms``. Under EMIT
CHANGES every row updates each of its windows, so state is kept per window.
"""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING

import numpy as np

from vsql.engine.state import SlotTable, UnitIndex
from vsql.engine.timeutil import format_duration
from vsql.engine.windows.base import NO_BOUND, Changes, ClosedWindows, WindowRows, WindowSink

if TYPE_CHECKING:
    from vsql.engine.sql.plan import SlidingSpec, TumblingSpec

__all__ = ["SlidingWindows"]

_EMPTY = np.zeros(0, dtype=np.int64)


class SlidingWindows:
    """Hopping windows of ``size_ms`` every ``advance_ms``; see the module docstring."""

    def __init__(
        self, size_ms: int, advance_ms: int, *, allowed_lateness_ms: int, per_window: bool, slots: SlotTable
    ) -> None:
        self.size_ms = size_ms
        self.advance_ms = advance_ms
        self.allowed_lateness_ms = allowed_lateness_ms
        self.per_window = per_window
        self.unit_ms = advance_ms if per_window else math.gcd(size_ms, advance_ms)
        self._slots = slots
        self._units = UnitIndex(slots)
        self._closed_end_ms = NO_BOUND

    @classmethod
    def from_spec(
        cls,
        spec: TumblingSpec | SlidingSpec,
        *,
        emit_changes: bool,
        allowed_lateness_ms: int,
        slots: SlotTable,
    ) -> SlidingWindows:
        """The strategy of a TUMBLING or SLIDING spec; EMIT CHANGES keeps state per window."""
        return cls(
            spec.size_ms,
            spec.advance_ms,
            allowed_lateness_ms=allowed_lateness_ms,
            per_window=emit_changes,
            slots=slots,
        )

    @property
    def open_slots(self) -> int:
        return self._slots.in_use

    def describe_state(self) -> str:
        if self.per_window or self.unit_ms == self.size_ms:
            return "state per window"
        return f"state per pane of {format_duration(self.unit_ms)}"

    def _window_span(self, event_ms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Start of the latest and of the earliest window containing each row (latest < earliest
        when the row falls in no window)."""
        latest = (event_ms // self.advance_ms) * self.advance_ms
        earliest = -((self.size_ms - 1 - event_ms) // self.advance_ms) * self.advance_ms
        earliest = np.maximum(earliest, 0)
        latest = np.where(event_ms - latest < self.size_ms, latest, latest - self.advance_ms)
        return latest, earliest

    def _closes_by(self, end_ms: np.ndarray, watermark_ms: np.ndarray) -> np.ndarray:
        return (watermark_ms != NO_BOUND) & (end_ms + self.allowed_lateness_ms <= watermark_ms)

    def process(self, rows: WindowRows, sink: WindowSink) -> np.ndarray:
        latest, earliest = self._window_span(rows.event_ms)
        in_window = latest >= earliest
        late = in_window & self._closes_by(latest + self.size_ms, rows.watermark_ms)
        if self.per_window:
            self._emit_changes(rows, latest, earliest, late, sink)
            return late
        partial = in_window & ~late & self._closes_by(earliest + self.size_ms, rows.watermark_ms)
        live = in_window & ~late
        cuts = np.flatnonzero(partial)
        bounds = [0, *cuts.tolist(), len(rows)]
        for begin, end in itertools.pairwise(bounds):
            if begin == end:
                continue
            if partial[begin]:
                self.advance(int(rows.watermark_ms[begin]), sink)
            chunk = np.arange(begin, end)[live[begin:end]]
            pane_ms = (rows.event_ms[chunk] // self.unit_ms) * self.unit_ms
            slots = self._units.lookup(pane_ms, rows.group_ids[chunk])
            sink.fold(rows.index[chunk], slots)
        return late

    def _emit_changes(
        self, rows: WindowRows, latest: np.ndarray, earliest: np.ndarray, late: np.ndarray, sink: WindowSink
    ) -> None:
        per_row = -(-self.size_ms // self.advance_ms)
        count = len(rows)
        row = np.repeat(np.arange(count), per_row)
        step = np.tile(np.arange(per_row - 1, -1, -1), count)
        start = latest[row] - step * self.advance_ms
        keep = (start >= earliest[row]) & ~self._closes_by(start + self.size_ms, rows.watermark_ms[row])
        keep &= ~late[row]
        row, start = row[keep], start[keep]
        group_ids = rows.group_ids[row]
        slots = self._units.lookup(start, group_ids)
        sink.changes(
            Changes(
                rows=rows.index[row],
                slots=slots,
                group_ids=group_ids,
                start_ms=start,
                end_ms=start + self.size_ms,
                delete_rows=_EMPTY,
                delete_group_ids=_EMPTY,
                delete_start_ms=_EMPTY,
                delete_end_ms=_EMPTY,
            )
        )

    def advance(self, watermark_ms: int, sink: WindowSink) -> None:
        if watermark_ms == NO_BOUND:
            return
        limit_ms = watermark_ms - self.allowed_lateness_ms
        if limit_ms <= self._closed_end_ms:
            return
        if self.per_window:
            for start in sorted(self._units.units):
                if start + self.size_ms <= limit_ms:
                    self._release(self._units.drop(start), sink)
        else:
            self._close_panes(limit_ms, sink)
        self._closed_end_ms = limit_ms

    def _close_panes(self, limit_ms: int, sink: WindowSink) -> None:
        panes = sorted(self._units.units)
        if not panes:
            return
        window_starts = sorted(
            {
                start
                for pane in panes
                for start in range(
                    (pane // self.advance_ms) * self.advance_ms,
                    max(pane - self.size_ms, -1),
                    -self.advance_ms,
                )
                if self._closed_end_ms < start + self.size_ms <= limit_ms and start >= 0
            }
        )
        parts: list[tuple[int, np.ndarray, np.ndarray]] = []
        for start in window_starts:
            inside = [pane for pane in panes if start <= pane < start + self.size_ms]
            occupied = [self._units.occupied(pane) for pane in inside]
            groups = np.concatenate([group for group, _ in occupied]) if occupied else _EMPTY
            slots = np.concatenate([slot for _, slot in occupied]) if occupied else _EMPTY
            order = np.argsort(groups, kind="stable")
            parts.append((start, groups[order], slots[order]))
        if parts:
            sink.close(_closed(parts, self.size_ms))
        for pane in panes:
            if (pane // self.advance_ms) * self.advance_ms + self.size_ms <= limit_ms:
                self._release(self._units.drop(pane), sink)

    def live_groups(self) -> np.ndarray:
        return self._units.live_groups()

    def renumber_groups(self, live: np.ndarray) -> None:
        self._units.renumber_groups(live)

    def _release(self, slots: np.ndarray, sink: WindowSink) -> None:
        sink.release(slots)
        self._slots.release(slots)


def _closed(parts: list[tuple[int, np.ndarray, np.ndarray]], size_ms: int) -> ClosedWindows:
    """One ``ClosedWindows`` from per-window (start, groups sorted, slots) parts."""
    group_ids, start_ms, slots, starts = [], [], [], []
    offset = 0
    for start, groups, window_slots in parts:
        is_first = np.ones(len(groups), dtype=bool)
        is_first[1:] = groups[1:] != groups[:-1]
        firsts = np.flatnonzero(is_first)
        group_ids.append(groups[firsts])
        start_ms.append(np.full(len(firsts), start, dtype=np.int64))
        starts.append(firsts + offset)
        slots.append(window_slots)
        offset += len(groups)
    start_array = np.concatenate(start_ms)
    return ClosedWindows(
        group_ids=np.concatenate(group_ids),
        start_ms=start_array,
        end_ms=start_array + size_ms,
        slots=np.concatenate(slots),
        starts=np.concatenate(starts),
    )
