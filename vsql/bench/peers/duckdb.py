"""DuckDB as a vectorized batch lower bound: one SQL query over the whole Arrow table in memory.

The query aggregates panes of ``advance_ms`` per symbol, then combines ``panes_per_window``
consecutive panes per window (a pane ``p`` belongs to the windows starting at ``(p - j) *
advance_ms`` for ``j`` in ``[0, panes_per_window)``, none below 0), the same two steps vsql takes.
DuckDB runs on one thread, like vsql's engine, and sees the table before the clock starts.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pyarrow as pa

from vsql.bench.peers.base import BatchPeer, PeerData, Setup, WindowShape, missing_module

if TYPE_CHECKING:
    from vsql.bench.workloads import Workload

__all__ = ["DuckDbPeer", "window_sql"]

_PANES = """
SELECT symbol, _timestamp // {advance} AS pane, COUNT(*) AS trades, SUM(qty) AS volume,
       SUM(price) AS price_sum, MIN(price) AS low, MAX(price) AS high
FROM trades GROUP BY symbol, pane
"""

_ONE_PANE = """
SELECT symbol, pane * {advance} AS window_start, pane * {advance} + {size} AS window_end,
       trades, volume::BIGINT AS volume, price_sum / trades AS avg_price, low, high
FROM ({panes})
"""

_MANY_PANES = """
SELECT symbol, (pane - j) * {advance} AS window_start, (pane - j) * {advance} + {size} AS window_end,
       SUM(trades)::BIGINT AS trades, SUM(volume)::BIGINT AS volume,
       SUM(price_sum) / SUM(trades) AS avg_price, MIN(low) AS low, MAX(high) AS high
FROM ({panes}) CROSS JOIN range({count}) AS offsets(j)
WHERE pane >= j
GROUP BY symbol, window_start, window_end
"""


def window_sql(shape: WindowShape) -> str:
    """The DuckDB query computing ``shape``'s windows over a table named ``trades``."""
    panes = _PANES.format(advance=shape.advance_ms)
    if shape.panes_per_window == 1:
        return _ONE_PANE.format(advance=shape.advance_ms, size=shape.size_ms, panes=panes)
    return _MANY_PANES.format(
        advance=shape.advance_ms, size=shape.size_ms, panes=panes, count=shape.panes_per_window
    )


class DuckDbPeer(BatchPeer):
    """DuckDB over the Arrow table in memory; implements the ``Peer`` protocol."""

    name = "duckdb"
    setup = Setup.IN_MEMORY
    detail = "batch SQL over one Arrow table, 1 thread"
    flushes_at_end = True

    def available(self) -> str | None:
        """None when ``duckdb`` imports."""
        return missing_module("duckdb", package="duckdb")

    def execute(self, work: Workload, data: PeerData) -> tuple[float, pa.Table]:
        """The query's seconds (result collected as Arrow included) and its rows."""
        import duckdb  # noqa: PLC0415 - an optional dependency

        sql = window_sql(WindowShape.of(work))
        with duckdb.connect() as connection:
            connection.execute("SET threads = 1")
            connection.register("trades", data.table())
            started = time.perf_counter()
            rows = connection.sql(sql).to_arrow_table()
            return time.perf_counter() - started, rows
