"""The vocabulary every scalar builder shares: values, evaluators, frames, positions, coercions.

An expression compiles to an ``Evaluator``: a function of a ``Frame`` (one batch's resolved columns
and its row count) that returns a ``Value``, either an Arrow array of the batch's length or an Arrow
scalar (a literal, or anything computed from literals only) that the caller broadcasts at the end.
Builders take the node and a ``Compile`` callback for its children, so operator and function
modules never import the compiler.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from vsql.engine.errors import UnsupportedError

__all__ = [
    "Builder",
    "ColumnRef",
    "Compile",
    "Evaluator",
    "Frame",
    "Value",
    "as_float",
    "binary",
    "broadcast",
    "constant_int",
    "constant_str",
    "denull",
    "fill_false",
    "is_numeric",
    "lift",
    "null_like",
    "null_result",
    "position",
    "unary",
    "unify",
    "unsupported",
]

Value = pa.Array | pa.Scalar


@dataclass(frozen=True)
class ColumnRef:
    """A column reference as written: its name and whether it was quoted (quoted names match
    exactly)."""

    name: str
    quoted: bool


@dataclass(frozen=True)
class Frame:
    """One batch under evaluation: the arrays its column references resolved to, and its length."""

    columns: Mapping[ColumnRef, pa.Array]
    num_rows: int


Evaluator = Callable[[Frame], Value]
Compile = Callable[[exp.Expression], Evaluator]
Builder = Callable[[exp.Expression, Compile], Evaluator]


def lift(kernel: Callable[[Value], Value], operand: Evaluator) -> Evaluator:
    """An evaluator applying ``kernel`` to ``operand``'s value."""

    def evaluate(frame: Frame) -> Value:
        return kernel(operand(frame))

    return evaluate


def unary(kernel: Callable[[Value], Value]) -> Builder:
    """A builder applying ``kernel`` to the node's ``this`` child."""

    def build(node: exp.Expression, compile_: Compile) -> Evaluator:
        return lift(kernel, compile_(node.this))

    return build


def binary(kernel: Callable[[Value, Value], Value]) -> Builder:
    """A builder applying ``kernel`` to the node's ``this`` and ``expression`` children."""

    def build(node: exp.Expression, compile_: Compile) -> Evaluator:
        left = compile_(node.this)
        right = compile_(node.expression)

        def evaluate(frame: Frame) -> Value:
            return kernel(left(frame), right(frame))

        return evaluate

    return build


def position(node: exp.Expression) -> tuple[int | None, int | None]:
    """1-based line and start column of a node's first token that carries a position (its own, or a
    descendant's: sqlglot positions identifiers, literals and functions, not operators).

    sqlglot's ``col`` is the column of a token's last character; the start is ``col`` minus the
    token's width.
    """
    for sub in node.walk(bfs=False):
        meta = sub.meta if sub._meta else {}
        if "line" in meta and "col" in meta:
            width = meta.get("end", 0) - meta.get("start", 0)
            return meta["line"], max(1, meta["col"] - width)
    return None, None


def unsupported(node: exp.Expression, message: str) -> UnsupportedError:
    """An ``UnsupportedError`` positioned at ``node``."""
    line, col = position(node)
    return UnsupportedError(message, line=line, col=col)


def _literal_value(node: exp.Expression) -> object:
    if isinstance(node, exp.Paren):
        return _literal_value(node.this)
    if isinstance(node, exp.Neg):
        inner = _literal_value(node.this)
        return -inner if isinstance(inner, int | float) else None
    if isinstance(node, exp.Literal):
        if node.is_string:
            return node.this
        return int(node.this) if node.is_int else float(node.this)
    return None


def constant_int(node: exp.Expression | None, *, what: str) -> int:
    """The value of an integer literal argument.

    Raises:
        UnsupportedError: ``node`` is not an integer constant; ``what`` names the argument.
    """
    value = _literal_value(node) if node is not None else None
    if not isinstance(value, int):
        raise unsupported(node if node is not None else exp.Null(), f"{what} must be a constant integer")
    if not -(2**63) <= value < 2**63:
        raise unsupported(node if node is not None else exp.Null(), f"{what} {value} does not fit in 64 bits")
    return value


def constant_str(node: exp.Expression | None, *, what: str) -> str:
    """The value of a string literal argument.

    Raises:
        UnsupportedError: ``node`` is not a string constant; ``what`` names the argument.
    """
    value = _literal_value(node) if node is not None else None
    if not isinstance(value, str):
        raise unsupported(node if node is not None else exp.Null(), f"{what} must be a constant string")
    return value


def is_numeric(dtype: pa.DataType) -> bool:
    """True for integer, floating-point and decimal types."""
    return pa.types.is_integer(dtype) or pa.types.is_floating(dtype) or pa.types.is_decimal(dtype)


def denull(value: Value, dtype: pa.DataType) -> Value:
    """``value`` cast to ``dtype`` when it is of the null type (a NULL literal or a missing
    column), so kernels that have no null-type overload accept it; other values pass through."""
    if pa.types.is_null(value.type):
        return value.cast(dtype)
    return value


def as_float(value: Value) -> Value:
    """``value`` as float64 when it is numeric or null-typed; other types pass through unchanged,
    so the kernel that follows reports the mismatch."""
    if is_numeric(value.type) or pa.types.is_null(value.type):
        return value.cast(pa.float64())
    return value


def null_like(value: Value) -> pa.Scalar:
    """A NULL scalar of ``value``'s type."""
    return pa.scalar(None, value.type)


def null_result(values: list[Value], dtype: pa.DataType) -> Value:
    """An all-NULL result of ``dtype`` shaped like ``values``: an array when any of them is one,
    else a scalar."""
    for value in values:
        if not isinstance(value, pa.Scalar):
            return pa.nulls(len(value), dtype)
    return pa.scalar(None, dtype)


def unify(values: list[Value]) -> list[Value]:
    """Cast values to one common type where SQL would: numbers to int64 or float64, NULL-typed
    values to the others' type. Values of unrelated types are returned as they are."""
    types = {v.type for v in values if not pa.types.is_null(v.type)}
    if not types:
        return values
    if len(types) == 1:
        target = next(iter(types))
    elif all(is_numeric(t) for t in types):
        target = pa.int64() if all(pa.types.is_integer(t) for t in types) else pa.float64()
    else:
        return [denull(v, next(iter(types))) for v in values]
    return [v if v.type == target else v.cast(target) for v in values]


def broadcast(value: Value, num_rows: int) -> pa.Array:
    """``value`` as an array of ``num_rows`` elements (scalars are repeated)."""
    if isinstance(value, pa.Scalar):
        return pa.repeat(value, num_rows)
    if isinstance(value, pa.ChunkedArray):
        return value.combine_chunks()
    return value


def fill_false(value: Value) -> Value:
    """A boolean condition with NULL read as false, as WHERE and CASE read it."""
    return pc.fill_null(denull(value, pa.bool_()), False)
