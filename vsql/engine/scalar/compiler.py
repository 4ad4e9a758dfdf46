"""Compiles a sqlglot expression tree into a ``ScalarExpr`` that evaluates it on Arrow batches.

The tree is walked once. Each node class maps to a builder (``_BUILDERS``, assembled from the
operator, predicate, conditional, cast and function modules); a builder returns an evaluator for
its node and compiles its children through the callback it is given. Anything without a builder
is rejected at compile time with its position, so an unsupported function never yields a silent
wrong value at run time.
"""

from __future__ import annotations

import pyarrow as pa
from sqlglot import exp

from vsql.engine.errors import ExecutionError, PlanError, UnsupportedError
from vsql.engine.scalar import cast, conditionals, operators, predicates
from vsql.engine.scalar.base import (
    Builder,
    ColumnRef,
    Compile,
    Evaluator,
    Frame,
    Value,
    broadcast,
    position,
    unsupported,
)
from vsql.engine.scalar.binding import ColumnBinder
from vsql.engine.scalar.functions import FUNCTION_BUILDERS, NAMED_BUILDERS

__all__ = ["ScalarExpr", "check_call", "compile_scalar"]

_ARROW_ERRORS = (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError)


def _literal(node: exp.Expression, _compile: Compile) -> Evaluator:
    if isinstance(node, exp.Null):
        value = pa.scalar(None)
    elif isinstance(node, exp.Boolean):
        value = pa.scalar(bool(node.this), pa.bool_())
    elif node.is_string:
        value = pa.scalar(node.this, pa.string())
    elif node.is_int:
        try:
            value = pa.scalar(int(node.this), pa.int64())
        except OverflowError as err:
            raise unsupported(node, f"integer literal {node.this} does not fit in 64 bits") from err
    else:
        try:
            value = pa.scalar(float(node.this), pa.float64())
        except ValueError as err:
            raise unsupported(node, f"{node.this!r} is not a number") from err

    def evaluate(_frame: Frame) -> Value:
        return value

    return evaluate


def _inner(node: exp.Expression, compile_: Compile) -> Evaluator:
    return compile_(node.this)


def _unknown_function(node: exp.Expression) -> UnsupportedError:
    return unsupported(node, f"unknown function {node.name}")


def _anonymous(node: exp.Expression, compile_: Compile) -> Evaluator:
    builder = NAMED_BUILDERS.get(node.name.upper())
    if builder is None:
        raise _unknown_function(node)
    return builder(node, compile_)


_BUILDERS: dict[type[exp.Expression], Builder] = {
    exp.Literal: _literal,
    exp.Boolean: _literal,
    exp.Null: _literal,
    exp.Paren: _inner,
    exp.Alias: _inner,
    exp.Anonymous: _anonymous,
    **operators.BUILDERS,
    **predicates.BUILDERS,
    **conditionals.BUILDERS,
    **cast.BUILDERS,
    **FUNCTION_BUILDERS,
}
_UNGUARDED = (exp.Literal, exp.Boolean, exp.Null, exp.Paren, exp.Alias, exp.Column)


def _rejection(node: exp.Expression) -> UnsupportedError:
    if isinstance(node, exp.AggFunc):
        return unsupported(
            node, f"aggregate function {node.sql_name()} is not allowed in a scalar expression"
        )
    if isinstance(node, exp.Window):
        return unsupported(node, f"window function {node.sql()} is not allowed in a scalar expression")
    if isinstance(node, exp.Func):
        return unsupported(node, f"unsupported function {node.sql_name()}")
    return unsupported(node, f"unsupported expression: {node.sql()}")


def check_call(node: exp.Func) -> None:
    """Raise what ``compile_scalar`` raises for the call ``node`` itself when it knows no such
    function; its arguments are not looked at.

    The planner rewrites aggregate queries before compiling them; it calls this on each call it
    meets, so an unknown function is reported as such rather than as a misuse of its arguments.

    Raises:
        UnsupportedError: an unknown or unsupported function, positioned at ``node``.
    """
    if isinstance(node, exp.Anonymous) and node.name.upper() not in NAMED_BUILDERS:
        raise _unknown_function(node)
    if type(node) not in _BUILDERS:
        raise _rejection(node)


