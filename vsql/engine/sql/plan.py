"""The logical plan: frozen, hashable specs that say what a query computes, never how.

The planner builds a ``LogicalPlan`` from a statement; the engine builds its stateful strategies
from the specs (``vsql.engine.windows.build_window_strategy`` and friends). Expressions are
sqlglot nodes; ``vsql.engine.scalar`` evaluates them on Arrow batches.

Column naming inside a plan:

- ``where``, ``group_by``, aggregate arguments and ``RowsCall`` arguments read the input batch's
  columns (user fields plus ``_key``, ``_timestamp``, ``_partition``, ``_offset``).
- ``having`` and ``outputs`` of an aggregate query read the aggregation result: ``__key<i>`` for the
  i-th GROUP BY expression, ``__agg<i>`` for the i-th aggregate, ``_window_start``/``_window_end``.
- ``outputs`` of a non-aggregate query read the input batch plus ``__rows<i>`` for the i-th
  ``RowsCall``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from sqlglot import exp

from vsql.engine.columns import TIMESTAMP
from vsql.engine.errors import PlanError
from vsql.engine.settings import QuerySettings
from vsql.engine.timeutil import format_duration

__all__ = [
    "AggFunc",
    "AggregateSpec",
    "EmitMode",
    "LogicalPlan",
    "OutputColumn",
    "RowsCall",
    "RowsFunc",
    "RowsSpec",
    "SessionSpec",
    "SinkSpec",
    "SlidingSpec",
    "SourceSpec",
    "TumblingSpec",
    "WindowSpec",
    "agg_column",
    "key_column",
    "rows_column",
]


def key_column(index: int) -> str:
    """Name of the i-th GROUP BY key in the aggregation result."""
    return f"__key{index}"


def agg_column(index: int) -> str:
    """Name of the i-th aggregate in the aggregation result."""
    return f"__agg{index}"


def rows_column(index: int) -> str:
    """Name of the i-th ROWS-window call's result."""
    return f"__rows{index}"


class EmitMode(Enum):
    """When results leave a query: once per closed window, or on every change."""

    FINAL = "final"
    CHANGES = "changes"


def _require_positive(owner: str, name: str, value: int) -> None:
    if value <= 0:
        raise PlanError(f"{owner} {name} must be positive, got {value}")


@dataclass(frozen=True)
class TumblingSpec:
    """Tumbling windows ``[k*size_ms, (k+1)*size_ms)``."""

    size_ms: int
    time_column: str | None = None

    def __post_init__(self) -> None:
        _require_positive("TUMBLING", "size_ms", self.size_ms)

    @property
    def advance_ms(self) -> int:
        """A tumbling window is a sliding one that advances by its size."""
        return self.size_ms

    def describe(self) -> str:
        """``TUMBLING 1m: [k*1m, (k+1)*1m)``."""
        size = format_duration(self.size_ms)
        return f"TUMBLING {size}: [k*{size}, (k+1)*{size})"


@dataclass(frozen=True)
class SlidingSpec:
    """Hopping windows ``[k*advance_ms, k*advance_ms + size_ms)`` that contain the row."""

    size_ms: int
    advance_ms: int
    time_column: str | None = None

    def __post_init__(self) -> None:
        _require_positive("SLIDING", "size_ms", self.size_ms)
        _require_positive("SLIDING", "advance_ms", self.advance_ms)

    def describe(self) -> str:
        """``SLIDING 10m advance 1m: [k*1m, k*1m+10m)``."""
        size, advance = format_duration(self.size_ms), format_duration(self.advance_ms)
        return f"SLIDING {size} advance {advance}: [k*{advance}, k*{advance}+{size})"


@dataclass(frozen=True)
class SessionSpec:
    """Per-key sessions: a row opens ``[t, t+gap_ms)``; overlapping sessions merge."""

    gap_ms: int
    time_column: str | None = None

    def __post_init__(self) -> None:
        _require_positive("SESSION", "gap_ms", self.gap_ms)

    def describe(self) -> str:
        """``SESSION gap 30s: a row opens [t, t+30s) per group, overlapping sessions merge``."""
        gap = format_duration(self.gap_ms)
        return f"SESSION gap {gap}: a row opens [t, t+{gap}) per group, overlapping sessions merge"


WindowSpec = TumblingSpec | SlidingSpec | SessionSpec


class AggFunc(Enum):
    """Aggregate functions over a GROUP BY (and over a ROWS window)."""

    COUNT = "count"
    SUM = "sum"
    AVG = "avg"
    MIN = "min"
    MAX = "max"
    FIRST_VALUE = "first_value"
    LAST_VALUE = "last_value"
    STDDEV_SAMP = "stddev_samp"
    STDDEV_POP = "stddev_pop"
    VAR_SAMP = "var_samp"
    VAR_POP = "var_pop"
    MEDIAN = "median"
    APPROX_COUNT_DISTINCT = "approx_count_distinct"


@dataclass(frozen=True)
class AggregateSpec:
    """One aggregate call.

    ``argument`` is None for ``COUNT(*)``; ``distinct`` is True for ``COUNT(DISTINCT x)``.
    """

    func: AggFunc
    argument: exp.Expression | None
    distinct: bool = False


