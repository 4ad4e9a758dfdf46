"""Predicates: IN, BETWEEN, LIKE / ILIKE, regular-expression match and IS [NOT] NULL/TRUE/FALSE.

All follow SQL's three-valued logic: ``x IN (1, NULL)`` is NULL when x is not 1, ``NULL LIKE 'a%'``
is NULL, and ``IS`` never returns NULL. LIKE patterns are constants; ``%`` matches any run of
characters and ``_`` exactly one, and only an ``ESCAPE`` character escapes.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from vsql.engine.scalar.base import (
    Compile,
    Evaluator,
    Frame,
    Value,
    constant_str,
    denull,
    fill_false,
    is_numeric,
    unsupported,
)
from vsql.engine.scalar.operators import equal

__all__ = ["BUILDERS", "NAMES"]

NAMES = frozenset({"REGEXP_LIKE"})

_LITERAL_NODES = (exp.Literal, exp.Boolean, exp.Null)
_NULL_BOOL = pa.scalar(None, pa.bool_())


def _is_literal(node: exp.Expression) -> bool:
    if isinstance(node, exp.Neg | exp.Paren):
        return _is_literal(node.this)
    return isinstance(node, _LITERAL_NODES)


def _negated(node: exp.Expression, evaluator: Evaluator) -> Evaluator:
    if not node.args.get("negate"):
        return evaluator

    def evaluate(frame: Frame) -> Value:
        return pc.invert(evaluator(frame))

    return evaluate


def _in_set(operand: Value, value_set: pa.Array, *, has_null: bool) -> Value:
    if pa.types.is_null(operand.type):
        return _NULL_BOOL if isinstance(operand, pa.Scalar) else pa.nulls(len(operand), pa.bool_())
    if operand.type != value_set.type and is_numeric(operand.type) and is_numeric(value_set.type):
        operand = operand.cast(pa.float64())
        value_set = value_set.cast(pa.float64())
    found = pc.is_in(operand, value_set=value_set)
    if has_null:
        found = pc.or_kleene(found, _NULL_BOOL)
    return pc.if_else(pc.is_null(operand), _NULL_BOOL, found)


def _build_in(node: exp.Expression, compile_: Compile) -> Evaluator:
    if node.args.get("query") or node.args.get("unnest") or node.args.get("field"):
        raise unsupported(node, f"IN with a subquery is not supported: {node.sql()}")
    operand = compile_(node.this)
    items = node.expressions
    if items and all(_is_literal(item) for item in items):
        constants = [compile_(item)(Frame({}, 0)) for item in items]
        has_null = any(not c.is_valid for c in constants)
        valid = [c for c in constants if c.is_valid]
        try:
            value_set = pa.array([c.as_py() for c in valid]) if valid else pa.array([], pa.null())
        except (pa.ArrowInvalid, pa.ArrowTypeError) as err:
            raise unsupported(node, f"the values of IN ({node.sql()}) mix types") from err

        def evaluate(frame: Frame) -> Value:
            return _in_set(operand(frame), value_set, has_null=has_null)

        return _negated(node, evaluate)
    choices = [compile_(item) for item in items]

    def evaluate_any(frame: Frame) -> Value:
        value = operand(frame)
        result: Value = pa.scalar(False)
        for choice in choices:
            result = pc.or_kleene(result, equal(value, choice(frame)))
        return result

    return _negated(node, evaluate_any)


def _build_between(node: exp.Expression, compile_: Compile) -> Evaluator:
    operand = compile_(node.this)
    low = compile_(node.args["low"])
    high = compile_(node.args["high"])
    symmetric = bool(node.args.get("symmetric"))

    def evaluate(frame: Frame) -> Value:
        value, lo, hi = operand(frame), low(frame), high(frame)
        if symmetric:
            lo, hi = (
                pc.min_element_wise(lo, hi, skip_nulls=False),
                pc.max_element_wise(lo, hi, skip_nulls=False),
            )
        above = denull(pc.greater_equal(value, lo), pa.bool_())
        below = denull(pc.less_equal(value, hi), pa.bool_())
        return pc.and_kleene(above, below)

    return _negated(node, evaluate)


def _arrow_like_pattern(pattern: str, escape: str | None) -> str:
    """A SQL LIKE pattern rewritten for Arrow's ``match_like``, where backslash is the escape."""
    out: list[str] = []
    chars = iter(pattern)
    for char in chars:
        if escape is not None and char == escape:
            literal = next(chars, "")
            out.append("\\" + literal if literal in "%_\\" else literal)
        elif char == "\\":
            out.append("\\\\")
        else:
            out.append(char)
    return "".join(out)


def _like(node: exp.Expression, compile_: Compile, *, escape: str | None) -> Evaluator:
    operand = compile_(node.this)
    pattern = _arrow_like_pattern(constant_str(node.expression, what="LIKE pattern"), escape)
    ignore_case = isinstance(node, exp.ILike)

    def evaluate(frame: Frame) -> Value:
        return pc.match_like(denull(operand(frame), pa.string()), pattern, ignore_case=ignore_case)

    return _negated(node, evaluate)


def _build_like(node: exp.Expression, compile_: Compile) -> Evaluator:
    return _like(node, compile_, escape=None)


def _build_escape(node: exp.Expression, compile_: Compile) -> Evaluator:
    like = node.this
    if not isinstance(like, exp.Like | exp.ILike):
        raise unsupported(node, f"ESCAPE applies only to LIKE and ILIKE: {node.sql()}")
    escape = constant_str(node.expression, what="ESCAPE character")
    if len(escape) != 1:
        raise unsupported(node.expression, "ESCAPE must be a single character")
    return _like(like, compile_, escape=escape)


def _build_regexp_like(node: exp.Expression, compile_: Compile) -> Evaluator:
    operand = compile_(node.this)
    pattern = constant_str(node.expression, what="REGEXP_LIKE pattern")

    def evaluate(frame: Frame) -> Value:
        return pc.match_substring_regex(denull(operand(frame), pa.string()), pattern)

    return evaluate


def _build_is(node: exp.Expression, compile_: Compile) -> Evaluator:
    operand = compile_(node.this)
    target = node.expression
    if isinstance(target, exp.Null):

        def evaluate_null(frame: Frame) -> Value:
            return pc.is_null(operand(frame))

        return evaluate_null
    if isinstance(target, exp.Boolean):
        truth = pa.scalar(target.this, pa.bool_())

        def evaluate_truth(frame: Frame) -> Value:
            return fill_false(pc.equal(denull(operand(frame), pa.bool_()), truth))

        return evaluate_truth
    raise unsupported(node, f"IS must be followed by NULL, TRUE or FALSE: {node.sql()}")


BUILDERS = {
    exp.In: _build_in,
    exp.Between: _build_between,
    exp.Like: _build_like,
    exp.ILike: _build_like,
    exp.Escape: _build_escape,
    exp.RegexpLike: _build_regexp_like,
    exp.Is: _build_is,
}