def _check_arguments(node: exp.Expression) -> None:
    """Reject a node the parser let through without a required argument (``FLOOR( AS n``).

    Raises:
        PlanError: positioned at the node, naming what is missing.
    """
    missing = [name for name, required in node.arg_types.items() if required and node.args.get(name) is None]
    if missing:
        what = node.sql_name() if isinstance(node, exp.Func) else type(node).__name__.upper()
        line, col = position(node)
        raise PlanError(f"{what} is missing an argument", line=line, col=col)


def _guarded(node: exp.Expression, evaluator: Evaluator) -> Evaluator:
    """``evaluator`` with Arrow's type and value errors turned into ``ExecutionError``."""
    text = node.sql()
    line, col = position(node)

    def evaluate(frame: Frame) -> Value:
        try:
            return evaluator(frame)
        except _ARROW_ERRORS as err:
            raise ExecutionError(f"cannot evaluate {text}: {err}", line=line, col=col) from err

    return evaluate


class _Compiler:
    """One walk over one tree; collects the column references it meets."""

    def __init__(self) -> None:
        self.refs: set[ColumnRef] = set()

    def compile(self, node: exp.Expression) -> Evaluator:
        if isinstance(node, exp.Column):
            return self._column(node)
        builder = _BUILDERS.get(type(node))
        if builder is None:
            raise _rejection(node)
        _check_arguments(node)
        evaluator = builder(node, self.compile)
        return evaluator if isinstance(node, _UNGUARDED) else _guarded(node, evaluator)

    def _column(self, node: exp.Column) -> Evaluator:
        identifier = node.this
        if not isinstance(identifier, exp.Identifier) or node.args.get("db") or node.args.get("catalog"):
            raise _rejection(node)
        ref = ColumnRef(identifier.this, quoted=bool(identifier.args.get("quoted")))
        self.refs.add(ref)

        def evaluate(frame: Frame) -> Value:
            return frame.columns[ref]

        return evaluate


class ScalarExpr:
    """A compiled scalar expression, evaluated batch by batch.

    Build one with ``compile_scalar``. Evaluation never loops over rows: each node runs one or a
    few Arrow kernels over the whole batch.

    Attributes:
        columns: the column names the expression references, as written (``WINDOWSTART`` stays
            ``WINDOWSTART``; see ``vsql.engine.columns.WINDOW_BOUND_ALIASES``).
        sql: the expression's SQL text, for messages.
    """

    __slots__ = ("_binder", "_evaluator", "columns", "sql")

    def __init__(self, evaluator: Evaluator, refs: frozenset[ColumnRef], *, sql: str) -> None:
        self._evaluator = evaluator
        self._binder = ColumnBinder(refs)
        self.columns = frozenset(ref.name for ref in refs)
        self.sql = sql

    def evaluate(self, batch: pa.RecordBatch | pa.Table) -> pa.Array:
        """The expression's value for every row of ``batch``.

        Args:
            batch: the input rows; columns resolve by name (see ``vsql.engine.scalar.binding``).

        Returns:
            An array of exactly ``batch.num_rows`` elements.

        Raises:
            ExecutionError: the values do not fit the expression (``'a' + 1``, an invalid CAST,
                an integer overflow) or a column reference is ambiguous.
        """
        frame = Frame(self._binder.bind(batch), batch.num_rows)
        return broadcast(self._evaluator(frame), batch.num_rows)

    def __repr__(self) -> str:
        return f"ScalarExpr({self.sql!r})"


def compile_scalar(node: exp.Expression) -> ScalarExpr:
    """Compile a scalar SQL expression into an evaluator over Arrow batches.

    Args:
        node: the expression, as parsed by sqlglot (an ``Alias`` compiles its inner expression).

    Returns:
        The compiled expression.

    Raises:
        UnsupportedError: the tree holds an unknown function (the message repeats its name as
            written), an aggregate or window call, a non-constant argument where a constant is
            required, or a node kind vsql does not evaluate; positioned from the node's ``meta``.
    """
    compiler = _Compiler()
    evaluator = compiler.compile(node)
    return ScalarExpr(evaluator, frozenset(compiler.refs), sql=node.sql())
