"""String functions.

Positions and lengths count characters (code points), and positions are 1-based. Arguments that
shape the operation (SUBSTRING bounds, LEFT/RIGHT counts, REPLACE and STARTS_WITH patterns, TRIM
characters) must be constants; the string itself may be any expression. CONCAT skips NULLs,
``||`` (in ``operators``) does not.
"""

from __future__ import annotations

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
    constant_int,
    constant_str,
    denull,
    unary,
    unsupported,
)
from vsql.engine.scalar.operators import as_string

__all__ = ["BUILDERS", "NAMES"]

NAMES = frozenset(
    {
        "UPPER",
        "UCASE",
        "LOWER",
        "LCASE",
        "LENGTH",
        "LEN",
        "CHAR_LENGTH",
        "CHARACTER_LENGTH",
        "TRIM",
        "LTRIM",
        "RTRIM",
        "SUBSTRING",
        "SUBSTR",
        "CONCAT",
        "CONCAT_WS",
        "REPLACE",
        "LEFT",
        "RIGHT",
        "STARTS_WITH",
        "ENDS_WITH",
        "CONTAINS",
        "REVERSE",
        "REPEAT",
    }
)

_TO_END = 2**62


def _text(value: Value) -> Value:
    return denull(value, pa.string())


def _text_kernel(kernel: Callable[..., Value], **options: object) -> Callable[[Value], Value]:
    def apply(value: Value) -> Value:
        return kernel(_text(value), **options)

    return apply


def _length(value: Value) -> Value:
    return pc.utf8_length(_text(value)).cast(pa.int64())


def _slice(start: int, stop: int | None) -> Callable[[Value], Value]:
    return _text_kernel(pc.utf8_slice_codeunits, start=start, stop=_TO_END if stop is None else stop)


def _build_trim(node: exp.Expression, compile_: Compile) -> Evaluator:
    chars_node = node.expression
    chars = " " if chars_node is None else constant_str(chars_node, what="TRIM characters")
    side = str(node.args.get("position") or "BOTH").upper()
    kernel = {"LEADING": pc.utf8_ltrim, "TRAILING": pc.utf8_rtrim}.get(side, pc.utf8_trim)
    return unary(_text_kernel(kernel, characters=chars))(node, compile_)


def _substring_bounds(node: exp.Expression) -> tuple[int, int | None]:
    """0-based [start, stop) for ``SUBSTRING(s, start[, length])``: a start of 0 or less counts
    the positions before the first character, a negative start counts from the end."""
    start = constant_int(node.args.get("start"), what="SUBSTRING start")
    length_node = node.args.get("length")
    length = None if length_node is None else constant_int(length_node, what="SUBSTRING length")
    if length is not None and length < 0:
        raise unsupported(length_node, "SUBSTRING length must not be negative")
    if start > 0:
        begin = start - 1
        return begin, None if length is None else begin + length
    if start == 0:
        return 0, None if length is None else max(length - 1, 0)
    if length is None or start + length >= 0:
        return start, None
    return start, start + length


def _build_substring(node: exp.Expression, compile_: Compile) -> Evaluator:
    begin, stop = _substring_bounds(node)
    return unary(_slice(begin, stop))(node, compile_)


def _build_left(node: exp.Expression, compile_: Compile) -> Evaluator:
    count = constant_int(node.expression, what="LEFT length")
    return unary(_slice(0, count))(node, compile_)


def _build_right(node: exp.Expression, compile_: Compile) -> Evaluator:
    count = constant_int(node.expression, what="RIGHT length")
    bounds = (0, 0) if count == 0 else (-count, None)
    return unary(_slice(*bounds))(node, compile_)


def _with_constant(kernel: Callable[..., Value], option: str, *, what: str) -> Builder:
    """A builder for ``f(s, 'constant')`` passing the constant to ``kernel`` as ``option``."""

    def build(node: exp.Expression, compile_: Compile) -> Evaluator:
        constant = constant_str(node.expression, what=what)
        return unary(_text_kernel(kernel, **{option: constant}))(node, compile_)

    return build


def _build_replace(node: exp.Expression, compile_: Compile) -> Evaluator:
    pattern = constant_str(node.expression, what="REPLACE pattern")
    replacement = constant_str(node.args.get("replacement"), what="REPLACE replacement")
    kernel = _text_kernel(pc.replace_substring, pattern=pattern, replacement=replacement)
    return unary(kernel)(node, compile_)


def _build_repeat(node: exp.Expression, compile_: Compile) -> Evaluator:
    times = max(constant_int(node.args.get("times"), what="REPEAT count"), 0)

    def kernel(value: Value) -> Value:
        return pc.binary_repeat(_text(value), times)

    return unary(kernel)(node, compile_)


def _build_concat(node: exp.Expression, compile_: Compile) -> Evaluator:
    parts = [compile_(arg) for arg in node.expressions]

    def evaluate(frame: Frame) -> Value:
        values = [as_string(part(frame)) for part in parts]
        return pc.binary_join_element_wise(*values, "", null_handling="replace", null_replacement="")

    return evaluate


def _build_concat_ws(node: exp.Expression, compile_: Compile) -> Evaluator:
    separator_node, *part_nodes = node.expressions
    separator = constant_str(separator_node, what="CONCAT_WS separator")
    if not part_nodes:
        raise unsupported(node, "CONCAT_WS needs a separator and at least one value")
    parts = [compile_(arg) for arg in part_nodes]
    # Arrow's "skip" drops rows whose values are all NULL, so a trailing empty string keeps every
    # row and its extra separator is cut off again.
    trailing = pa.scalar("", pa.string())

    def evaluate(frame: Frame) -> Value:
        values = [as_string(part(frame)) for part in parts]
        joined = pc.binary_join_element_wise(*values, trailing, separator, null_handling="skip")
        if not separator:
            return joined
        return pc.utf8_slice_codeunits(joined, 0, -len(separator))

    return evaluate


BUILDERS: dict[type[exp.Expression], Builder] = {
    exp.Upper: unary(_text_kernel(pc.utf8_upper)),
    exp.Lower: unary(_text_kernel(pc.utf8_lower)),
    exp.Length: unary(_length),
    exp.Reverse: unary(_text_kernel(pc.utf8_reverse)),
    exp.Trim: _build_trim,
    exp.Substring: _build_substring,
    exp.Left: _build_left,
    exp.Right: _build_right,
    exp.Replace: _build_replace,
    exp.Repeat: _build_repeat,
    exp.Concat: _build_concat,
    exp.ConcatWs: _build_concat_ws,
    exp.StartsWith: _with_constant(pc.starts_with, "pattern", what="STARTS_WITH prefix"),
    exp.EndsWith: _with_constant(pc.ends_with, "pattern", what="ENDS_WITH suffix"),
    exp.Contains: _with_constant(pc.match_substring, "pattern", what="CONTAINS substring"),
}
