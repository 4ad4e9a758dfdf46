"""The aggregation stage: accumulators plus slots, driven by a WindowStrategy, feeding an
EmissionStrategy. It is the ``WindowSink`` every window strategy calls.

Result frames have one column per GROUP BY key (``__key<i>``), one per aggregate (``__agg<i>``)
and the window bounds (``_window_start``, ``_window_end``, NULL for a GROUP BY without WINDOW).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vsql.engine.aggregates import Accumulator, Segments, ValueColumn
from vsql.engine.columns import WINDOW_END, WINDOW_START
from vsql.engine.emission import EmissionStrategy
from vsql.engine.groupby import GroupByStrategy
from vsql.engine.sql.plan import agg_column, key_column
from vsql.engine.state import SlotTable
from vsql.engine.windows import NO_BOUND, Changes, ClosedWindows

__all__ = ["Aggregation"]

_NOT_HELD = np.iinfo(np.int64).max


def _bounds(values: np.ndarray) -> pa.Array:
    return pa.array(values, mask=values == NO_BOUND, type=pa.int64())


class Aggregation:
    """Accumulates one query's aggregates and collects the frames its emission lets out."""

    def __init__(
        self,
        accumulators: list[Accumulator],
        *,
        group_by: GroupByStrategy,
        key_count: int,
        emission: EmissionStrategy,
        slots: SlotTable,
    ) -> None:
        self._accumulators = accumulators
        self._group_by = group_by
        self._key_count = key_count
        self._emission = emission
        self._slots = slots
        self._columns: list[ValueColumn] = []
        self._seq = np.zeros(0, dtype=np.int64)
        self._first_seq = np.zeros(0, dtype=np.int64)
        self._capacity = 0
        self._frames: list[pa.Table] = []
        self._emitted_through_ms = NO_BOUND

    def suppress_through(self, end_ms: int) -> None:
        """Windows ending at or before ``end_ms`` were emitted by an earlier run of this query:
        rebuilt from replayed rows they are partial, so they are never emitted again."""
        self._emitted_through_ms = max(self._emitted_through_ms, end_ms)

    def _append(self, emitted: pa.Table | None) -> None:
        """Keep an emitted frame, less the windows an earlier run already emitted."""
        if emitted is None:
            return
        if self._emitted_through_ms != NO_BOUND:
            end_ms = emitted.column(WINDOW_END)
            fresh = pc.or_kleene(pc.is_null(end_ms), pc.greater(end_ms, self._emitted_through_ms))
            emitted = emitted.filter(fresh)
        self._frames.append(emitted)

    def begin(self, columns: list[ValueColumn], *, seq: np.ndarray) -> None:
        """Set the value columns of the batch that the next calls' row positions point into, and
        each of those rows' arrival number in the stream."""
        self._columns = columns
        self._seq = seq

    @property
    def held_since_seq(self) -> int | None:
        """The arrival number of the oldest row whose effect is still held by an open slot (not yet
        emitted), or None when nothing is held. Every row that arrived before it has had its
        effect emitted or never had one, so its input offset may be committed (at-least-once)."""
        oldest = int(self._first_seq.min(initial=_NOT_HELD))
        return None if oldest == _NOT_HELD else oldest

    def take_frames(self) -> list[pa.Table]:
        """The frames emitted since the last call, in order."""
        frames, self._frames = self._frames, []
        return [frame for frame in frames if frame.num_rows]

    def _reserve(self) -> None:
        if self._slots.capacity > self._capacity:
            self._capacity = max(self._slots.capacity, 2 * self._capacity)
            for accumulator in self._accumulators:
                accumulator.resize(self._capacity)
            grown = np.full(self._capacity, _NOT_HELD, dtype=np.int64)
            grown[: len(self._first_seq)] = self._first_seq
            self._first_seq = grown

    def _hold(self, rows: np.ndarray, slots: np.ndarray) -> None:
        np.minimum.at(self._first_seq, slots, self._seq[rows])

    def fold(self, rows: np.ndarray, slots: np.ndarray) -> None:
        self._reserve()
        self._hold(rows, slots)
        for accumulator, column in zip(self._accumulators, self._columns, strict=True):
            accumulator.update(slots, column.take(rows))

    def changes(self, changes: Changes) -> None:
        if not len(changes.rows):
            return
        self._reserve()
        self._hold(changes.rows, changes.slots)
        segments = Segments(changes.slots)
        rank = np.empty(len(changes.slots), dtype=np.int64)
        rank[segments.order] = np.arange(len(changes.slots))
        positions = pa.array(rank)
        values = [
            accumulator.running(segments, column.take(changes.rows)).take(positions)
            for accumulator, column in zip(self._accumulators, self._columns, strict=True)
        ]
        updates = self._frame(changes.group_ids, changes.start_ms, changes.end_ms, values)
        deletes = self._frame(
            changes.delete_group_ids,
            changes.delete_start_ms,
            changes.delete_end_ms,
            [pa.nulls(len(changes.delete_rows), type=value.type) for value in values],
        )
        frame = pa.concat_tables([updates, deletes])
        order = np.lexsort(
            (
                np.concatenate([changes.start_ms, changes.delete_start_ms]),
                np.concatenate([np.ones(len(changes.rows)), np.zeros(len(changes.delete_rows))]),
                np.concatenate([changes.rows, changes.delete_rows]),
            )
        )
        slots = np.concatenate([changes.slots, np.full(len(changes.delete_rows), -1)])[order]
        is_delete = order >= len(changes.rows)
        emitted = self._emission.on_update(frame.take(pa.array(order)), slots=slots, is_delete=is_delete)
        self._append(emitted)

    def merge(self, into: np.ndarray, sources: np.ndarray) -> None:
        self._reserve()
        np.minimum.at(self._first_seq, into, self._first_seq[sources])
        for accumulator in self._accumulators:
            accumulator.merge(into, sources)

    def close(self, closed: ClosedWindows) -> None:
        values = [accumulator.combine(closed.slots, closed.starts) for accumulator in self._accumulators]
        frame = self._frame(closed.group_ids, closed.start_ms, closed.end_ms, values)
        order = np.lexsort((self._key_rank(closed.group_ids), closed.start_ms, closed.end_ms))
        self._append(self._emission.on_close(frame.take(pa.array(order))))

    def _key_rank(self, group_ids: np.ndarray) -> np.ndarray:
        """Each group's position in ascending key order (column by column, NULLs first); sorts
        the distinct groups only, not the rows."""
        distinct, inverse = np.unique(group_ids, return_inverse=True)
        keys = self._group_by.keys(distinct)
        if not keys:
            return np.zeros(len(group_ids), dtype=np.int64)
        table = pa.table({key_column(index): column for index, column in enumerate(keys)})
        sort_keys = [(name, "ascending", "at_start") for name in table.column_names]
        rank = np.empty(len(distinct), dtype=np.int64)
        rank[np.asarray(pc.sort_indices(table, sort_keys=sort_keys))] = np.arange(len(distinct))
        return rank[inverse]

    def release(self, slots: np.ndarray) -> None:
        if not len(slots):
            return
        for accumulator in self._accumulators:
            accumulator.release(slots)
        self._first_seq[slots[slots < len(self._first_seq)]] = _NOT_HELD
        self._emission.on_release(slots)

    def _frame(
        self, group_ids: np.ndarray, start_ms: np.ndarray, end_ms: np.ndarray, values: list[pa.Array]
    ) -> pa.Table:
        columns: dict[str, pa.Array] = {}
        for index, keys in enumerate(self._group_by.keys(group_ids)):
            columns[key_column(index)] = keys
        for index, value in enumerate(values):
            columns[agg_column(index)] = value
        columns[WINDOW_START] = _bounds(start_ms)
        columns[WINDOW_END] = _bounds(end_ms)
        return pa.table(columns)
