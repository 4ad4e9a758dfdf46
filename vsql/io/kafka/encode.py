"""Arrow rows to JSON message values, one ``bytes`` per row, built with Arrow string kernels.

The whole batch becomes one NDJSON buffer (as ``vsql.datagen.to_ndjson`` does) that is split at
its newlines; no Python code runs per value except for the rare strings holding unprintable
characters and for nested columns, which go through orjson. Output is valid JSON:

- strings are quoted with ``\\`` and ``"`` escaped (control characters via orjson);
- floats always look like floats (``1.0``, never ``1``), NaN and infinities become ``null``;
- temporal values become quoted ISO-like strings; nulls become ``null``.
"""

from __future__ import annotations

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.types as pat

__all__ = ["json_values"]


def json_values(batch: pa.RecordBatch) -> list[bytes]:
    """One JSON object per row, with every column of ``batch`` as a field, in column order.

    Args:
        batch: the rows; a batch with no columns gives ``{}`` per row.

    Returns:
        ``batch.num_rows`` JSON objects as UTF-8 bytes, without trailing newlines.
    """
    rows = batch.num_rows
    if rows == 0:
        return []
    if batch.num_columns == 0:
        return [b"{}"] * rows
    parts: list[pa.Array | str] = []
    for index, field in enumerate(batch.schema):
        opener = "{" if index == 0 else ","
        parts.append(opener + orjson.dumps(field.name).decode() + ":")
        parts.append(pc.fill_null(_json_text(batch.column(index)), "null"))
    parts.append("}\n")
    lines = pc.binary_join_element_wise(*parts, "")
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)[lines.offset : lines.offset + rows + 1]
    text = lines.buffers()[2][int(offsets[0]) : int(offsets[-1])].to_pybytes()
    return text.split(b"\n")[:rows]


def _json_text(column: pa.Array) -> pa.Array:
    """The JSON text of each value (null stays null)."""
    kind = column.type
    if pat.is_dictionary(kind):
        return _json_text(column.dictionary_decode())
    if pat.is_null(kind):
        return pa.nulls(len(column), pa.string())
    if pat.is_string(kind) or pat.is_large_string(kind):
        return _quoted(column.cast(pa.string()))
    if pat.is_boolean(kind) or pat.is_integer(kind) or pat.is_decimal(kind):
        return column.cast(pa.string())
    if pat.is_floating(kind):
        return _float_text(column)
    if pat.is_temporal(kind):
        return _quoted(column.cast(pa.string()))
    return _through_orjson(column)


def _quoted(strings: pa.Array) -> pa.Array:
    escaped = pc.replace_substring(pc.replace_substring(strings, "\\", "\\\\"), '"', '\\"')
    quoted = pc.binary_join_element_wise('"', escaped, '"', "")
    unprintable = pc.fill_null(pc.invert(pc.utf8_is_printable(strings)), False)
    if not pc.any(unprintable).as_py():
        return quoted
    exact = pa.array(
        [None if s is None else orjson.dumps(s).decode() for s in strings.filter(unprintable).to_pylist()],
        pa.string(),
    )
    return pc.replace_with_mask(quoted, unprintable, exact)


def _float_text(column: pa.Array) -> pa.Array:
    text = column.cast(pa.string())
    integral = pc.fill_null(pc.match_substring_regex(text, r"^-?[0-9]+$"), False)
    text = pc.if_else(integral, pc.binary_join_element_wise(text, ".0", ""), text)
    finite = pc.is_finite(column.cast(pa.float64()))
    return pc.if_else(finite, text, pa.scalar(None, pa.string()))


def _through_orjson(column: pa.Array) -> pa.Array:
    """Nested and other types: orjson per value (not a hot path: vsql's values are flat)."""
    options = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
    texts = [
        None if value is None else orjson.dumps(value, default=str, option=options).decode()
        for value in column.to_pylist()
    ]
    return pa.array(texts, pa.string())
