"""Reading columns out of input batches: name resolution, event time, dead-letter rows."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vsql.engine.columns import PARTITION, REASON

__all__ = ["column_or_nulls", "dead_letters", "event_time_ms", "partitions", "resolve_name"]


def resolve_name(names: list[str], name: str) -> str | None:
    """The batch column ``name`` refers to: an exact match wins, else a case-insensitive one."""
    if name in names:
        return name
    lowered = name.lower()
    return next((candidate for candidate in names if candidate.lower() == lowered), None)


def column_or_nulls(batch: pa.RecordBatch | pa.Table, name: str) -> pa.Array:
    """Column ``name`` of ``batch``, or NULLs when the batch has no such field."""
    resolved = resolve_name(batch.schema.names, name)
    if resolved is None:
        return pa.nulls(batch.num_rows)
    column = batch.column(resolved)
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def event_time_ms(batch: pa.RecordBatch, name: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Event time of every row as int64 epoch ms, and the reason each unusable row is rejected
    (None when every row is usable).

    Integers are milliseconds; floats are truncated; timestamps are converted to milliseconds.
    NULL, negative and non-numeric times are rejected.
    """
    column = column_or_nulls(batch, name)
    kind = column.type
    if pa.types.is_timestamp(kind):
        column = column.cast(pa.timestamp("ms")).cast(pa.int64())
    elif pa.types.is_integer(kind) or pa.types.is_floating(kind):
        column = pc.cast(column, pa.int64(), safe=False)
    elif not pa.types.is_null(kind):
        reason = f"event time column '{name}' is {kind}, not a number of epoch milliseconds"
        return np.zeros(len(column), dtype=np.int64), np.full(len(column), reason, dtype=object)
    valid = np.asarray(column.is_valid(), dtype=bool)
    values = np.asarray(pc.fill_null(column.cast(pa.int64()), 0), dtype=np.int64)
    if valid.all() and (values >= 0).all():
        return values, None
    reasons = np.where(valid, f"negative event time in '{name}'", f"event time '{name}' is NULL")
    reasons = np.where(valid & (values >= 0), None, reasons).astype(object)
    return values, reasons


def partitions(batch: pa.RecordBatch) -> np.ndarray:
    """The ``_partition`` of every row (0 when absent)."""
    column = column_or_nulls(batch, PARTITION)
    return np.asarray(pc.fill_null(column.cast(pa.int64()), 0), dtype=np.int64)


def dead_letters(batch: pa.RecordBatch | pa.Table, mask: np.ndarray, reasons: np.ndarray | str) -> pa.Table:
    """The rows of ``batch`` where ``mask`` holds, with a ``_reason`` column."""
    rows = pa.Table.from_batches([batch]) if isinstance(batch, pa.RecordBatch) else batch
    rows = rows.filter(pa.array(mask))
    reason = (
        reasons[mask] if isinstance(reasons, np.ndarray) else np.full(rows.num_rows, reasons, dtype=object)
    )
    return rows.append_column(REASON, pa.array(reason, type=pa.string()))
