"""CAST and TRY_CAST to vsql's value types.

Targets: integers (any width) become int64, floating-point and decimal types float64, character
types string, BOOLEAN bool, and TIMESTAMP an int64 of epoch milliseconds (the engine's time
representation). Floats cast to integers round half to even, as Postgres and DuckDB do for
doubles; numeric strings are trimmed and round half away from zero, as decimal literals do.
CAST fails on a value that does not convert; TRY_CAST gives NULL for it instead.
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from vsql.engine.scalar.base import Compile, Evaluator, Frame, Value, fill_false, unsupported
from vsql.engine.scalar.operators import as_string

__all__ = ["BUILDERS", "NAMES"]

NAMES = frozenset({"CAST", "TRY_CAST"})

_Converter = Callable[..., Value]
_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_BOOLEAN = r"^(true|false|1|0)$"
_WHITESPACE = " \t\r\n"
_INT64_LIMIT = 9.2e18
_TIMESTAMP_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d")


def _is_text(dtype: pa.DataType) -> bool:
    return pa.types.is_string(dtype) or pa.types.is_large_string(dtype)


def _clean_text(value: Value, *, pattern: str | None) -> Value:
    """Trimmed text; with ``pattern``, text not matching it becomes NULL."""
    text = pc.utf8_trim(value, _WHITESPACE)
    if pattern is None:
        return text
    return pc.if_else(fill_false(pc.match_substring_regex(text, pattern)), text, pa.scalar(None, text.type))


def _epoch_ms(value: Value) -> Value:
    return value.cast(pa.timestamp("ms", value.type.tz), safe=False).cast(pa.int64())


def _float_to_int(value: Value, *, lenient: bool, round_mode: str = "half_to_even") -> Value:
    rounded = pc.round(value, round_mode=round_mode)
    if lenient:
        in_range = fill_false(pc.less(pc.abs(rounded), _INT64_LIMIT))
        rounded = pc.if_else(in_range, rounded, pa.scalar(None, pa.float64()))
    return rounded.cast(pa.int64())


def _to_int(value: Value, *, lenient: bool) -> Value:
    dtype = value.type
    if _is_text(dtype):
        text = _clean_text(value, pattern=_NUMBER if lenient else None)
        try:
            return text.cast(pa.int64())
        except pa.ArrowInvalid:
            return _float_to_int(text.cast(pa.float64()), lenient=lenient, round_mode="half_towards_infinity")
    if pa.types.is_floating(dtype) or pa.types.is_decimal(dtype):
        return _float_to_int(value.cast(pa.float64()), lenient=lenient)
    if pa.types.is_timestamp(dtype):
        return _epoch_ms(value)
    return value.cast(pa.int64())


def _to_float(value: Value, *, lenient: bool) -> Value:
    if _is_text(value.type):
        return _clean_text(value, pattern=_NUMBER if lenient else None).cast(pa.float64())
    if pa.types.is_timestamp(value.type):
        return _epoch_ms(value).cast(pa.float64())
    return value.cast(pa.float64())


def _to_string(value: Value, *, lenient: bool) -> Value:
    """Every value has a text form, so ``lenient`` changes nothing here."""
    return as_string(value)


def _to_bool(value: Value, *, lenient: bool) -> Value:
    if _is_text(value.type):
        text = pc.utf8_lower(value)
        return _clean_text(text, pattern=_BOOLEAN if lenient else None).cast(pa.bool_())
    return value.cast(pa.bool_())


def _parse_timestamp_ms(text: Value, *, lenient: bool) -> Value:
    if not lenient:
        try:
            return _epoch_ms(text.cast(pa.timestamp("ms")))
        except pa.ArrowInvalid:
            return _epoch_ms(text.cast(pa.timestamp("ms", "UTC")))
    parsed = [
        _epoch_ms(pc.strptime(text, format=fmt, unit="ms", error_is_null=True)) for fmt in _TIMESTAMP_FORMATS
    ]
    return pc.coalesce(*parsed)


def _to_timestamp_ms(value: Value, *, lenient: bool) -> Value:
    dtype = value.type
    if _is_text(dtype):
        return _parse_timestamp_ms(pc.utf8_trim(value, _WHITESPACE), lenient=lenient)
    if pa.types.is_timestamp(dtype):
        return _epoch_ms(value)
    return _to_int(value, lenient=lenient)


_CONVERTERS: dict[exp.DataType.Type, _Converter] = {
    **dict.fromkeys(
        [
            exp.DataType.Type.TINYINT,
            exp.DataType.Type.SMALLINT,
            exp.DataType.Type.MEDIUMINT,
            exp.DataType.Type.INT,
            exp.DataType.Type.BIGINT,
        ],
        _to_int,
    ),
    **dict.fromkeys(
        [
            exp.DataType.Type.FLOAT,
            exp.DataType.Type.DOUBLE,
            exp.DataType.Type.DECIMAL,
            exp.DataType.Type.BIGDECIMAL,
        ],
        _to_float,
    ),
    **dict.fromkeys(
        [
            exp.DataType.Type.VARCHAR,
            exp.DataType.Type.NVARCHAR,
            exp.DataType.Type.CHAR,
            exp.DataType.Type.NCHAR,
            exp.DataType.Type.TEXT,
        ],
        _to_string,
    ),
    exp.DataType.Type.BOOLEAN: _to_bool,
    **dict.fromkeys(
        [
            exp.DataType.Type.TIMESTAMP,
            exp.DataType.Type.TIMESTAMPTZ,
            exp.DataType.Type.TIMESTAMPNTZ,
            exp.DataType.Type.TIMESTAMP_MS,
            exp.DataType.Type.DATETIME,
        ],
        _to_timestamp_ms,
    ),
}


def _build_cast(node: exp.Expression, compile_: Compile) -> Evaluator:
    target = node.args["to"]
    converter = _CONVERTERS.get(target.this)
    if converter is None:
        raise unsupported(node, f"CAST to {target.sql()} is not supported")
    operand = compile_(node.this)
    is_try = isinstance(node, exp.TryCast) or bool(node.args.get("safe"))

    def evaluate(frame: Frame) -> Value:
        value = operand(frame)
        if not is_try:
            return converter(value, lenient=False)
        try:
            return converter(value, lenient=False)
        except pa.ArrowInvalid:
            return converter(value, lenient=True)

    return evaluate


BUILDERS = {exp.Cast: _build_cast, exp.TryCast: _build_cast}
