"""Polars as a vectorized batch lower bound: one lazy query over the whole Arrow table in memory.

The same two steps as the DuckDB peer and vsql: aggregate panes of ``advance_ms`` per symbol,
then combine ``panes_per_window`` consecutive panes per window (windows starting below 0 are
left out). Polars gets one thread, like vsql's engine, unless ``POLARS_MAX_THREADS`` is set
before it is first imported; the table shows the thread count it ran with.
"""

from __future__ import annotations

import os
import time
from types import ModuleType
from typing import TYPE_CHECKING

import pyarrow as pa

from vsql.bench.peers.base import BatchPeer, PeerData, Setup, WindowShape, missing_module

if TYPE_CHECKING:
    import polars as pl

    from vsql.bench.workloads import Workload

__all__ = ["PolarsPeer"]


def _limit_threads() -> None:
    """One Polars thread unless ``POLARS_MAX_THREADS`` says otherwise (read at Polars' first import)."""
    os.environ.setdefault("POLARS_MAX_THREADS", "1")


def _polars() -> ModuleType:
    """Polars, imported after ``_limit_threads``."""
    _limit_threads()
    import polars  # noqa: PLC0415 - an optional dependency, configured by the line above

    return polars


class PolarsPeer(BatchPeer):
    """Polars over the Arrow table in memory; implements the ``Peer`` protocol."""

    name = "polars"
    setup = Setup.IN_MEMORY
    flushes_at_end = True

    @property
    def detail(self) -> str:
        """The setup, with the thread count Polars runs with."""
        if self.available() is not None:
            return "batch lazy query over one Arrow table"
        threads = _polars().thread_pool_size()
        return f"batch lazy query over one Arrow table, {threads} thread{'s' if threads > 1 else ''}"

    def available(self) -> str | None:
        """None when ``polars`` imports."""
        _limit_threads()
        return missing_module("polars", package="polars")

    def execute(self, work: Workload, data: PeerData) -> tuple[float, pa.Table]:
        """The query's seconds (collecting its DataFrame included) and its rows."""
        polars = _polars()
        shape = WindowShape.of(work)
        frame = polars.from_arrow(data.table())
        started = time.perf_counter()
        rows = _windows(polars, frame.lazy(), shape).collect()
        seconds = time.perf_counter() - started
        return seconds, rows.to_arrow()


def _windows(polars: ModuleType, trades: pl.LazyFrame, shape: WindowShape) -> pl.LazyFrame:
    """The lazy query: panes, then windows of ``shape``; columns as ``RESULT_SCHEMA``."""
    col = polars.col
    panes = trades.group_by("symbol", (col("_timestamp") // shape.advance_ms).alias("pane")).agg(
        polars.len().alias("trades"),
        col("qty").sum().alias("volume"),
        col("price").sum().alias("price_sum"),
        col("price").min().alias("low"),
        col("price").max().alias("high"),
    )
    if shape.panes_per_window == 1:
        windows = panes.with_columns((col("pane") * shape.advance_ms).alias("window_start"))
    else:
        offsets = polars.LazyFrame({"j": polars.int_range(0, shape.panes_per_window, eager=True)})
        windows = (
            panes.join(offsets, how="cross")
            .filter(col("pane") >= col("j"))
            .with_columns(((col("pane") - col("j")) * shape.advance_ms).alias("window_start"))
            .group_by("symbol", "window_start")
            .agg(
                col("trades").sum(),
                col("volume").sum(),
                col("price_sum").sum(),
                col("low").min(),
                col("high").max(),
            )
        )
    return windows.select(
        "symbol",
        "window_start",
        (col("window_start") + shape.size_ms).alias("window_end"),
        "trades",
        "volume",
        (col("price_sum") / col("trades")).alias("avg_price"),
        "low",
        "high",
    )
