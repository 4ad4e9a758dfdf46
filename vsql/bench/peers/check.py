"""The correctness check that comes before any timing: a peer's windows against vsql's.

Both tables hold ``RESULT_SCHEMA`` rows sorted by window, then symbol. Keys, bounds and integer
aggregates must be equal; float aggregates equal within a relative 1e-9 (peers sum in other
orders).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vsql.bench.peers.base import RESULT_SCHEMA, PeerData

__all__ = ["closed_by_later_records", "difference"]

_EXACT = ("symbol", "window_start", "window_end", "trades", "volume")
_FLOATS = ("avg_price", "low", "high")
_RELATIVE_TOLERANCE = 1e-9


def closed_by_later_records(rows: pa.Table, data: PeerData) -> pa.Table:
    """The rows of windows a peer without an end of input emits: those whose end is at or before
    the last event time of their symbol in ``data`` (a later record of the key closed them)."""
    last = data.table().group_by("symbol").aggregate([("_timestamp", "max")])
    joined = rows.join(last, "symbol", join_type="left outer")
    kept = joined.filter(pc.less_equal(joined["window_end"], joined["_timestamp_max"]))
    return kept.select(RESULT_SCHEMA.names).sort_by([("window_start", "ascending"), ("symbol", "ascending")])


def difference(expected: pa.Table, actual: pa.Table) -> str | None:
    """None when ``actual`` holds the same windows and values as ``expected``, else the first
    difference in words."""
    if actual.num_rows != expected.num_rows:
        return f"{actual.num_rows} windows where vsql has {expected.num_rows}"
    for name in _EXACT:
        unequal = pc.not_equal(expected[name], actual[name])
        if pc.any(unequal).as_py():
            return _first_mismatch(expected, actual, name, unequal)
    for name in _FLOATS:
        want = expected[name].to_numpy()
        got = actual[name].to_numpy()
        unequal = ~np.isclose(got, want, rtol=_RELATIVE_TOLERANCE, atol=0.0)
        if unequal.any():
            return _first_mismatch(expected, actual, name, pa.array(unequal))
    return None


def _first_mismatch(expected: pa.Table, actual: pa.Table, name: str, unequal: pa.ChunkedArray) -> str:
    index = pc.index(unequal, True).as_py()
    want = expected.slice(index, 1).to_pylist()[0]
    got = actual.slice(index, 1).to_pylist()[0]
    return f"{name} differs in window {index}: vsql {want}, peer {got}"
