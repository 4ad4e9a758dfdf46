"""Aggregate and ROWS-window calls: which sqlglot nodes they are, and their plan specs."""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from vsql.engine.errors import PlanError, UnsupportedError
from vsql.engine.sql.expressions import RowsBuffer
from vsql.engine.sql.names import position
from vsql.engine.sql.plan import AggFunc, AggregateSpec, RowsCall, RowsFunc, RowsSpec

__all__ = ["AGGREGATE_FUNCS", "ROWS_FUNCS", "aggregate_spec", "call_name", "is_rows_call", "rows_call"]

AGGREGATE_FUNCS: dict[type[exp.Expr], AggFunc] = {
    exp.Count: AggFunc.COUNT,
    exp.Sum: AggFunc.SUM,
    exp.Avg: AggFunc.AVG,
    exp.Min: AggFunc.MIN,
    exp.Max: AggFunc.MAX,
    exp.FirstValue: AggFunc.FIRST_VALUE,
    exp.LastValue: AggFunc.LAST_VALUE,
    exp.Stddev: AggFunc.STDDEV_SAMP,
    exp.StddevSamp: AggFunc.STDDEV_SAMP,
    exp.StddevPop: AggFunc.STDDEV_POP,
    exp.Variance: AggFunc.VAR_SAMP,
    exp.VariancePop: AggFunc.VAR_POP,
    exp.Median: AggFunc.MEDIAN,
    exp.ApproxDistinct: AggFunc.APPROX_COUNT_DISTINCT,
}
"""sqlglot node class -> aggregate function (STDDEV is STDDEV_SAMP, VARIANCE is VAR_SAMP)."""

ROWS_FUNCS: dict[type[exp.Expr], RowsFunc] = {
    **{
        node: RowsFunc(func.value)
        for node, func in AGGREGATE_FUNCS.items()
        if func not in (AggFunc.MEDIAN, AggFunc.APPROX_COUNT_DISTINCT)
    },
    exp.Lag: RowsFunc.LAG,
    exp.Lead: RowsFunc.LEAD,
    exp.RowNumber: RowsFunc.ROW_NUMBER,
    exp.Rank: RowsFunc.RANK,
    exp.DenseRank: RowsFunc.DENSE_RANK,
}
"""sqlglot node class -> function allowed over ``OVER (ROWS WINDOW BUFFER ...)``."""

_NO_ARGUMENT = (RowsFunc.ROW_NUMBER, RowsFunc.RANK, RowsFunc.DENSE_RANK)
_ALLOWED_ARGS = frozenset({"this", "big_int", "offset", "default"})

Argument = Callable[[exp.Expr], exp.Expr]
"""Checks, resolves and compiles one call argument; returns the resolved expression."""


def call_name(node: exp.Expr) -> str:
    """The function name of a call node, for messages."""
    if isinstance(node, exp.Anonymous):
        return str(node.this)
    if isinstance(node, exp.Func):
        return node.sql_name()
    return node.key.upper()


def is_rows_call(node: exp.Expr) -> bool:
    """True for ``f(...) OVER (ROWS WINDOW BUFFER ...)``."""
    return isinstance(node, exp.Window) and isinstance(node.args.get("spec"), RowsBuffer)


def aggregate_spec(node: exp.Expr, argument: Argument) -> AggregateSpec:
    """The spec of one aggregate call.

    Args:
        node: a call whose class is in ``AGGREGATE_FUNCS``.
        argument: checks and resolves the call's argument.

    Raises:
        PlanError: a missing argument, or ``*`` outside COUNT.
        UnsupportedError: DISTINCT outside COUNT, or extra arguments.
    """
    func = AGGREGATE_FUNCS[type(node)]
    value, distinct = _single_argument(node, allow_star=func is AggFunc.COUNT, allow_distinct=True)
    return AggregateSpec(func, None if value is None else argument(value), distinct)


