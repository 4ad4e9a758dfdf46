"""Date and time functions over the engine's times: int64 epoch milliseconds, read as UTC.

``EXTRACT(unit FROM t)`` gives an int64 field (``EPOCH`` gives float64 seconds, ``DOW`` counts
from Sunday = 0, ``MILLISECOND`` includes the seconds, as in DuckDB). ``DATE_TRUNC('unit', t)``
and ``TIMESTAMP_TRUNC(t, unit)`` give the start of t's unit as epoch ms again; weeks start on
Monday. Arrow timestamp columns are accepted too.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from vsql.engine.scalar.base import Compile, Evaluator, Value, denull, lift, unary, unsupported

__all__ = ["BUILDERS", "NAMES"]

NAMES = frozenset({"EXTRACT", "DATE_TRUNC", "TIMESTAMP_TRUNC"})

_TIMESTAMP_MS = pa.timestamp("ms")
_MS_PER_SECOND = 1000.0


def _as_timestamp(value: Value) -> Value:
    value = denull(value, pa.int64())
    if pa.types.is_timestamp(value.type):
        return value.cast(pa.timestamp("ms", value.type.tz), safe=False)
    return value.cast(pa.int64()).cast(_TIMESTAMP_MS)


def _epoch_seconds(value: Value) -> Value:
    return pc.divide(_as_timestamp(value).cast(pa.int64()).cast(pa.float64()), _MS_PER_SECOND)


def _millisecond(timestamp: Value) -> Value:
    return pc.add(pc.multiply(pc.second(timestamp), 1000), pc.millisecond(timestamp))


_FIELDS: dict[str, Callable[[Value], Value]] = {
    "YEAR": pc.year,
    "QUARTER": pc.quarter,
    "MONTH": pc.month,
    "WEEK": pc.iso_week,
    "DAY": pc.day,
    "DAYOFMONTH": pc.day,
    "DOW": partial(pc.day_of_week, count_from_zero=True, week_start=7),
    "DAYOFWEEK": partial(pc.day_of_week, count_from_zero=True, week_start=7),
    "ISODOW": partial(pc.day_of_week, count_from_zero=False, week_start=1),
    "DOY": pc.day_of_year,
    "DAYOFYEAR": pc.day_of_year,
    "HOUR": pc.hour,
    "MINUTE": pc.minute,
    "SECOND": pc.second,
    "MILLISECOND": _millisecond,
}

_TRUNC_UNITS = {
    "MILLISECOND": "millisecond",
    "SECOND": "second",
    "MINUTE": "minute",
    "HOUR": "hour",
    "DAY": "day",
    "WEEK": "week",
    "MONTH": "month",
    "QUARTER": "quarter",
    "YEAR": "year",
}


def _build_extract(node: exp.Expression, compile_: Compile) -> Evaluator:
    unit = node.name.upper()
    if unit == "EPOCH":
        return lift(_epoch_seconds, compile_(node.expression))
    field = _FIELDS.get(unit)
    if field is None:
        raise unsupported(node, f"EXTRACT does not support {node.name}; use one of {', '.join(_FIELDS)}")

    def kernel(value: Value) -> Value:
        return field(_as_timestamp(value)).cast(pa.int64())

    return lift(kernel, compile_(node.expression))


def _build_trunc(node: exp.Expression, compile_: Compile) -> Evaluator:
    unit_node = node.args.get("unit")
    unit = _TRUNC_UNITS.get(unit_node.name.upper()) if unit_node is not None else None
    if unit is None:
        written = unit_node.sql() if unit_node is not None else "(none)"
        raise unsupported(node, f"cannot truncate to unit {written}; use one of {', '.join(_TRUNC_UNITS)}")

    def kernel(value: Value) -> Value:
        timestamp = _as_timestamp(value)
        floored = pc.floor_temporal(timestamp, unit=unit, week_starts_monday=True)
        return floored.cast(pa.int64())

    return unary(kernel)(node, compile_)


BUILDERS = {
    exp.Extract: _build_extract,
    exp.DateTrunc: _build_trunc,
    exp.TimestampTrunc: _build_trunc,
}
