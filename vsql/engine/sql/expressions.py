"""Streaming AST nodes: the parts of a vsql statement that standard SQL has no node for.

Scalar expressions stay sqlglot's standard nodes (``exp.Column``, ``exp.Add``, ``exp.Anonymous``,
...), so the scalar evaluator reads them unchanged. Each node here has a ``<node>_sql`` method in
``vsql.engine.sql.generator.VsqlGenerator`` (the WINDOW clauses share ``streamwindow_sql``).
"""

from __future__ import annotations

from sqlglot import exp

from vsql.engine.timeutil import unit_ms

__all__ = [
    "STREAMING_NODES",
    "CreateStream",
    "Duration",
    "Emit",
    "KeyColumn",
    "RowsBuffer",
    "SessionWindow",
    "SlidingWindow",
    "StreamWindow",
    "TumblingWindow",
    "WithProperty",
]


class Duration(exp.Expression):
    """A span of time: ``30s``, ``30 SECONDS``, ``INTERVAL '30' SECOND`` or a bare ``2000`` (ms).

    Args: ``this`` the amount (decimal digits), ``unit`` the unit as written (None for a bare
    number of milliseconds), ``interval`` True for the ``INTERVAL 'n' UNIT`` form.
    """

    arg_types = {"this": True, "unit": False, "interval": False}

    @property
    def ms(self) -> int:
        """The duration in milliseconds."""
        unit = self.args.get("unit")
        return int(self.this) * (unit_ms(unit) if unit else 1)


class StreamWindow(exp.Expression):
    """Base of the WINDOW clause nodes; ``vsql.engine.windows.kinds`` maps each to its keywords.

    Every window may name its event-time column (``this``) and a ksqlDB ``GRACE PERIOD``
    (``grace``); ``keyword_form`` is True for the ksqlDB ``(SIZE ..., ADVANCE BY ...)`` spelling;
    ``alias`` is the keyword the query used when it is an alias of the kind (``HOPPING``).
    Subclasses add one duration argument per slot of their kind.
    """

    @property
    def time_column(self) -> exp.Column | None:
        """The event-time column named in the clause, or None."""
        return self.args.get("this")

    @property
    def grace(self) -> Duration | None:
        """The ksqlDB grace period, or None."""
        return self.args.get("grace")


_WINDOW_ARGS = {"this": False, "grace": False, "keyword_form": False, "alias": False}


class TumblingWindow(StreamWindow):
    """``WINDOW TUMBLING([time_column,] size)`` or ``TUMBLING (SIZE size[, GRACE PERIOD g])``."""

    arg_types = {**_WINDOW_ARGS, "size": True}


class SlidingWindow(StreamWindow):
    """``WINDOW SLIDING([time_column,] size, advance)`` or ``HOPPING (SIZE s, ADVANCE BY a)``."""

    arg_types = {**_WINDOW_ARGS, "size": True, "advance": True}


class SessionWindow(StreamWindow):
    """``WINDOW SESSION([time_column,] gap[, GRACE PERIOD g])``."""

    arg_types = {**_WINDOW_ARGS, "gap": True}


class Emit(exp.Expression):
    """``EMIT FINAL`` or ``EMIT CHANGES``; ``this`` is the mode name in upper case."""

    arg_types = {"this": True}


class RowsBuffer(exp.Expression):
    """The inside of ``OVER (ROWS WINDOW BUFFER n ROWS ...)``.

    Args: ``this`` the buffer size (a number literal), ``partition_by`` the partition keys,
    ``order`` an ``exp.Order``, ``preceding`` k of ``ROWS BETWEEN k PRECEDING AND CURRENT ROW``,
    ``expire`` the ``EXPIRE AFTER <duration> INACTIVITY`` duration.
    """

    arg_types = {"this": True, "partition_by": False, "order": False, "preceding": False, "expire": False}


class KeyColumn(exp.Expression):
    """A projection marked ``PRIMARY KEY`` in ``CREATE STREAM ... AS SELECT``."""

    arg_types = {"this": True}


class WithProperty(exp.Expression):
    """One ``'key' = 'value'`` pair of a trailing ``WITH (...)``."""

    arg_types = {"this": True, "value": True}


class CreateStream(exp.Expression):
    """``CREATE STREAM|TABLE name AS <select> [WITH (...)]``.

    Args: ``this`` the sink name (an identifier), ``kind`` ``STREAM`` or ``TABLE``, ``expression``
    the query, ``properties`` a list of ``WithProperty``.
    """

    arg_types = {"this": True, "kind": True, "expression": True, "properties": False}


STREAMING_NODES: tuple[type[exp.Expression], ...] = (
    CreateStream,
    Duration,
    Emit,
    KeyColumn,
    RowsBuffer,
    WithProperty,
)
"""The nodes vsql adds to sqlglot's tree besides the WINDOW clauses (which the table of window
kinds lists); each has a ``<node>_sql`` generator method."""
