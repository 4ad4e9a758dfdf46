"""Prepared statements: a statement parsed and planned once, with what a front end needs before it runs.

``Runtime.prepare`` turns text into a ``Prepared``: its kind, its plan, the shape of its results
and whether it ends on its own. ``Runtime.run`` then runs it without compiling it again, and the
file bound to its source, read once to learn the fields, is not read again to plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from vsql.engine.settings import ScanBoundedMode
from vsql.engine.sql.plan import LogicalPlan
from vsql.io.formats.decoder import Format
from vsql.runtime.inputs import BoundFile
from vsql.runtime.shape import ResultShape

__all__ = ["Prepared", "StatementKind"]


class StatementKind(Enum):
    """What a prepared statement does when it runs."""

    QUERY = "query"
    """A SELECT: its rows go to the caller."""
    PERSISTENT = "persistent"
    """``CREATE STREAM|TABLE ... AS SELECT``: its rows go to a sink, in the background over a topic."""
    SET = "set"
    """``SET 'key' = 'value'``: a session property."""
    UNSET = "unset"
    """``UNSET 'key'``: drop a session property."""


@dataclass(frozen=True)
class Prepared:
    """One statement, compiled with the session's settings as they were when it was prepared.

    Attributes:
        text: the statement as written (without its ``;``).
        kind: what it does.
        plan: the query's plan (QUERY and PERSISTENT), else None.
        shape: how its result rows are keyed and emitted (QUERY and PERSISTENT), else None.
        bound_file: the file bound to the query's source, None when it reads a topic.
        source_format: the format of the source's values (checked readable from its file or topic).
        key: the property a SET or UNSET changes.
        value: the value a SET gives it.
    """

    text: str
    kind: StatementKind
    plan: LogicalPlan | None = None
    shape: ResultShape | None = None
    bound_file: BoundFile | None = None
    source_format: Format = Format.JSON
    key: str | None = None
    value: str | None = None

    @property
    def is_query(self) -> bool:
        """Whether it runs a query (QUERY or PERSISTENT)."""
        return self.plan is not None

    @property
    def reads_to_end(self) -> bool:
        """Whether the query's input is finite: a bound file, or a topic read up to the end offsets
        found at its start (``'scan.bounded.mode' = 'latest-offset'``)."""
        plan = self.plan
        return plan is not None and (
            self.bound_file is not None or plan.settings.scan_bounded_mode is ScanBoundedMode.LATEST_OFFSET
        )

    @property
    def is_bounded(self) -> bool:
        """Whether it ends on its own: not a query, or a query with a LIMIT or a finite input. A
        script may run an unbounded query only under a timeout."""
        plan = self.plan
        return plan is None or plan.limit is not None or self.reads_to_end

    @property
    def runs_in_background(self) -> bool:
        """Whether ``run`` leaves it running as a job: a persistent query over a topic."""
        return self.kind is StatementKind.PERSISTENT and self.bound_file is None
