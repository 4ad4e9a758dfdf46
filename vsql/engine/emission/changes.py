"""EMIT CHANGES: an upsert changelog keyed by (group keys, window).

Every input row emits the updated row of each (window, group) it changed. A row with
``_op = 'delete'`` retracts a key: the old bounds of a session a row extended or merged away, or a
group that stopped passing HAVING. This is the retraction mode Beam's triggers leave as a TODO;
here it is what makes session windows and HAVING correct in a changelog.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from vsql.engine.columns import OP, OP_DELETE
from vsql.engine.scalar import ScalarExpr

__all__ = ["ChangesEmission"]


class ChangesEmission:
    """Emits per-row updates; under HAVING, remembers per slot whether its last row passed."""

    def __init__(self, having: ScalarExpr | None) -> None:
        self._having = having
        self._passing = np.zeros(0, dtype=bool)

    def on_close(self, frame: pa.Table) -> pa.Table | None:
        raise TypeError("EMIT CHANGES aggregation closed windows for emission")

    def on_update(self, frame: pa.Table, *, slots: np.ndarray, is_delete: np.ndarray) -> pa.Table | None:
        keep = np.ones(len(frame), dtype=bool)
        deleted = is_delete.copy()
        if self._having is not None:
            passing = np.asarray(pa.array(self._having.evaluate(frame)).fill_null(False), dtype=bool)
            passing &= ~is_delete
            before = self._previous_passing(slots, passing, is_delete)
            stops = ~is_delete & ~passing & before
            keep = is_delete | passing | stops
            deleted |= stops
        op = pa.array(np.where(deleted, OP_DELETE, None), type=pa.string())
        return frame.append_column(OP, op).filter(pa.array(keep))

    def _previous_passing(self, slots: np.ndarray, passing: np.ndarray, is_delete: np.ndarray) -> np.ndarray:
        """For each update, whether its slot's previous row passed HAVING; updates the memory."""
        updates = np.flatnonzero(~is_delete)
        update_slots = slots[updates]
        if len(update_slots) and update_slots.max() >= len(self._passing):
            grown = np.zeros(int(update_slots.max()) + 1, dtype=bool)
            grown[: len(self._passing)] = self._passing
            self._passing = grown
        order = np.argsort(update_slots, kind="stable")
        sorted_slots = update_slots[order]
        sorted_passing = passing[updates][order]
        is_first = np.ones(len(order), dtype=bool)
        is_first[1:] = sorted_slots[1:] != sorted_slots[:-1]
        previous = np.empty(len(order), dtype=bool)
        previous[1:] = sorted_passing[:-1]
        previous[is_first] = self._passing[sorted_slots[is_first]]
        is_last = np.append(is_first[1:], True)
        self._passing[sorted_slots[is_last]] = sorted_passing[is_last]
        result = np.zeros(len(slots), dtype=bool)
        result[updates[order]] = previous
        return result

    def on_release(self, slots: np.ndarray) -> None:
        self._passing[slots[slots < len(self._passing)]] = False