class RowsFunc(Enum):
    """Functions allowed over ``OVER (ROWS WINDOW BUFFER n ROWS ...)``."""

    COUNT = "count"
    SUM = "sum"
    AVG = "avg"
    MIN = "min"
    MAX = "max"
    FIRST_VALUE = "first_value"
    LAST_VALUE = "last_value"
    STDDEV_SAMP = "stddev_samp"
    STDDEV_POP = "stddev_pop"
    VAR_SAMP = "var_samp"
    VAR_POP = "var_pop"
    LAG = "lag"
    LEAD = "lead"
    ROW_NUMBER = "row_number"
    RANK = "rank"
    DENSE_RANK = "dense_rank"


@dataclass(frozen=True)
class RowsSpec:
    """A bounded row buffer per partition: ``ROWS WINDOW BUFFER buffer_rows ROWS``.

    ``preceding_rows`` is k in ``ROWS BETWEEN k PRECEDING AND CURRENT ROW`` (the frame is then the
    current row and the k before it, capped by the buffer); None means the whole buffer.
    ``expire_after_ms`` drops a partition idle that long in event time.
    """

    buffer_rows: int
    partition_by: tuple[exp.Expression, ...] = ()
    order_by: exp.Expression | None = None
    preceding_rows: int | None = None
    expire_after_ms: int | None = None

    def __post_init__(self) -> None:
        _require_positive("ROWS WINDOW BUFFER", "buffer_rows", self.buffer_rows)
        if self.preceding_rows is not None and self.preceding_rows < 0:
            raise PlanError(f"ROWS BETWEEN preceding_rows must be >= 0, got {self.preceding_rows}")

    @property
    def frame_rows(self) -> int:
        """Rows in one frame, the current row included."""
        if self.preceding_rows is None:
            return self.buffer_rows
        return min(self.buffer_rows, self.preceding_rows + 1)

    def describe(self) -> str:
        """``the last 5 rows, per symbol, ordered by ts (buffer of 50 rows)``: the frame, the
        partitions, the order, the expiry of idle partitions and the buffer, in that order."""
        parts = [f"the last {self.frame_rows} rows"]
        if self.partition_by:
            parts.append("per " + ", ".join(key.sql(dialect="vsql") for key in self.partition_by))
        if self.order_by is not None:
            parts.append(f"ordered by {self.order_by.sql(dialect='vsql')}")
        if self.expire_after_ms is not None:
            parts.append(f"idle partitions expire after {format_duration(self.expire_after_ms)}")
        return ", ".join(parts) + f" (buffer of {self.buffer_rows} rows)"


@dataclass(frozen=True)
class RowsCall:
    """One ``f(arg) OVER (ROWS WINDOW ...)`` call; ``offset`` and ``default`` serve LAG/LEAD."""

    func: RowsFunc
    argument: exp.Expression | None
    window: RowsSpec
    offset: int = 1
    default: exp.Expression | None = None


@dataclass(frozen=True)
class OutputColumn:
    """A selected column: its name as written (alias, else expression text) and its expression."""

    name: str
    expression: exp.Expression


@dataclass(frozen=True)
class SourceSpec:
    """The FROM source: a name (a topic by default) and its ``'<name>.<key>'`` properties."""

    name: str


@dataclass(frozen=True)
class SinkSpec:
    """``CREATE STREAM|TABLE name AS SELECT``: where results go and which columns form the key."""

    name: str
    kind: str
    primary_key: tuple[str, ...] = ()


@dataclass(frozen=True)
class LogicalPlan:
    """What one SELECT computes. See the module docstring for the column naming."""

    source: SourceSpec
    outputs: tuple[OutputColumn, ...]
    emit: EmitMode
    settings: QuerySettings = field(default_factory=QuerySettings)
    where: exp.Expression | None = None
    group_by: tuple[exp.Expression, ...] = ()
    aggregates: tuple[AggregateSpec, ...] = ()
    window: WindowSpec | None = None
    having: exp.Expression | None = None
    rows_calls: tuple[RowsCall, ...] = ()
    limit: int | None = None
    sink: SinkSpec | None = None
    sql: str = ""

    @property
    def is_aggregate(self) -> bool:
        """True when rows are grouped: a GROUP BY, an aggregate or a WINDOW."""
        return bool(self.group_by or self.aggregates or self.window is not None)

    @property
    def input_columns(self) -> frozenset[str] | None:
        """The input fields the plan reads, as written (None when it reads every field: ``*``).

        Decoders use it to skip the fields a query never touches.
        """
        if any(isinstance(column.expression, exp.Star) for column in self.outputs):
            return None
        expressions: list[exp.Expression | None] = [self.where, *self.group_by]
        expressions += [spec.argument for spec in self.aggregates]
        for call in self.rows_calls:
            expressions += [call.argument, call.window.order_by, *call.window.partition_by]
        if not self.is_aggregate:
            expressions += [column.expression for column in self.outputs]
        names = {
            column.name
            for expression in expressions
            if expression is not None
            for column in expression.find_all(exp.Column)
            if not column.name.startswith("__")
        }
        return frozenset({*names, self.event_time_column})

    @property
    def event_time_column(self) -> str:
        """The column event time is read from: the WINDOW's, else ``event.time.field``, else
        ``_timestamp``."""
        if self.window is not None and self.window.time_column:
            return self.window.time_column
        return self.settings.event_time_field or TIMESTAMP
