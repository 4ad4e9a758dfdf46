"""Window strategies; ``build_window_strategy`` is the only place a spec type maps to a class."""

from __future__ import annotations

from vsql.engine.sql.plan import EmitMode, SessionSpec, SlidingSpec, TumblingSpec, WindowSpec
from vsql.engine.state import SlotTable
from vsql.engine.windows.base import (
    NO_BOUND,
    Changes,
    ClosedWindows,
    WindowRows,
    WindowSink,
    WindowStrategy,
)
from vsql.engine.windows.session import SessionWindows
from vsql.engine.windows.sliding import SlidingWindows
from vsql.engine.windows.unbounded import UnboundedWindow

__all__ = [
    "NO_BOUND",
    "Changes",
    "ClosedWindows",
    "WindowRows",
    "WindowSink",
    "WindowStrategy",
    "build_window_strategy",
]


def build_window_strategy(
    spec: WindowSpec | None, *, emit: EmitMode, allowed_lateness_ms: int, slots: SlotTable
) -> WindowStrategy:
    """The stateful strategy for ``spec`` (None: a GROUP BY without WINDOW)."""
    changes = emit is EmitMode.CHANGES
    match spec:
        case None:
            return UnboundedWindow(emit_changes=changes, slots=slots)
        case TumblingSpec(size_ms=size_ms):
            return SlidingWindows(
                size_ms, size_ms, allowed_lateness_ms=allowed_lateness_ms, per_window=changes, slots=slots
            )
        case SlidingSpec(size_ms=size_ms, advance_ms=advance_ms):
            return SlidingWindows(
                size_ms, advance_ms, allowed_lateness_ms=allowed_lateness_ms, per_window=changes, slots=slots
            )
        case SessionSpec(gap_ms=gap_ms):
            return SessionWindows(
                gap_ms, allowed_lateness_ms=allowed_lateness_ms, emit_changes=changes, slots=slots
            )
    raise TypeError(f"no window strategy for {spec!r}")
