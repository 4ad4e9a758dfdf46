"""What DESCRIBE tells about each value field of a topic, from a sample of its messages.

A field's type is the one a query decodes it as (the decoder's learnt type). Sampled values of
another type are dead letters to a query, so DESCRIBE shows their share next to the type:
``int64 (50% string)``. Shares count the sampled messages that are JSON objects, decoded or not,
so a field's null share, misfit shares and the share of values fitting its type add up to one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import orjson
import pyarrow as pa

from vsql.io.formats.decoded import RAW, SYSTEM_FIELDS
from vsql.io.formats.inference import merge_types, prevailing_type, type_of

__all__ = ["FieldInfo", "field_infos"]


@dataclass(frozen=True)
class FieldInfo:
    """A value field of a topic, inferred by sampling messages.

    Attributes:
        name: the field name.
        type: its Arrow type as text (``int64``, ``string``, ...), followed by the shares of the
            sampled values of other types when there are some: ``int64 (50% string)``.
        null_fraction: the share of sampled messages where it is null or missing, 0.0 to 1.0.
        example: one sampled value of its type, as text; None when every sample was null.
    """

    name: str
    type: str
    null_fraction: float
    example: str | None


def field_infos(rows: pa.Table | None, dead_letters: pa.Table) -> list[FieldInfo]:
    """The value fields of a sample: its decoded rows, then its dead letters' JSON objects.

    Fields come in the order the decoder met them, then those only dead letters hold.

    Args:
        rows: the decoded messages (value fields and system columns), None when there are none.
        dead_letters: the messages the decoder rejected (``DEAD_LETTER_SCHEMA``).
    """
    objects = [found for found in map(_object, dead_letters.column(RAW).to_pylist()) if found is not None]
    names = [] if rows is None else [name for name in rows.column_names if name not in SYSTEM_FIELDS]
    known = {*names, *SYSTEM_FIELDS}
    names += [name for name in dict.fromkeys(key for found in objects for key in found) if name not in known]
    total = len(objects) + (0 if rows is None else rows.num_rows)
    return [_field_info(name, rows, objects, total=total) for name in names]


def _field_info(name: str, rows: pa.Table | None, objects: list[dict], *, total: int) -> FieldInfo:
    column = rows.column(name) if rows is not None and name in rows.column_names else None
    values = [value for value in (found.get(name) for found in objects) if value is not None]
    if column is None:
        data_type = prevailing_type(found for found in map(type_of, values) if found is not None)
        examples = [value for value in values if _misfit(value, data_type) is None]
    else:
        data_type = column.type
        examples = column.drop_null().slice(0, 1).to_pylist()
    misfits = Counter(kind for kind in (_misfit(value, data_type) for value in values) if kind is not None)
    nulls = len(objects) - len(values) + (0 if column is None else column.null_count)
    return FieldInfo(
        name=name,
        type=_type_text(data_type, misfits, total=total),
        null_fraction=round(nulls / total, 4),
        example=str(examples[0]) if examples else None,
    )


def _object(raw: str | None) -> dict | None:
    try:
        found = orjson.loads(raw or "")
    except orjson.JSONDecodeError:
        return None
    return found if isinstance(found, dict) else None


def _misfit(value: object, data_type: pa.DataType) -> str | None:
    """The type of a value that does not fit ``data_type``, as text; None when it fits."""
    found = type_of(value)
    if found is None:
        return "array of mixed types"
    return None if merge_types(data_type, found) is not None else str(found)


def _type_text(data_type: pa.DataType, misfits: Counter[str], *, total: int) -> str:
    if not misfits:
        return str(data_type)
    shares = ", ".join(f"{_percent(count / total)} {kind}" for kind, count in misfits.most_common())
    return f"{data_type} ({shares})"


def _percent(share: float) -> str:
    return "<1%" if share < 0.01 else f"{share:.0%}"
