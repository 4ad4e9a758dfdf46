"""Numeric functions.

Integers stay integers where SQL keeps them (ABS, SIGN, ROUND/FLOOR/CEIL of an integer); other
results are float64. ROUND rounds half away from zero. Out-of-domain inputs follow IEEE rules
(``SQRT(-1)`` is NaN, ``LN(0)`` is -inf), as DuckDB does. ``MOD`` is the ``%`` operator.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from vsql.engine.scalar.base import (
    Builder,
    Compile,
    Evaluator,
    Frame,
    Value,
    as_float,
    binary,
    constant_int,
    denull,
    unary,
)

__all__ = ["BUILDERS", "NAMES"]

NAMES = frozenset(
    {
        "ABS",
        "ROUND",
        "FLOOR",
        "CEIL",
        "CEILING",
        "TRUNC",
        "TRUNCATE",
        "SQRT",
        "POWER",
        "POW",
        "EXP",
        "LN",
        "LOG",
        "LOG10",
        "LOG2",
        "SIGN",
        "MOD",
        "PI",
        "SIN",
        "COS",
        "TAN",
        "COT",
        "ASIN",
        "ACOS",
        "ATAN",
        "ATAN2",
        "DEGREES",
        "RADIANS",
    }
)

_ROUND_MODE = "half_towards_infinity"


def _number(value: Value) -> Value:
    return denull(value, pa.float64())


def _is_integer(value: Value) -> bool:
    return pa.types.is_integer(value.type)


def _float_kernel(kernel: Callable[[Value], Value]) -> Callable[[Value], Value]:
    def apply(value: Value) -> Value:
        return kernel(as_float(value))

    return apply


def _abs(value: Value) -> Value:
    return pc.abs_checked(_number(value))


def _sign(value: Value) -> Value:
    result = pc.sign(_number(value))
    return result.cast(pa.int64()) if _is_integer(value) else result


def _integral(kernel: Callable[[Value], Value]) -> Callable[[Value], Value]:
    """A rounding kernel that leaves integers as they are."""

    def apply(value: Value) -> Value:
        return value if _is_integer(value) else kernel(_number(value))

    return apply


def _rounding_builder(kernel: Callable[[Value, int], Value]) -> Builder:
    """ROUND or TRUNC with an optional constant number of decimals (negative: left of the point)."""

    def build(node: exp.Expression, compile_: Compile) -> Evaluator:
        decimals_node = node.args.get("decimals")
        decimals = 0 if decimals_node is None else constant_int(decimals_node, what="number of decimals")

        def apply(value: Value) -> Value:
            if _is_integer(value):
                return value if decimals >= 0 else kernel(value.cast(pa.float64()), decimals).cast(pa.int64())
            return kernel(_number(value), decimals)

        return unary(apply)(node, compile_)

    return build


def _round(value: Value, decimals: int) -> Value:
    return pc.round(value, ndigits=decimals, round_mode=_ROUND_MODE)


def _trunc(value: Value, decimals: int) -> Value:
    scale = 10.0**decimals
    return pc.divide(pc.trunc(pc.multiply(value, scale)), scale)


def _power(base: Value, exponent: Value) -> Value:
    return pc.power(as_float(base), as_float(exponent))


def _build_log(node: exp.Expression, compile_: Compile) -> Evaluator:
    if node.expression is None:
        return unary(_float_kernel(pc.log10))(node, compile_)

    def log_base(base: Value, value: Value) -> Value:
        return pc.logb(as_float(value), as_float(base))

    return binary(log_base)(node, compile_)


def _build_pi(_node: exp.Expression, _compile: Compile) -> Evaluator:
    value = pa.scalar(math.pi)

    def evaluate(_frame: Frame) -> Value:
        return value

    return evaluate


def _atan2(y: Value, x: Value) -> Value:
    return pc.atan2(as_float(y), as_float(x))


def _cot(value: Value) -> Value:
    return pc.divide(1.0, pc.tan(as_float(value)))


BUILDERS: dict[type[exp.Expression], Builder] = {
    exp.Abs: unary(_abs),
    exp.Sign: unary(_sign),
    exp.Round: _rounding_builder(_round),
    exp.Trunc: _rounding_builder(_trunc),
    exp.Floor: unary(_integral(pc.floor)),
    exp.Ceil: unary(_integral(pc.ceil)),
    exp.Sqrt: unary(_float_kernel(pc.sqrt)),
    exp.Exp: unary(_float_kernel(pc.exp)),
    exp.Ln: unary(_float_kernel(pc.ln)),
    exp.Log: _build_log,
    exp.Pow: binary(_power),
    exp.Pi: _build_pi,
    exp.Sin: unary(_float_kernel(pc.sin)),
    exp.Cos: unary(_float_kernel(pc.cos)),
    exp.Tan: unary(_float_kernel(pc.tan)),
    exp.Cot: unary(_cot),
    exp.Asin: unary(_float_kernel(pc.asin)),
    exp.Acos: unary(_float_kernel(pc.acos)),
    exp.Atan: unary(_float_kernel(pc.atan)),
    exp.Atan2: binary(_atan2),
    exp.Degrees: unary(_float_kernel(lambda v: pc.multiply(v, 180.0 / math.pi))),
    exp.Radians: unary(_float_kernel(lambda v: pc.multiply(v, math.pi / 180.0))),
}
