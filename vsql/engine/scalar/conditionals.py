"""Conditional expressions: CASE (searched and simple), IF, COALESCE, NULLIF, GREATEST, LEAST.

Branch values are cast to one common type (numbers to int64 or float64). A CASE condition that is
NULL counts as false. GREATEST and LEAST skip NULLs, and are NULL only when every argument is.
Every branch is evaluated on the whole batch and the results are selected row by row, so a branch
that fails for rows it does not select still fails.
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from vsql.engine.scalar.base import (
    Compile,
    Evaluator,
    Frame,
    Value,
    fill_false,
    null_like,
    unify,
)
from vsql.engine.scalar.operators import equal

__all__ = ["BUILDERS", "NAMES"]

NAMES = frozenset({"COALESCE", "IFNULL", "NVL", "NULLIF", "IF", "GREATEST", "LEAST"})

_NULL = exp.Null()


def _select(branches: list[tuple[Evaluator, Evaluator]], default: Evaluator) -> Evaluator:
    """An evaluator choosing, per row, the value of the first branch whose condition holds."""

    def evaluate(frame: Frame) -> Value:
        conditions = [fill_false(condition(frame)) for condition, _ in branches]
        *values, result = unify([value(frame) for _, value in branches] + [default(frame)])
        for condition, value in zip(reversed(conditions), reversed(values), strict=True):
            result = pc.if_else(condition, value, result)
        return result

    return evaluate


def _equals(operand: Evaluator, candidate: Evaluator) -> Evaluator:
    def evaluate(frame: Frame) -> Value:
        return equal(operand(frame), candidate(frame))

    return evaluate


def _build_case(node: exp.Expression, compile_: Compile) -> Evaluator:
    operand = compile_(node.this) if node.this is not None else None
    branches = []
    for branch in node.args.get("ifs") or []:
        condition = compile_(branch.this)
        if operand is not None:
            condition = _equals(operand, condition)
        branches.append((condition, compile_(branch.args["true"])))
    default = compile_(node.args.get("default") or _NULL)
    return _select(branches, default)


def _build_if(node: exp.Expression, compile_: Compile) -> Evaluator:
    branch = (compile_(node.this), compile_(node.args["true"]))
    return _select([branch], compile_(node.args.get("false") or _NULL))


def _variadic(kernel: Callable[..., Value]) -> Callable[[exp.Expression, Compile], Evaluator]:
    def build(node: exp.Expression, compile_: Compile) -> Evaluator:
        arguments = [compile_(arg) for arg in [node.this, *node.expressions]]

        def evaluate(frame: Frame) -> Value:
            values = unify([argument(frame) for argument in arguments])
            if all(pa.types.is_null(value.type) for value in values):
                return values[0]
            return kernel(*values)

        return evaluate

    return build


def _build_nullif(node: exp.Expression, compile_: Compile) -> Evaluator:
    value = compile_(node.this)
    other = compile_(node.expression)

    def evaluate(frame: Frame) -> Value:
        left, right = value(frame), other(frame)
        return pc.if_else(fill_false(equal(left, right)), null_like(left), left)

    return evaluate


def _greatest(*values: Value) -> Value:
    return pc.max_element_wise(*values, skip_nulls=True)


def _least(*values: Value) -> Value:
    return pc.min_element_wise(*values, skip_nulls=True)


BUILDERS = {
    exp.Case: _build_case,
    exp.If: _build_if,
    exp.Coalesce: _variadic(pc.coalesce),
    exp.Nullif: _build_nullif,
    exp.Greatest: _variadic(_greatest),
    exp.Least: _variadic(_least),
}
