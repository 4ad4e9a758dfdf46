"""Seeded generators of realistic events as Arrow batches: trades, orders, sensor readings.

Prices follow a random walk per symbol; event times advance by ``spacing_ms`` per row, and a
fraction of rows can be displaced back in time (out of order) by up to ``max_delay_ms``. The same
seed gives the same rows, whatever the batch size.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["KINDS", "EventSpec", "generate", "to_ndjson"]

KINDS = ("trades", "orders", "sensors")
_CHUNK_ROWS = 65_536


@dataclass(frozen=True)
class EventSpec:
    """What to generate: ``count`` events of ``kind`` over ``keys`` distinct keys."""

    kind: str = "trades"
    count: int = 100_000
    keys: int = 100
    spacing_ms: int = 1
    out_of_order: float = 0.0
    max_delay_ms: int = 1_000
    seed: int = 7
    start_ms: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown event kind {self.kind!r}; expected one of {', '.join(KINDS)}")
        if self.count < 0 or self.keys <= 0 or self.spacing_ms < 0:
            raise ValueError("count must be >= 0, keys > 0 and spacing_ms >= 0")
        if not 0.0 <= self.out_of_order <= 1.0:
            raise ValueError(f"out_of_order is a fraction in [0, 1], got {self.out_of_order}")


def generate(spec: EventSpec, *, batch_rows: int = _CHUNK_ROWS) -> Iterator[pa.RecordBatch]:
    """The events of ``spec`` in batches of at most ``batch_rows`` rows, in arrival order."""
    for chunk in _chunks(spec):
        for first in range(0, chunk.num_rows, batch_rows):
            yield chunk.slice(first, batch_rows)


def _chunks(spec: EventSpec) -> Iterator[pa.RecordBatch]:
    """Events in chunks of a fixed size, so the random draws do not depend on the caller's
    batch size."""
    rng = np.random.default_rng(spec.seed)
    key_names = np.array([_key_name(spec.kind, index) for index in range(spec.keys)], dtype=object)
    level = 50.0 + 450.0 * rng.random(spec.keys)
    for first in range(0, spec.count, _CHUNK_ROWS):
        rows = min(_CHUNK_ROWS, spec.count - first)
        keys = rng.integers(0, spec.keys, rows)
        steps = rng.normal(0.0, 0.0005, rows)
        order = np.argsort(keys, kind="stable")
        walk = np.empty(rows)
        walk[order] = _segmented_cumsum(steps[order], keys[order])
        value = level[keys] * np.exp(walk)
        is_last = np.zeros(rows, dtype=bool)
        is_last[order[np.append(keys[order][1:] != keys[order][:-1], True)]] = True
        level[keys[is_last]] = value[is_last]
        event_ms = spec.start_ms + (first + np.arange(rows, dtype=np.int64)) * spec.spacing_ms
        delayed = rng.random(rows) < spec.out_of_order
        event_ms = np.maximum(event_ms - delayed * rng.integers(0, spec.max_delay_ms + 1, rows), 0)
        yield _BUILDERS[spec.kind](rng, rows, key_names[keys], np.round(value, 4), event_ms)


def _segmented_cumsum(values: np.ndarray, segments: np.ndarray) -> np.ndarray:
    total = np.cumsum(values)
    starts = np.ones(len(values), dtype=bool)
    starts[1:] = segments[1:] != segments[:-1]
    first = np.maximum.accumulate(np.where(starts, np.arange(len(values)), 0))
    return total - (total[first] - values[first])


def _key_name(kind: str, index: int) -> str:
    prefix = {"trades": "SYM", "orders": "CUST", "sensors": "sensor-"}[kind]
    return f"{prefix}{index:03d}"


def _trades(rng: np.random.Generator, rows: int, keys: np.ndarray, value: np.ndarray, event_ms: np.ndarray):
    return pa.record_batch(
        {
            "_timestamp": pa.array(event_ms, type=pa.int64()),
            "symbol": pa.array(keys, type=pa.string()),
            "price": pa.array(value),
            "qty": pa.array(rng.integers(1, 500, rows)),
            "side": pa.array(np.where(rng.random(rows) < 0.5, "buy", "sell")),
        }
    )


def _orders(rng: np.random.Generator, rows: int, keys: np.ndarray, value: np.ndarray, event_ms: np.ndarray):
    statuses = np.array(["new", "paid", "shipped", "cancelled"])
    return pa.record_batch(
        {
            "_timestamp": pa.array(event_ms, type=pa.int64()),
            "customer": pa.array(keys, type=pa.string()),
            "amount": pa.array(np.round(value / 10.0, 2)),
            "items": pa.array(rng.integers(1, 10, rows)),
            "status": pa.array(statuses[rng.integers(0, len(statuses), rows)]),
        }
    )


def _sensors(rng: np.random.Generator, rows: int, keys: np.ndarray, value: np.ndarray, event_ms: np.ndarray):
    return pa.record_batch(
        {
            "_timestamp": pa.array(event_ms, type=pa.int64()),
            "sensor": pa.array(keys, type=pa.string()),
            "temperature": pa.array(np.round(value / 20.0, 2)),
            "humidity": pa.array(np.round(30 + 40 * rng.random(rows), 1)),
        }
    )


_BUILDERS = {"trades": _trades, "orders": _orders, "sensors": _sensors}


def to_ndjson(batch: pa.RecordBatch) -> bytes:
    """The batch as NDJSON, one object per row, built with Arrow string kernels."""
    parts: list[pa.Array | str] = []
    for index, field in enumerate(batch.schema):
        column = batch.column(index)
        if pa.types.is_string(field.type):
            escaped = pc.replace_substring(pc.replace_substring(column, "\\", "\\\\"), '"', '\\"')
            text = pc.binary_join_element_wise('"', escaped, '"', "")
        else:
            text = column.cast(pa.string())
        parts.append(("{" if index == 0 else ",") + f'"{field.name}":')
        parts.append(pc.fill_null(text, "null"))
    parts.append("}\n")
    lines = pc.binary_join_element_wise(*parts, "")
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)[lines.offset : lines.offset + len(lines) + 1]
    return lines.buffers()[2].to_pybytes()[offsets[0] : offsets[-1]]
