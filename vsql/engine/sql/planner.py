"""The planner: a parsed SELECT becomes a ``LogicalPlan``, after every name and misuse check.

Errors carry the line and column of the node they are about (from sqlglot's ``meta``). Scalar
expressions are compiled with ``vsql.engine.scalar.compile_scalar`` once here, so an unknown
function is rejected before the query starts. The column naming of the result is the one
``vsql.engine.sql.plan`` documents.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pyarrow as pa
from sqlglot import exp

from vsql.engine.columns import SYSTEM_COLUMNS
from vsql.engine.errors import PlanError, UnsupportedError
from vsql.engine.scalar import check_call, compile_scalar
from vsql.engine.settings import QuerySettings
from vsql.engine.sql.calls import AGGREGATE_FUNCS, aggregate_spec, call_name, is_rows_call, rows_call
from vsql.engine.sql.dialect import PROJECTION_TEXT, Vsql
from vsql.engine.sql.expressions import KeyColumn, StreamWindow
from vsql.engine.sql.names import NameResolver, fold, position, window_bound
from vsql.engine.sql.plan import (
    AggregateSpec,
    EmitMode,
    LogicalPlan,
    OutputColumn,
    RowsCall,
    SinkSpec,
    SourceSpec,
    WindowSpec,
    agg_column,
    key_column,
    rows_column,
)
from vsql.engine.timeutil import MAX_MS
from vsql.engine.windows.kinds import GRACE, kind_of, written_keyword

__all__ = ["plan_select"]

_FieldsOf = Callable[[str], pa.Schema | None]
"""The fields of a source, by the name the query reads it under (None: unknown, nothing checked)."""

_MAX_LIMIT = 2**63 - 1
"""The largest LIMIT: row counts are int64."""

_SLOT_LABELS = {GRACE: "GRACE PERIOD"}
"""How errors name a WINDOW clause's duration, when not by its slot name."""

_UNSUPPORTED_CLAUSES = {
    "with_": "WITH (common table expressions)",
    "joins": "JOIN",
    "laterals": "LATERAL",
    "distinct": "SELECT DISTINCT",
    "offset": "OFFSET",
    "qualify": "QUALIFY",
    "windows": "named windows",
    "sample": "TABLESAMPLE",
    "prewhere": "PREWHERE",
    "connect": "CONNECT BY",
    "match": "MATCH_RECOGNIZE",
    "cluster": "CLUSTER BY",
    "distribute": "DISTRIBUTE BY",
    "sort": "SORT BY",
    "into": "SELECT INTO",
}


def plan_select(
    select: exp.Select,
    *,
    sql: str = "",
    settings: QuerySettings | None = None,
    schema: pa.Schema | _FieldsOf | None = None,
    sink: SinkSpec | None = None,
) -> LogicalPlan:
    """Plan one parsed SELECT.

    Args:
        select: the query, parsed with the vsql dialect.
        sql: the statement text, kept in the plan for EXPLAIN and messages.
        settings: the settings the query runs with (session settings plus WITH properties).
        schema: the input's fields, or a lookup asked once for the fields of the source the query
            reads; when known, unknown columns are errors.
        sink: where results go, for ``CREATE STREAM|TABLE ... AS SELECT``.

    Returns:
        The logical plan.

    Raises:
        PlanError: unknown names and misuse, positioned at the offending node.
        UnsupportedError: SQL vsql parses but does not run (JOIN, DISTINCT, ...).
    """
    return _Planner(select, settings=settings or QuerySettings(), schema=schema).plan(sql=sql, sink=sink)


def _rewrite(node: exp.Expr, replace_node: Callable[[exp.Expr], exp.Expr | None]) -> exp.Expr:
    """Replace, top-down, every subtree for which ``replace_node`` returns a node; in place."""
    replacement = replace_node(node)
    if replacement is not None:
        return node.replace(replacement) if node.parent is not None else replacement
    for child in list(node.iter_expressions()):
        _rewrite(child, replace_node)
    return node


