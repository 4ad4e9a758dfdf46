"""What the shell needs from the outside world: the ``ShellBackend`` protocol and its values.

The shell never touches the engine, the runtime or Kafka directly; everything it shows or runs goes
through one object implementing ``ShellBackend``. The values crossing the protocol are small frozen
dataclasses, so a backend can hand them from any thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

import pyarrow as pa

from vsql.engine.settings import OutputMode
from vsql.engine.sql.plan import EmitMode
from vsql.runtime.topics import FieldInfo

__all__ = [
    "ALL_QUERIES",
    "QueryInfo",
    "QueryState",
    "QueryStatus",
    "ResultShape",
    "RowsCallback",
    "ShapeCallback",
    "ShellBackend",
    "StatementResult",
    "StatusCallback",
    "TopicInfo",
]

ALL_QUERIES = "ALL"
"""The argument of ``terminate`` that stops every running query."""


@dataclass(frozen=True)
class QueryStatus:
    """A running query's counters at one moment.

    Attributes:
        records_in: input records decoded so far.
        rows_out: result rows emitted so far.
        records_per_s: recent input rate.
        memory_mb: memory held by the query's state, in MiB.
        watermark_ms: the query's watermark (epoch ms), None before any data arrived.
        late_count: rows found late so far.
        dead_letter_count: records sent to the dead-letter output so far.
        elapsed_s: wall time since the query started, in seconds.
        expired_count: Kafka records that expired from the broker before the query read them.
    """

    records_in: int = 0
    rows_out: int = 0
    records_per_s: float = 0.0
    memory_mb: float = 0.0
    watermark_ms: int | None = None
    late_count: int = 0
    dead_letter_count: int = 0
    elapsed_s: float = 0.0
    expired_count: int = 0


@dataclass(frozen=True)
class ResultShape:
    """How a query's result rows are keyed and emitted, announced before its first rows.

    Attributes:
        columns: the result columns, in order.
        key_columns: the columns that identify a result row in the changelog: the group keys and
            the selected window bounds; empty for one global group (aggregates without GROUP BY);
            None when rows are not keyed at all (a query without aggregates: every row is new).
        emit_mode: FINAL (each row once) or CHANGES (an upsert changelog with ``_op = 'delete'`` rows).
        output_mode: the ``'output.mode'`` setting, None when unset (the shell then picks ``table``
            for CHANGES and ``append`` for FINAL).
    """

    columns: tuple[str, ...]
    key_columns: tuple[str, ...] | None = None
    emit_mode: EmitMode = EmitMode.FINAL
    output_mode: OutputMode | None = None


@dataclass(frozen=True)
class StatementResult:
    """What a statement did, once ``execute`` returns.

    Attributes:
        message: a line for the user (``SET 'k' = 'v'``, ``query q3 started``), or None.
        status: the final counters of a query that ran in the foreground, else None.
        query_id: the id of a query left running in the background (CREATE STREAM), else None.
    """

    message: str | None = None
    status: QueryStatus | None = None
    query_id: str | None = None


@dataclass(frozen=True)
class TopicInfo:
    """A topic as ``SHOW TOPICS`` lists it."""

    name: str
    partitions: int
    messages: int


class QueryState(Enum):
    """Where a query is in its life."""

    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"
    TERMINATED = "TERMINATED"


@dataclass(frozen=True)
class QueryInfo:
    """A query the backend runs, as ``SHOW QUERIES`` lists it.

    Attributes:
        query_id: the id ``TERMINATE`` takes.
        statement: the SQL text.
        state: running, done (its input ended or its LIMIT was reached), failed or terminated.
        status: its latest counters.
        sink: the topic it writes to, None for a foreground query.
        error: why it failed, None unless it did.
    """

    query_id: str
    statement: str
    state: QueryState
    status: QueryStatus = field(default_factory=QueryStatus)
    sink: str | None = None
    error: str | None = None


RowsCallback = Callable[[pa.Table], None]
StatusCallback = Callable[[QueryStatus], None]
ShapeCallback = Callable[[ResultShape], None]


class ShellBackend(Protocol):
    """Everything the shell asks of the runtime, the catalog and the broker.

    The shell calls ``execute`` and ``print_topic`` from a worker thread and keeps the main thread
    free to catch Ctrl-C; it calls the other methods from the main thread, and ``topics``,
    ``describe`` and ``queries`` also from the catalog's refresh thread. Errors the user should see
    are raised as ``VsqlError`` subclasses; the shell renders them and stays up.
    """

    @property
    def broker_address(self) -> str:
        """The bootstrap address of the broker, as the toolbar shows it."""

    def execute(
        self,
        statement: str,
        *,
        on_start: ShapeCallback,
        on_rows: RowsCallback,
        on_status: StatusCallback,
        cancel: threading.Event,
    ) -> StatementResult:
        """Run one SQL statement (SELECT, CREATE STREAM, SET, UNSET, ...), without its ``;``.

        A query calls ``on_start`` once, before any rows; then ``on_rows`` with each non-empty
        result table in emission order (``_op`` column included for delete rows) and ``on_status``
        about once a second and once at the end. A push query blocks until its LIMIT, the end of a
        finite input, or ``cancel`` being set; on cancel it stops within about a second and returns
        normally with the counters so far. CREATE STREAM starts its query in the background and
        returns at once with ``query_id`` set. SET and UNSET call no callback.

        Raises:
            VsqlError: the statement is rejected (syntax, plan) or fails while running.
        """

    def is_unbounded(self, statement: str) -> bool:
        """Whether ``statement`` is a query that never ends on its own (a push query without LIMIT
        over a topic), which a script may run only with a timeout.

        Raises:
            VsqlError: the statement is rejected.
        """

    def topics(self) -> list[TopicInfo]:
        """The topics on the broker, sorted by name."""

    def describe(self, topic: str) -> list[FieldInfo]:
        """The value fields of a topic, inferred from a sample of its messages.

        Raises:
            VsqlError: the topic does not exist.
        """

    def print_topic(
        self,
        topic: str,
        *,
        from_beginning: bool,
        limit: int | None,
        on_rows: RowsCallback,
        cancel: threading.Event,
    ) -> None:
        """Tail a topic's messages as tables (system columns plus value fields), like kcat.

        Blocks until ``limit`` messages were shown or ``cancel`` is set.

        Raises:
            VsqlError: the topic does not exist.
        """

    def queries(self) -> list[QueryInfo]:
        """The queries started in this session, running or finished."""

    def terminate(self, query_id: str) -> list[str]:
        """Stop a background query, or every one with ``ALL_QUERIES``; returns the ids stopped.

        Raises:
            VsqlError: no query has that id.
        """

    def explain(self, statement: str) -> str:
        """The plan of a query as text: window, emission, group-by, event time, watermark settings.

        Raises:
            VsqlError: the statement is rejected.
        """

    def properties(self) -> Mapping[str, str]:
        """The session's properties (SET values over the defaults), by key."""

    def start_datagen(self, kind: str, *, topic: str, rate: int) -> str:
        """Start producing generated events of ``kind`` to ``topic`` at ``rate`` per second.

        Returns:
            The id under which the generator shows in ``SHOW QUERIES``.

        Raises:
            VsqlError: an unknown kind or a bad rate.
        """
