"""Window strategies; ``build_window_strategy`` is the only place a spec maps to a class, through
the table of window kinds (``vsql.engine.windows.kinds``)."""

from __future__ import annotations

from vsql.engine.sql.plan import EmitMode, WindowSpec
from vsql.engine.state import SlotTable
from vsql.engine.windows.base import (
    NO_BOUND,
    Changes,
    ClosedWindows,
    WindowRows,
    WindowSink,
    WindowStrategy,
)
from vsql.engine.windows.kinds import kind_of
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
    """The stateful strategy for ``spec`` (None: a GROUP BY without WINDOW).

    Raises:
        TypeError: ``spec`` is of no kind in ``WINDOW_KINDS``.
    """
    changes = emit is EmitMode.CHANGES
    if spec is None:
        return UnboundedWindow(emit_changes=changes, slots=slots)
    return kind_of(spec).strategy.from_spec(
        spec, emit_changes=changes, allowed_lateness_ms=allowed_lateness_ms, slots=slots
    )
