"""The unbounded window of a GROUP BY without WINDOW: one state per group for the whole stream.

It never closes while the input runs; at the end of a finite input (watermark = largest int64) EMIT
FINAL emits every group once. No row is ever late.
"""

from __future__ import annotations

import numpy as np

from vsql.engine.state import SlotTable
from vsql.engine.windows.base import NO_BOUND, Changes, ClosedWindows, WindowRows, WindowSink

__all__ = ["UnboundedWindow"]

_EMPTY = np.zeros(0, dtype=np.int64)
_END_OF_INPUT = np.iinfo(np.int64).max


class UnboundedWindow:
    """Group id -> slot, for the life of the query."""

    def __init__(self, *, emit_changes: bool, slots: SlotTable) -> None:
        self.emit_changes = emit_changes
        self._slots = slots
        self._slot_of_group = np.zeros(0, dtype=np.int64)

    @property
    def open_slots(self) -> int:
        return int((self._slot_of_group >= 0).sum())

    def describe_state(self) -> str:
        return "state per group"

    def process(self, rows: WindowRows, sink: WindowSink) -> np.ndarray:
        group_count = int(rows.group_ids.max(initial=-1)) + 1
        if group_count > len(self._slot_of_group):
            known = len(self._slot_of_group)
            self._slot_of_group = np.concatenate(
                [self._slot_of_group, self._slots.allocate(group_count - known)]
            )
        slots = self._slot_of_group[rows.group_ids]
        if self.emit_changes:
            bounds = np.full(len(rows), NO_BOUND, dtype=np.int64)
            sink.changes(
                Changes(
                    rows=rows.index,
                    slots=slots,
                    group_ids=rows.group_ids,
                    start_ms=bounds,
                    end_ms=bounds,
                    delete_rows=_EMPTY,
                    delete_group_ids=_EMPTY,
                    delete_start_ms=_EMPTY,
                    delete_end_ms=_EMPTY,
                )
            )
        else:
            sink.fold(rows.index, slots)
        return np.zeros(len(rows), dtype=bool)

    def live_groups(self) -> np.ndarray:
        return np.arange(len(self._slot_of_group))

    def renumber_groups(self, live: np.ndarray) -> None:
        self._slot_of_group = self._slot_of_group[live]

    def advance(self, watermark_ms: int, sink: WindowSink) -> None:
        if watermark_ms != _END_OF_INPUT or self.emit_changes or not len(self._slot_of_group):
            return
        groups = np.arange(len(self._slot_of_group))
        bounds = np.full(len(groups), NO_BOUND, dtype=np.int64)
        sink.close(
            ClosedWindows(
                group_ids=groups,
                start_ms=bounds,
                end_ms=bounds,
                slots=self._slot_of_group,
                starts=np.arange(len(groups)),
            )
        )
        sink.release(self._slot_of_group)
        self._slots.release(self._slot_of_group)
        self._slot_of_group = np.zeros(0, dtype=np.int64)
