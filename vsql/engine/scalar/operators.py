"""Arithmetic, comparison, boolean and concatenation operators.

SQL semantics on Arrow kernels: integer arithmetic is checked (overflow is an error), ``/``
always divides in float64, and dividing (or taking ``%``) by zero gives NULL. ``%`` takes the sign
of the dividend, as in SQL. Comparisons compare numbers by value across int and float. AND, OR
and NOT follow three-valued (Kleene) logic.
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from vsql.engine.scalar.base import Builder, Value, as_float, binary, denull, null_result, unary

__all__ = ["BUILDERS", "as_string", "equal", "modulo"]

_Kernel = Callable[[Value, Value], Value]


def _zero_to_null(divisor: Value) -> Value:
    """The divisor with zeros replaced by NULL, so a division by zero yields NULL."""
    if pa.types.is_null(divisor.type):
        return divisor
    return pc.if_else(pc.equal(divisor, 0), pa.scalar(None, divisor.type), divisor)


def _divide(left: Value, right: Value) -> Value:
    return pc.divide(as_float(left), _zero_to_null(as_float(right)))


def modulo(left: Value, right: Value) -> Value:
    """SQL ``%``: the remainder takes the sign of the dividend; a zero divisor gives NULL."""
    divisor = _zero_to_null(right)
    floored = pc.modulo(left, divisor)
    if pa.types.is_null(floored.type):
        return floored
    wrong_sign = pc.and_(pc.not_equal(floored, 0), pc.not_equal(pc.less(floored, 0), pc.less(left, 0)))
    return pc.if_else(wrong_sign, pc.subtract(floored, divisor), floored)


def _comparison(kernel: _Kernel) -> _Kernel:
    """A comparison kernel that also accepts NULL-typed operands (NULL literals, missing columns),
    for which Arrow has no overload: the result is NULL."""

    def apply(left: Value, right: Value) -> Value:
        if pa.types.is_null(left.type) or pa.types.is_null(right.type):
            return null_result([left, right], pa.bool_())
        return kernel(left, right)

    return apply


equal = _comparison(pc.equal)


def _kleene(kernel: _Kernel) -> _Kernel:
    def apply(left: Value, right: Value) -> Value:
        return kernel(denull(left, pa.bool_()), denull(right, pa.bool_()))

    return apply


def _not(value: Value) -> Value:
    return pc.invert(denull(value, pa.bool_()))


def as_string(value: Value) -> Value:
    """``value`` cast to string unless it already is one (NULLs stay NULL)."""
    if pa.types.is_string(value.type) or pa.types.is_large_string(value.type):
        return value
    return value.cast(pa.string())


def _concat(left: Value, right: Value) -> Value:
    return pc.binary_join_element_wise(as_string(left), as_string(right), "")


def _null_safe_equal(left: Value, right: Value) -> Value:
    both_null = pc.and_(pc.is_null(left), pc.is_null(right))
    return pc.or_(both_null, pc.fill_null(equal(left, right), False))


def _null_safe_not_equal(left: Value, right: Value) -> Value:
    return pc.invert(_null_safe_equal(left, right))


BUILDERS: dict[type[exp.Expression], Builder] = {
    exp.Add: binary(pc.add_checked),
    exp.Sub: binary(pc.subtract_checked),
    exp.Mul: binary(pc.multiply_checked),
    exp.Div: binary(_divide),
    exp.Mod: binary(modulo),
    exp.Neg: unary(pc.negate_checked),
    exp.EQ: binary(equal),
    exp.NEQ: binary(_comparison(pc.not_equal)),
    exp.GT: binary(_comparison(pc.greater)),
    exp.GTE: binary(_comparison(pc.greater_equal)),
    exp.LT: binary(_comparison(pc.less)),
    exp.LTE: binary(_comparison(pc.less_equal)),
    exp.NullSafeEQ: binary(_null_safe_equal),
    exp.NullSafeNEQ: binary(_null_safe_not_equal),
    exp.And: binary(_kleene(pc.and_kleene)),
    exp.Or: binary(_kleene(pc.or_kleene)),
    exp.Not: unary(_not),
    exp.DPipe: binary(_concat),
}
