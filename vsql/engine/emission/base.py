"""The EmissionStrategy contract: which aggregation results leave the query, and when.

Frames are ``pa.Table``s over the aggregation's columns (``__key<i>``, ``__agg<i>``,
``_window_start``, ``_window_end``); the pipeline projects them to the SELECT list afterwards.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pyarrow as pa

__all__ = ["EmissionStrategy"]


class EmissionStrategy(Protocol):
    """Decides what the aggregation emits."""

    def on_close(self, frame: pa.Table) -> pa.Table | None:
        """Windows closed (EMIT FINAL): ``frame`` holds one row per closed (window, group), already
        in emission order. Returns the rows to emit."""

    def on_update(self, frame: pa.Table, *, slots: np.ndarray, is_delete: np.ndarray) -> pa.Table | None:
        """Rows changed (EMIT CHANGES): ``frame`` holds, in output order, one row per update
        (``is_delete`` False; its slot in ``slots``) or per window-bound delete (``is_delete`` True,
        aggregate columns NULL). Returns the rows to emit, with an ``_op`` column."""

    def on_release(self, slots: np.ndarray) -> None:
        """Slots were cleared; forget anything kept about them."""
