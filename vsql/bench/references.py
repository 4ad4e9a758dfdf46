"""Reference workloads: the per-record Python loops vsql's engine is measured against.

Both compute ``COUNT(*), SUM(qty), AVG(price), MIN(price), MAX(price)`` per (symbol, 1 s tumbling
window), the tumbling workload's query, one record at a time in plain Python dicts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

__all__ = ["dict_loop", "json_loop"]


def _fold(state: dict[tuple[int, str], list[float]], record: dict) -> None:
    key = (record["_timestamp"] // 1000, record["symbol"])
    price = record["price"]
    entry = state.get(key)
    if entry is None:
        state[key] = [1, record["qty"], price, price, price]
        return
    entry[0] += 1
    entry[1] += record["qty"]
    entry[2] += price
    entry[3] = min(entry[3], price)
    entry[4] = max(entry[4], price)


def json_loop(lines: Iterable[bytes]) -> int:
    """``json.loads`` per line (a list, or an open file), then the dict aggregation; returns the
    number of groups."""
    state: dict[tuple[int, str], list[float]] = {}
    for line in lines:
        _fold(state, json.loads(line))
    return len(state)


def dict_loop(records: list[dict]) -> int:
    """The dict aggregation over records already decoded; returns the number of groups."""
    state: dict[tuple[int, str], list[float]] = {}
    for record in records:
        _fold(state, record)
    return len(state)
