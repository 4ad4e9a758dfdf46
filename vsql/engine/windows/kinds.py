"""The kinds of time window, in one table: how SQL spells each one, and what plans and runs it.

Every module that needs the window kinds reads ``WINDOW_KINDS``: the dialect (keywords and
duration slots), its generator, the planner (AST node -> spec), ``build_window_strategy`` (spec ->
strategy), EXPLAIN (through the spec's ``describe``) and the shell's completion. The forms::

    WINDOW TUMBLING([time_column,] 1m)          WINDOW TUMBLING (SIZE 1 MINUTE)
    WINDOW SLIDING([time_column,] 10m, 1m)      WINDOW HOPPING (SIZE 10 MINUTES, ADVANCE BY 1 MINUTE)
    WINDOW SESSION([time_column,] 30s)          WINDOW SESSION (30 SECONDS)

each optionally ending in ``, GRACE PERIOD <duration>`` (ksqlDB). Any keyword of a kind takes
either form. ``ROWS WINDOW BUFFER n ROWS`` is no WINDOW clause (it lives inside ``OVER``), so it
is not a kind here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from vsql.engine.sql.expressions import SessionWindow, SlidingWindow, StreamWindow, TumblingWindow
from vsql.engine.sql.plan import SessionSpec, SlidingSpec, TumblingSpec, WindowSpec
from vsql.engine.state import SlotTable
from vsql.engine.windows.base import WindowStrategy
from vsql.engine.windows.session import SessionWindows
from vsql.engine.windows.sliding import SlidingWindows

__all__ = [
    "GRACE",
    "SLOT_KEYWORDS",
    "WINDOW_KINDS",
    "SpecStrategy",
    "WindowKind",
    "kind_of",
    "kind_of_keyword",
    "written_keyword",
]

GRACE = "grace"
"""The slot of the ksqlDB ``GRACE PERIOD``, which every kind accepts."""

SLOT_KEYWORDS: dict[str, str] = {"size": "SIZE", "advance": "ADVANCE BY", GRACE: "GRACE PERIOD"}
"""ksqlDB's keywords naming a slot (``SIZE 30 SECONDS``); a slot without one is only positional."""


class SpecStrategy(Protocol):
    """A strategy class the table names: it builds itself from its kind's spec."""

    def from_spec(
        self, spec: WindowSpec, *, emit_changes: bool, allowed_lateness_ms: int, slots: SlotTable
    ) -> WindowStrategy:
        """The strategy running ``spec`` (a classmethod on the class)."""
        ...


@dataclass(frozen=True)
class WindowKind:
    """One kind of WINDOW clause.

    Attributes:
        name: the Velostream keyword; the generator prints it unless the query used an alias.
        aliases: other keywords opening the same kind (ksqlDB's ``HOPPING``).
        slots: the durations the clause takes, in positional order; the spec holds slot ``s`` in
            its field ``s_ms``.
        node: the AST node the dialect builds.
        spec: the plan spec the planner builds.
        strategy: the ``WindowStrategy`` class ``build_window_strategy`` builds (``from_spec``).
    """

    name: str
    aliases: tuple[str, ...]
    slots: tuple[str, ...]
    node: type[StreamWindow]
    spec: type[WindowSpec]
    strategy: SpecStrategy

    @property
    def keywords(self) -> tuple[str, ...]:
        """Every keyword that opens this kind: the name first, then the aliases."""
        return (self.name, *self.aliases)

    def build_spec(self, node: StreamWindow, *, time_column: str | None) -> WindowSpec:
        """The spec of ``node`` (one of this kind), reading event time from ``time_column``.

        Raises:
            PlanError: a duration is not positive (the spec names its field).
        """
        durations_ms = {f"{slot}_ms": node.args[slot].ms for slot in self.slots}
        return self.spec(**durations_ms, time_column=time_column)


WINDOW_KINDS: tuple[WindowKind, ...] = (
    WindowKind("TUMBLING", (), ("size",), TumblingWindow, TumblingSpec, SlidingWindows),
    WindowKind("SLIDING", ("HOPPING",), ("size", "advance"), SlidingWindow, SlidingSpec, SlidingWindows),
    WindowKind("SESSION", (), ("gap",), SessionWindow, SessionSpec, SessionWindows),
)
"""Every kind of WINDOW clause, in the order the shell offers them."""

_BY_KEYWORD = {keyword: kind for kind in WINDOW_KINDS for keyword in kind.keywords}
_BY_CLASS: dict[type, WindowKind] = {cls: kind for kind in WINDOW_KINDS for cls in (kind.node, kind.spec)}


def kind_of_keyword(keyword: str) -> WindowKind | None:
    """The kind ``keyword`` opens (any case), or None when it opens none."""
    return _BY_KEYWORD.get(keyword.upper())


def kind_of(item: StreamWindow | WindowSpec) -> WindowKind:
    """The kind of a WINDOW clause node or of a window spec.

    Raises:
        TypeError: ``item`` is neither a node nor a spec of a kind in the table.
    """
    kind = _BY_CLASS.get(type(item))
    if kind is None:
        raise TypeError(f"no window kind for {item!r}")
    return kind


def written_keyword(node: StreamWindow) -> str:
    """The keyword the query used for ``node``: its alias, else its kind's name."""
    return node.args.get("alias") or kind_of(node).name
