"""The slow path of JSON decoding: parse a failed block line by line to isolate the bad lines.

It runs only for blocks the vectorized fast path rejected. Each line becomes either a good record
or a dead letter whose reason names the problem: not JSON, not an object, or a field whose value
has the wrong type (naming the field, the expected type and the type found). The raw text of a
dead letter shows bytes that are not UTF-8 as ``\\xNN`` escapes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import orjson
import pyarrow as pa
import pyarrow.types as pat

from vsql.engine.columns import KEY, OFFSET, PARTITION, TIMESTAMP
from vsql.io.formats.inference import MAX_NESTING, merge_types, prevailing_type, type_of, value_depth

__all__ = ["ParsedLines", "parse_lines"]

_INT32_MAX = 2**31 - 1
_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
_SYSTEM_NAMES = frozenset({KEY, TIMESTAMP, PARTITION, OFFSET})


@dataclass
class ParsedLines:
    """The outcome of parsing lines one by one.

    Attributes:
        records: value fields of each good line (system fields removed), in input order.
        keys, timestamps, partitions: system fields of each good line.
        good_positions: index of each good line among the non-blank input lines.
        bad_raws, bad_reasons, bad_partitions, bad_positions: the same for the dead letters.
        types: the field types after this block (known fields widened, new fields added; a field
            seen only as null has the null type).
    """

    records: list[dict[str, object]] = field(default_factory=list)
    keys: list[str | None] = field(default_factory=list)
    timestamps: list[int | None] = field(default_factory=list)
    partitions: list[int] = field(default_factory=list)
    good_positions: list[int] = field(default_factory=list)
    bad_raws: list[str] = field(default_factory=list)
    bad_reasons: list[str] = field(default_factory=list)
    bad_partitions: list[int] = field(default_factory=list)
    bad_positions: list[int] = field(default_factory=list)
    types: dict[str, pa.DataType] = field(default_factory=dict)

    @property
    def line_count(self) -> int:
        """Non-blank lines parsed, good and bad."""
        return len(self.good_positions) + len(self.bad_positions)


def parse_lines(
    lines: Iterable[bytes],
    *,
    types: Mapping[str, pa.DataType],
    is_projected: Callable[[str], bool],
    read_system_fields: bool,
    skip_blank: bool,
) -> ParsedLines:
    """Parse JSON lines one by one, checking each value against the known field types.

    Args:
        lines: one JSON document each.
        types: the known field types; a value of another type makes its line a dead letter, except
            that integers and floats widen to float64. A new field takes the type most of its
            values in these lines fit (``prevailing_type``).
        is_projected: whether a field is decoded; other fields are neither typed nor checked.
        read_system_fields: read ``_key``, ``_timestamp``, ``_partition`` from the object (inline
            records and files); otherwise they are dropped (Kafka messages carry their own).
        skip_blank: skip whitespace-only lines (NDJSON) instead of rejecting them (messages).

    Returns:
        The good records, the dead letters and the widened types.
    """
    documents = [(line, *_parse_object(line.strip())) for line in lines if line.strip() or not skip_blank]
    parsed = ParsedLines(types=dict(types))
    parsed.types.update(_new_field_types(documents, parsed.types, is_projected=is_projected))
    for position, (line, record, parse_problem) in enumerate(documents):
        reason, partition = parse_problem, 0
        if record is not None and read_system_fields:
            partition_value, partition_problem = _read_partition(record.get(PARTITION))
            partition = partition_value if partition_problem is None else 0
            reason = partition_problem or _check_timestamp(record.get(TIMESTAMP))
        if record is not None and reason is None:
            reason = _check_values(record, parsed.types, is_projected=is_projected)
        if reason is None and record is not None:
            parsed.records.append({k: v for k, v in record.items() if k not in _SYSTEM_NAMES})
            parsed.keys.append(_key_text(record.get(KEY)) if read_system_fields else None)
            parsed.timestamps.append(_timestamp_value(record.get(TIMESTAMP)) if read_system_fields else None)
            parsed.partitions.append(partition)
            parsed.good_positions.append(position)
        else:
            parsed.bad_raws.append(line.decode("utf-8", errors="backslashreplace"))
            parsed.bad_reasons.append(reason or "unreadable")
            parsed.bad_partitions.append(partition)
            parsed.bad_positions.append(position)
    return parsed


def _new_field_types(
    documents: list[tuple[bytes, dict[str, object] | None, str | None]],
    known: Mapping[str, pa.DataType],
    *,
    is_projected: Callable[[str], bool],
) -> dict[str, pa.DataType]:
    """The prevailing type of each projected field the documents bring that ``known`` lacks."""
    found: dict[str, list[pa.DataType]] = {}
    for _, record, _ in documents:
        for name, value in (record or {}).items():
            if name in _SYSTEM_NAMES or name in known or not is_projected(name):
                continue
            value_type = type_of(value)
            if value_type is not None:
                found.setdefault(name, []).append(value_type)
    prevailing = {name: prevailing_type(value_types) for name, value_types in found.items()}
    return {name: value_type for name, value_type in prevailing.items() if not pat.is_null(value_type)}


def _parse_object(text: bytes) -> tuple[dict[str, object] | None, str | None]:
    if not text:
        return None, "empty value"
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        return None, f"not JSON: {error}"
    if not isinstance(value, dict):
        return None, f"not a JSON object (got {_kind(value)})"
    if value_depth(value) > MAX_NESTING:
        return None, f"nested deeper than {MAX_NESTING} levels"
    return value, None


def _check_values(
    record: dict[str, object], types: dict[str, pa.DataType], *, is_projected: Callable[[str], bool]
) -> str | None:
    """None when every projected value fits; then ``types`` is widened in place."""
    problems: list[str] = []
    widened: dict[str, pa.DataType] = {}
    for name, value in record.items():
        if name in _SYSTEM_NAMES or not is_projected(name):
            continue
        found = type_of(value)
        if found is None:
            problems.append(f"field '{name}': array mixes value types")
            continue
        known = types.get(name)
        merged = found if known is None else merge_types(known, found)
        if merged is None:
            problems.append(f"field '{name}': expected {known}, got {found}")
        elif merged != known:
            widened[name] = merged
    if problems:
        return "; ".join(problems)
    types.update(widened)
    return None


def _read_partition(value: object) -> tuple[int, str | None]:
    if value is None:
        return 0, None
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _INT32_MAX:
        return value, None
    return 0, f"field '{PARTITION}': expected a non-negative int32, got {_kind(value)} {value!r}"


def _check_timestamp(value: object) -> str | None:
    if _timestamp_value(value) is not None or value is None:
        return None
    return f"field '{TIMESTAMP}': expected int64 epoch milliseconds, got {_kind(value)} {value!r}"


def _timestamp_value(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and _INT64_MIN <= value <= _INT64_MAX:
        return value
    return None


def _key_text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return orjson.dumps(value).decode()


def _kind(value: object) -> str:
    for python_type, name in _KINDS:
        if isinstance(value, python_type):
            return name
    return "null"


_KINDS = (
    (bool, "boolean"),
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (dict, "object"),
    (list, "array"),
)