def _check_window_duration(window: StreamWindow, slot: str, *, positive: bool) -> None:
    """Reject a duration of the WINDOW clause that is not positive (when ``positive``) or that
    int64 epoch milliseconds cannot hold, quoting it as written; positioned at the clause."""
    duration = window.args.get(slot)
    if duration is None:
        return
    problem = None
    if positive and duration.ms <= 0:
        problem = "must be positive"
    elif duration.ms > MAX_MS:
        problem = "must be at most 2^62 ms"
    if problem is not None:
        what = f"{written_keyword(window)} {_SLOT_LABELS.get(slot, slot)}"
        raise PlanError(f"{what} {problem}, got {duration.sql(dialect=Vsql)}", **position(window))


def _checked(node: exp.Expr) -> exp.Expr:
    compile_scalar(node)
    return node


class _Planner:
    def __init__(
        self, select: exp.Select, *, settings: QuerySettings, schema: pa.Schema | _FieldsOf | None
    ) -> None:
        self._select = select
        self._settings = settings
        self._source, alias = self._from_clause()
        if callable(schema):
            schema = schema(self._source.name)
        self._names = NameResolver(self._source.name, alias=alias, schema=schema)
        self._window: StreamWindow | None = select.args.get("window")
        self._aggregates: dict[tuple[object, ...], tuple[int, AggregateSpec]] = {}
        self._rows_calls: dict[RowsCall, int] = {}

    def plan(self, *, sql: str, sink: SinkSpec | None) -> LogicalPlan:
        self._reject_unsupported()
        projections = self._projections()
        group = self._select.args.get("group")
        group_by = tuple(self._group_key(node, projections) for node in (group.expressions if group else ()))
        having = self._select.args.get("having")
        is_aggregate = bool(group_by) or any(
            self._has_aggregate(node) for node in [*projections, having] if node is not None
        )
        if self._window is not None and not is_aggregate:
            raise PlanError("WINDOW needs GROUP BY or an aggregate function", **position(self._window))
        where = self._select.args.get("where")
        where_expression = None if where is None else self._input_expression(where.this, "WHERE")
        outputs = self._outputs(projections, group_by, is_aggregate=is_aggregate)
        having_expression = self._having(having, group_by, is_aggregate=is_aggregate)
        window, settings = self._window_spec()
        emit = self._select.args.get("emit")
        default_emit = EmitMode.FINAL if window is not None else EmitMode.CHANGES
        return LogicalPlan(
            source=self._source,
            outputs=outputs,
            emit=EmitMode(emit.this.lower()) if emit is not None else default_emit,
            settings=settings,
            where=where_expression,
            group_by=group_by,
            aggregates=tuple(spec for _, spec in sorted(self._aggregates.values(), key=lambda p: p[0])),
            window=window,
            having=having_expression,
            rows_calls=tuple(self._rows_calls),
            limit=self._limit(),
            sink=None if sink is None else replace(sink, primary_key=self._primary_key(sink)),
            sql=sql,
        )

    def _from_clause(self) -> tuple[SourceSpec, str | None]:
        source = self._select.args.get("from_")
        if source is None:
            raise PlanError("expected FROM <source>")
        table = source.this
        if not isinstance(table, exp.Table) or not table.name:
            raise UnsupportedError("FROM takes a source name, not a subquery", **position(table))
        return SourceSpec(table.name), table.alias or None

    def _reject_unsupported(self) -> None:
        for key, label in _UNSUPPORTED_CLAUSES.items():
            if self._select.args.get(key):
                raise UnsupportedError(f"{label} is not supported", **position(self._select.args[key]))
        order = self._select.args.get("order")
        if order is not None:
            raise PlanError(
                "ORDER BY is not allowed on a stream; order rows inside OVER (ROWS WINDOW ...)",
                **position(order),
            )

    def _projections(self) -> list[exp.Expr]:
        return [node.this if isinstance(node, KeyColumn) else node for node in self._select.expressions]

    def _primary_key(self, sink: SinkSpec) -> tuple[str, ...]:
        names = [
            self._output_name(node.this) for node in self._select.expressions if isinstance(node, KeyColumn)
        ]
        return tuple(names) or sink.primary_key

    def _has_aggregate(self, node: exp.Expr) -> bool:
        for sub in node.walk(prune=lambda n: isinstance(n, exp.Window)):
            if isinstance(sub, exp.AggFunc) and not isinstance(sub, exp.Window):
                return True
        return False

    def _input_expression(self, node: exp.Expr, clause: str) -> exp.Expr:
        """Check an expression over input rows (WHERE, GROUP BY, call arguments) and resolve it."""
        for sub in node.walk():
            if isinstance(sub, exp.Window):
                raise PlanError(f"OVER (...) is not allowed in {clause}", **position(sub))
            if isinstance(sub, exp.AggFunc):
                raise PlanError(
                    f"aggregate function {call_name(sub)} is not allowed in {clause}", **position(sub)
                )
            bound = window_bound(sub)
            if bound is not None:
                raise PlanError(
                    f"window bound {sub.name} is not allowed in {clause}; select it instead", **position(sub)
                )
        return _checked(self._names.resolve(node))

    def _group_key(self, node: exp.Expr, projections: list[exp.Expr]) -> exp.Expr:
        if isinstance(node, exp.Literal) and node.is_int:
            index = int(node.this)
            if not 1 <= index <= len(projections):
                raise PlanError(
                    f"GROUP BY {index} is out of range: the query selects {len(projections)} columns",
                    **position(node),
                )
            selected = projections[index - 1]
            node = selected.this if isinstance(selected, exp.Alias) else selected
        return self._input_expression(node, "GROUP BY")

    def _outputs(
        self, projections: list[exp.Expr], group_by: tuple[exp.Expr, ...], *, is_aggregate: bool
    ) -> tuple[OutputColumn, ...]:
        outputs: list[OutputColumn] = []
        seen: set[str] = set()
        for projection in projections:
            for name, expression in self._output(projection, group_by, is_aggregate=is_aggregate):
                if name.lower() in seen:
                    raise PlanError(f"duplicate output column '{name}'; add an alias", **position(projection))
                seen.add(name.lower())
                outputs.append(OutputColumn(name, expression))
        return tuple(outputs)

    def _output(
        self, projection: exp.Expr, group_by: tuple[exp.Expr, ...], *, is_aggregate: bool
    ) -> list[tuple[str, exp.Expr]]:
        inner = projection.this if isinstance(projection, exp.Alias) else projection
        if isinstance(inner, exp.Star) or (
            isinstance(inner, exp.Column) and isinstance(inner.this, exp.Star)
        ):
            if is_aggregate:
                raise PlanError("SELECT * is not allowed in an aggregate query", **position(projection))
            fields = self._names.fields
            if fields is None:
                return [("*", exp.Star())]
            return [(field, exp.column(field)) for field in fields if field not in SYSTEM_COLUMNS]
        resolved = self._names.resolve(inner)
        if is_aggregate:
            expression = self._result_expression(resolved, group_by)
        else:
            expression = _rewrite(resolved, self._replace_row_node)
        return [(self._output_name(projection), _checked(expression))]

    def _output_name(self, projection: exp.Expr) -> str:
        if isinstance(projection, exp.Alias):
            return projection.alias
        return projection.meta.get(PROJECTION_TEXT) or projection.sql(dialect=Vsql)

    def _result_expression(self, node: exp.Expr, group_by: tuple[exp.Expr, ...]) -> exp.Expr:
        """Rewrite an expression of an aggregate query to read the aggregation result."""
        keys = [fold(key) for key in group_by]

        def replace_node(sub: exp.Expr) -> exp.Expr | None:
            folded = fold(sub)
            for index, key in enumerate(keys):
                if folded == key:
                    return exp.column(key_column(index))
            if isinstance(sub, exp.Window):
                raise UnsupportedError("OVER (...) is not supported in an aggregate query", **position(sub))
            if type(sub) in AGGREGATE_FUNCS:
                return exp.column(agg_column(self._aggregate_index(sub)))
            if isinstance(sub, exp.AggFunc):
                raise UnsupportedError(
                    f"aggregate function {call_name(sub)} is not supported", **position(sub)
                )
            if isinstance(sub, exp.Func):
                check_call(sub)
            bound = window_bound(sub)
            if bound is not None:
                if self._window is None:
                    raise PlanError(f"{sub.name} needs a WINDOW clause", **position(sub))
                return exp.column(bound)
            if isinstance(sub, exp.Column):
                raise PlanError(
                    f"column '{sub.sql()}' must appear in GROUP BY or inside an aggregate function",
                    **position(sub),
                )
            return None

        return _rewrite(node, replace_node)

    def _aggregate_index(self, node: exp.Expr) -> int:
        spec = aggregate_spec(node, lambda arg: self._call_argument(arg, call_name(node)))
        key = (spec.func, None if spec.argument is None else fold(spec.argument), spec.distinct)
        index, _ = self._aggregates.setdefault(key, (len(self._aggregates), spec))
        return index

    def _call_argument(self, node: exp.Expr, name: str) -> exp.Expr:
        for sub in node.walk():
            if isinstance(sub, exp.AggFunc | exp.Window):
                raise PlanError(f"{call_name(sub)} cannot be nested inside {name}", **position(sub))
            if window_bound(sub) is not None:
                raise PlanError(f"window bound {sub.name} is not allowed inside {name}", **position(sub))
        return _checked(self._names.resolve(node))

    def _replace_row_node(self, sub: exp.Expr) -> exp.Expr | None:
        """Rewrite step of a non-aggregate output: ROWS calls become ``__rows<i>`` columns."""
        if is_rows_call(sub):
            call = rows_call(sub, lambda arg: self._call_argument(arg, call_name(sub.this)))
            index = self._rows_calls.setdefault(call, len(self._rows_calls))
            return exp.column(rows_column(index))
        if isinstance(sub, exp.Window):
            raise UnsupportedError("only OVER (ROWS WINDOW BUFFER n ROWS ...) is supported", **position(sub))
        if window_bound(sub) is not None:
            raise PlanError(f"{sub.name} needs a WINDOW clause and an aggregation", **position(sub))
        return None

    def _having(
        self, having: exp.Having | None, group_by: tuple[exp.Expr, ...], *, is_aggregate: bool
    ) -> exp.Expr | None:
        if having is None:
            return None
        if not is_aggregate:
            raise PlanError("HAVING needs GROUP BY or an aggregate function", **position(having.this))
        return _checked(self._result_expression(self._names.resolve(having.this), group_by))

    def _window_spec(self) -> tuple[WindowSpec | None, QuerySettings]:
        node = self._window
        settings = self._settings
        if node is None:
            self._check_event_time_field(settings)
            return None, settings
        column = node.time_column
        time_column = None if column is None else self._names.resolve_name(column)
        if column is not None and window_bound(column) is not None:
            raise PlanError(f"window bound {column.name} cannot be the event time", **position(column))
        if time_column is None:
            self._check_event_time_field(settings)
        if node.grace is not None:
            settings = replace(settings, allowed_lateness_ms=node.grace.ms)
        kind = kind_of(node)
        for slot in (*kind.slots, GRACE):
            _check_window_duration(node, slot, positive=slot != GRACE)
        return kind.build_spec(node, time_column=time_column), settings

    def _check_event_time_field(self, settings: QuerySettings) -> None:
        field = settings.event_time_field
        if field is not None and self._names.fields is not None:
            self._names.resolve(exp.column(field))

    def _limit(self) -> int | None:
        limit = self._select.args.get("limit")
        if limit is None:
            return None
        value = limit.expression
        count = int(value.this) if isinstance(value, exp.Literal) and value.is_int else None
        if count is None or count > _MAX_LIMIT:
            raise PlanError(
                f"LIMIT must be a whole number from 0 to {_MAX_LIMIT} (2^63 - 1), "
                f"got {value.sql(dialect=Vsql)}",
                **position(value),
            )
        return count
