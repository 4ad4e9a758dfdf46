"""Arrow types of decoded values: inference from Python values, normalization and widening.

Widening rules shared by the decoders: a null type takes the other side's type; integers and
floats together become float64; structs take the union of their fields; lists widen their element
type. Anything else is a conflict. A new field takes the type most of its first values fit
(``prevailing_type``), so a stray value of another type is the one rejected, wherever it sits.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import pyarrow as pa
import pyarrow.types as pat

__all__ = [
    "MAX_NESTING",
    "merge_types",
    "nesting_depth",
    "normalize_type",
    "prevailing_type",
    "type_of",
    "value_depth",
]

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1


MAX_NESTING = 64
"""How deeply values may nest (objects in arrays in objects ...); a deeper record is a dead letter."""


def nesting_depth(data_type: pa.DataType) -> int:
    """How many struct and list levels ``data_type`` nests (0 for a scalar); no recursion, so any
    depth is measured."""
    deepest, pending = 0, [(data_type, 0)]
    while pending:
        current, depth = pending.pop()
        deepest = max(deepest, depth)
        if pat.is_struct(current):
            pending += [(child.type, depth + 1) for child in current.fields]
        elif pat.is_list(current) or pat.is_large_list(current):
            pending.append((current.value_type, depth + 1))
    return deepest


def value_depth(value: object) -> int:
    """How many object and array levels a value parsed from JSON nests (0 for a scalar); no
    recursion."""
    deepest, pending = 0, [(value, 0)]
    while pending:
        current, depth = pending.pop()
        deepest = max(deepest, depth)
        if isinstance(current, dict):
            pending += [(child, depth + 1) for child in current.values()]
        elif isinstance(current, list):
            pending += [(child, depth + 1) for child in current]
    return deepest


def normalize_type(data_type: pa.DataType) -> pa.DataType:
    """The type vsql keeps for an inferred one: temporal types stay text, integers are int64.

    pyarrow reads ISO-8601 strings as timestamps; vsql keeps them as strings, since event time is
    int64 epoch ms and a CAST is explicit.
    """
    if pat.is_timestamp(data_type) or pat.is_date(data_type) or pat.is_time(data_type):
        return pa.string()
    if pat.is_integer(data_type):
        return pa.int64()
    if pat.is_floating(data_type):
        return pa.float64()
    if pat.is_struct(data_type):
        return pa.struct([pa.field(child.name, normalize_type(child.type)) for child in data_type.fields])
    if pat.is_list(data_type) or pat.is_large_list(data_type):
        return pa.list_(normalize_type(data_type.value_type))
    return data_type


def merge_types(left: pa.DataType, right: pa.DataType) -> pa.DataType | None:
    """The narrowest type holding values of both, or None when they conflict."""
    if left == right:
        return left
    if pat.is_null(left):
        return right
    if pat.is_null(right):
        return left
    if _is_number(left) and _is_number(right):
        return pa.float64() if (pat.is_floating(left) or pat.is_floating(right)) else pa.int64()
    if pat.is_struct(left) and pat.is_struct(right):
        return _merge_structs(left, right)
    if pat.is_list(left) and pat.is_list(right):
        element = merge_types(left.value_type, right.value_type)
        return None if element is None else pa.list_(element)
    return None


def prevailing_type(types: Iterable[pa.DataType]) -> pa.DataType:
    """The type most of the given value types fit, or null when all are null.

    The types are grouped by widening (``merge_types``) in the order met; the group holding most
    values wins (the first of equal groups) and gives its widened type, so ``[int64, string,
    float64]`` prevails as float64.
    """
    groups: list[tuple[pa.DataType, int]] = []
    for found, count in Counter(t for t in types if not pat.is_null(t)).items():
        for index, (group_type, group_count) in enumerate(groups):
            merged = merge_types(group_type, found)
            if merged is not None:
                groups[index] = (merged, group_count + count)
                break
        else:
            groups.append((found, count))
    return max(groups, key=_count)[0] if groups else pa.null()


def type_of(value: object) -> pa.DataType | None:
    """The Arrow type of a value parsed from JSON, or None when an array mixes types."""
    if value is None:
        return pa.null()
    if isinstance(value, bool):
        return pa.bool_()
    if isinstance(value, int):
        return pa.int64() if _INT64_MIN <= value <= _INT64_MAX else pa.float64()
    if isinstance(value, float):
        return pa.float64()
    if isinstance(value, str):
        return pa.string()
    if isinstance(value, dict):
        fields = []
        for name, child in value.items():
            child_type = type_of(child)
            if child_type is None:
                return None
            fields.append(pa.field(name, child_type))
        return pa.struct(fields)
    if isinstance(value, list):
        element: pa.DataType | None = pa.null()
        for child in value:
            child_type = type_of(child)
            element = None if child_type is None or element is None else merge_types(element, child_type)
            if element is None:
                return None
        return pa.list_(element)
    return None


def _count(group: tuple[pa.DataType, int]) -> int:
    return group[1]


def _is_number(data_type: pa.DataType) -> bool:
    return pat.is_integer(data_type) or pat.is_floating(data_type)


def _merge_structs(left: pa.StructType, right: pa.StructType) -> pa.DataType | None:
    merged = {child.name: child.type for child in left.fields}
    for child in right.fields:
        if child.name in merged:
            widened = merge_types(merged[child.name], child.type)
            if widened is None:
                return None
            merged[child.name] = widened
        else:
            merged[child.name] = child.type
    return pa.struct([pa.field(name, data_type) for name, data_type in merged.items()])
