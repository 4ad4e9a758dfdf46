"""SESSION windows: per group, activity separated by gaps.

Semantics: a row at ``t`` opens ``[t, t + gap_ms)``; sessions of one group whose ranges overlap
merge, so one out-of-order row can bridge two sessions. A session's bounds are its first event and
its last event plus ``gap_ms``. Example, gap 5s, one group::

    rows at 1s, 3s      -> session [1s, 8s)
    row at 20s          -> a second session [20s, 25s)
    row at 14s (late-ish, but its sessions are open) -> bridges both: [1s, 25s)

Rows are applied in order. Most rows arrive in event-time order for their group and at or after
the watermark; such a row can only extend its group's latest session or open a new one, and a run
of them is applied with array operations. A row that is out of order for its group, or behind the
watermark, is applied on its own after closing what the watermark closed before it; only then can
it bridge sessions or find them closed. A row overlapping only closed sessions opens a new session
when its own range is still open, and is late otherwise.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import numpy as np

from vsql.engine.scan import group_max_before
from vsql.engine.state import SlotTable
from vsql.engine.windows.base import NO_BOUND, Changes, ClosedWindows, WindowRows, WindowSink

if TYPE_CHECKING:
    from vsql.engine.sql.plan import SessionSpec

__all__ = ["SessionWindows"]

_INITIAL = 16


def _grow(array: np.ndarray, size: int, fill: int | bool) -> np.ndarray:
    if len(array) >= size:
        return array
    grown = np.full(max(size, 2 * len(array)), fill, dtype=array.dtype)
    grown[: len(array)] = array
    return grown


class SessionWindows:
    """Per-group sessions with gap ``gap_ms``; see the module docstring."""

    def __init__(
        self, gap_ms: int, *, allowed_lateness_ms: int, emit_changes: bool, slots: SlotTable
    ) -> None:
        self.gap_ms = gap_ms
        self.allowed_lateness_ms = allowed_lateness_ms
        self.emit_changes = emit_changes
        self._slots = slots
        self._group = np.full(_INITIAL, -1, dtype=np.int64)
        self._start = np.zeros(_INITIAL, dtype=np.int64)
        self._end = np.zeros(_INITIAL, dtype=np.int64)
        self._open = np.zeros(_INITIAL, dtype=bool)
        self._latest = np.full(_INITIAL, -1, dtype=np.int64)
        self._group_max_ms = np.full(_INITIAL, NO_BOUND, dtype=np.int64)

    @classmethod
    def from_spec(
        cls, spec: SessionSpec, *, emit_changes: bool, allowed_lateness_ms: int, slots: SlotTable
    ) -> SessionWindows:
        """The strategy of a SESSION spec."""
        return cls(
            spec.gap_ms, allowed_lateness_ms=allowed_lateness_ms, emit_changes=emit_changes, slots=slots
        )

    @property
    def open_slots(self) -> int:
        return int(self._open.sum())

    def describe_state(self) -> str:
        return "state per session"

    def _reserve(self, group_count: int) -> None:
        self._latest = _grow(self._latest, group_count, -1)
        self._group_max_ms = _grow(self._group_max_ms, group_count, NO_BOUND)

    def _new_sessions(self, count: int) -> np.ndarray:
        slots = self._slots.allocate(count)
        size = self._slots.capacity
        self._group = _grow(self._group, size, -1)
        self._start, self._end = _grow(self._start, size, 0), _grow(self._end, size, 0)
        self._open = _grow(self._open, size, False)
        self._open[slots] = True
        return slots

    def process(self, rows: WindowRows, sink: WindowSink) -> np.ndarray:
        late = np.zeros(len(rows), dtype=bool)
        if not len(rows):
            return late
        self._reserve(int(rows.group_ids.max()) + 1)
        behind = (rows.watermark_ms != NO_BOUND) & (
            rows.event_ms + self.allowed_lateness_ms < rows.watermark_ms
        )
        single = behind | self._out_of_order(rows)
        cuts = np.flatnonzero(single)
        bounds = [0, *cuts.tolist(), len(rows)]
        for begin, end in itertools.pairwise(bounds):
            if begin == end:
                continue
            first = begin
            if single[begin]:
                self.advance(int(rows.watermark_ms[begin]), sink)
                late[begin] = self._apply_one(rows, begin, sink)
                first = begin + 1
            if first < end:
                self._apply_run(rows.take(np.arange(first, end)), sink)
        return late

    def _out_of_order(self, rows: WindowRows) -> np.ndarray:
        """Rows earlier than an event their group delivered before them (here or in past batches)."""
        return rows.event_ms < group_max_before(rows.group_ids, rows.event_ms, self._group_max_ms)

    def _apply_one(self, rows: WindowRows, position: int, sink: WindowSink) -> bool:
        """Apply one row in full generality; returns True when the row is late."""
        group = int(rows.group_ids[position])
        event_ms = int(rows.event_ms[position])
        mine = np.flatnonzero(self._open & (self._group == group))
        hits = mine[(self._start[mine] < event_ms + self.gap_ms) & (self._end[mine] > event_ms)]
        watermark = int(rows.watermark_ms[position])
        if (
            not len(hits)
            and watermark != NO_BOUND
            and (event_ms + self.gap_ms + self.allowed_lateness_ms <= watermark)
        ):
            return True
        self._group_max_ms[group] = max(int(self._group_max_ms[group]), event_ms)
        hits = hits[np.argsort(self._start[hits], kind="stable")]
        old_start, old_end = self._start[hits], self._end[hits]
        if len(hits):
            survivor, absorbed = hits[:1], hits[1:]
            if len(absorbed):
                sink.merge(np.repeat(survivor, len(absorbed)), absorbed)
                self._close_slots(absorbed, sink)
        else:
            survivor = self._new_sessions(1)
            self._group[survivor] = group
        start = min(event_ms, *old_start.tolist()) if len(hits) else event_ms
        end = max(event_ms + self.gap_ms, *old_end.tolist()) if len(hits) else event_ms + self.gap_ms
        self._start[survivor], self._end[survivor] = start, end
        mine = np.flatnonzero(self._open & (self._group == group))
        self._latest[group] = mine[np.argmax(self._start[mine])]
        index = rows.index[position : position + 1]
        if not self.emit_changes:
            sink.fold(index, survivor)
            return False
        changed = (old_start != start) | (old_end != end)
        deleted = np.count_nonzero(changed)
        sink.changes(
            Changes(
                rows=index,
                slots=survivor,
                group_ids=np.array([group]),
                start_ms=np.array([start]),
                end_ms=np.array([end]),
                delete_rows=np.repeat(index, deleted),
                delete_group_ids=np.full(deleted, group),
                delete_start_ms=old_start[changed],
                delete_end_ms=old_end[changed],
            )
        )
        return False

    def _apply_run(self, rows: WindowRows, sink: WindowSink) -> None:
        """Apply rows each in event order for its group and not behind the watermark."""
        order = np.argsort(rows.group_ids, kind="stable")
        groups, events = rows.group_ids[order], rows.event_ms[order]
        is_first = np.ones(len(order), dtype=bool)
        is_first[1:] = groups[1:] != groups[:-1]
        latest = self._latest[groups]
        has_latest = latest >= 0
        previous_end = np.empty(len(order), dtype=np.int64)
        previous_end[1:] = events[:-1] + self.gap_ms
        previous_end[is_first] = np.where(has_latest, self._end[np.maximum(latest, 0)], NO_BOUND)[is_first]
        opens = (events >= previous_end) | (is_first & ~has_latest)
        new_slots = self._new_sessions(int(opens.sum()))
        self._group[new_slots] = groups[opens]
        self._start[new_slots] = events[opens]
        session_slot = np.full(len(order), -1, dtype=np.int64)
        session_slot[opens] = new_slots
        session_slot[is_first & ~opens] = latest[is_first & ~opens]
        carry = np.maximum.accumulate(np.where(session_slot >= 0, np.arange(len(order)), 0))
        slots = session_slot[carry]
        ends = events + self.gap_ms
        last_of_slot = np.ones(len(order), dtype=bool)
        last_of_slot[:-1] = slots[1:] != slots[:-1]
        self._end[slots[last_of_slot]] = ends[last_of_slot]
        last_of_group = np.append(is_first[1:], True)
        self._latest[groups[last_of_group]] = slots[last_of_group]
        self._group_max_ms[groups[last_of_group]] = events[last_of_group]
        unsort = np.argsort(order, kind="stable")
        if not self.emit_changes:
            sink.fold(rows.index[order], slots)
            return
        extends = ~opens & (previous_end < ends)
        deletes = np.flatnonzero(extends[unsort])
        sink.changes(
            Changes(
                rows=rows.index,
                slots=slots[unsort],
                group_ids=rows.group_ids,
                start_ms=self._start[slots][unsort],
                end_ms=ends[unsort],
                delete_rows=rows.index[deletes],
                delete_group_ids=rows.group_ids[deletes],
                delete_start_ms=self._start[slots[unsort][deletes]],
                delete_end_ms=previous_end[unsort][deletes],
            )
        )

    def advance(self, watermark_ms: int, sink: WindowSink) -> None:
        if watermark_ms == NO_BOUND:
            return
        closing = np.flatnonzero(self._open & (self._end + self.allowed_lateness_ms <= watermark_ms))
        if not len(closing):
            return
        if not self.emit_changes:
            order = np.lexsort((self._group[closing], self._start[closing], self._end[closing]))
            closing = closing[order]
            sink.close(
                ClosedWindows(
                    group_ids=self._group[closing],
                    start_ms=self._start[closing],
                    end_ms=self._end[closing],
                    slots=closing,
                    starts=np.arange(len(closing)),
                )
            )
        groups = self._group[closing]
        self._latest[groups[np.isin(self._latest[groups], closing)]] = -1
        self._close_slots(closing, sink)

    def live_groups(self) -> np.ndarray:
        return np.unique(self._group[self._open])

    def renumber_groups(self, live: np.ndarray) -> None:
        """Also drops the latest event of groups without an open session. No row is out of order
        for such a group unless it is behind the watermark, which sends it down the general path
        anyway: its sessions closed at a watermark ``>= end + allowed_lateness_ms``, every end is
        past the group's events, and a row not behind has ``event_ms + allowed_lateness_ms`` at or
        past the watermark."""
        self._group = np.where(self._open, np.searchsorted(live, self._group), -1)
        self._latest = self._latest[live]
        self._group_max_ms = self._group_max_ms[live]

    def _close_slots(self, slots: np.ndarray, sink: WindowSink) -> None:
        self._open[slots] = False
        sink.release(slots)
        self._slots.release(slots)
