"""EMIT FINAL: each (window, group) once, when its window closes; HAVING filters it.

Order: windows closing together come out by ascending (end, start), groups within a window by
ascending key, NULLs first (the aggregation sorts the frame before calling ``on_close``).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from vsql.engine.scalar import ScalarExpr

__all__ = ["FinalEmission"]


class FinalEmission:
    """Emits closed windows only; updates are never emitted."""

    def __init__(self, having: ScalarExpr | None) -> None:
        self._having = having

    def on_close(self, frame: pa.Table) -> pa.Table | None:
        if self._having is None:
            return frame
        passing = self._having.evaluate(frame)
        return frame.filter(pa.array(passing).fill_null(False))

    def on_update(self, frame: pa.Table, *, slots: np.ndarray, is_delete: np.ndarray) -> pa.Table | None:
        raise TypeError("EMIT FINAL aggregation produced per-row updates")

    def on_release(self, slots: np.ndarray) -> None:
        """FINAL keeps nothing per slot."""