def rows_call(node: exp.Window, argument: Argument) -> RowsCall:
    """The spec of one ``f(...) OVER (ROWS WINDOW BUFFER ...)`` call.

    Raises:
        PlanError: a bad LAG/LEAD offset, a bad buffer or frame size.
        UnsupportedError: a function not allowed over ROWS windows, several ORDER BY keys or DESC.
    """
    call = node.this
    func = ROWS_FUNCS.get(type(call))
    if func is None:
        raise UnsupportedError(
            f"{call_name(call)} is not supported over ROWS WINDOW BUFFER; use one of "
            + ", ".join(sorted({f.name for f in ROWS_FUNCS.values()})),
            **position(call),
        )
    window = _rows_spec(node.args["spec"], argument)
    if func in _NO_ARGUMENT:
        if call.this is not None or call.expressions:
            raise PlanError(f"{call_name(call)}() takes no argument", **position(call))
        return RowsCall(func, None, window)
    value, _ = _single_argument(call, allow_star=func is RowsFunc.COUNT, allow_distinct=False)
    offset = _offset(call) if func in (RowsFunc.LAG, RowsFunc.LEAD) else 1
    default = call.args.get("default")
    return RowsCall(
        func,
        None if value is None else argument(value),
        window,
        offset=offset,
        default=None if default is None else argument(default),
    )


def _single_argument(
    node: exp.Expr, *, allow_star: bool, allow_distinct: bool
) -> tuple[exp.Expr | None, bool]:
    name = call_name(node)
    extra = [key for key, value in node.args.items() if value and key not in _ALLOWED_ARGS]
    if extra:
        raise UnsupportedError(f"{name} takes one argument", **position(node))
    value = node.this
    distinct = isinstance(value, exp.Distinct)
    if distinct:
        if not allow_distinct or not isinstance(node, exp.Count) or len(value.expressions) != 1:
            raise UnsupportedError("DISTINCT is supported as COUNT(DISTINCT x) only", **position(node))
        value = value.expressions[0]
    if isinstance(value, exp.Star):
        if not allow_star:
            raise PlanError(f"{name}(*) is not allowed; only COUNT(*) is", **position(node))
        return None, distinct
    if value is None:
        raise PlanError(f"{name} needs an argument", **position(node))
    return value, distinct


def _offset(call: exp.Expr) -> int:
    offset = call.args.get("offset")
    if offset is None:
        return 1
    if not (isinstance(offset, exp.Literal) and offset.is_int) or int(offset.this) < 0:
        raise PlanError(f"{call_name(call)} offset must be a non-negative whole number", **position(offset))
    return int(offset.this)


def _rows_spec(spec: RowsBuffer, argument: Argument) -> RowsSpec:
    order_by = None
    order = spec.args.get("order")
    if order is not None:
        keys = order.expressions
        if len(keys) != 1 or keys[0].args.get("desc"):
            raise UnsupportedError(
                "ROWS WINDOW BUFFER takes one ascending ORDER BY column", **position(order)
            )
        order_by = argument(keys[0].this)
    preceding = spec.args.get("preceding")
    expire = spec.args.get("expire")
    try:
        return RowsSpec(
            buffer_rows=_whole_rows(spec.this, what="ROWS WINDOW BUFFER"),
            partition_by=tuple(argument(key) for key in spec.args.get("partition_by") or ()),
            order_by=order_by,
            preceding_rows=None if preceding is None else _whole_rows(preceding, what="PRECEDING"),
            expire_after_ms=None if expire is None else expire.ms,
        )
    except PlanError as error:
        if error.line is not None:
            raise
        raise PlanError(error.message, **position(spec)) from error


def _whole_rows(node: exp.Expression, *, what: str) -> int:
    """A row count written in the query: a whole number below 2^63.

    Raises:
        PlanError: anything else, positioned at ``node``.
    """
    text = str(node.this)
    if not text.isdigit() or int(text) >= 2**63:
        raise PlanError(f"{what} takes a whole number of rows, got {text}", **position(node))
    return int(text)
