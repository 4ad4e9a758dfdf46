"""Bytewax in memory: a dataflow over pre-decoded dicts, one worker, in this process.

``TestingSource`` feeds the trades (one dict per record, built before the clock starts) in
batches of 65,536, vsql's batch size; ``key_on`` keys them by symbol; ``fold_window`` folds
COUNT/SUM/price sum/MIN/MAX per key and window in arrival order (``ordered=False``, as vsql
does); ``run_main`` runs it to the end of input, where every window closes. Windows come from a
``SlidingWindower`` (tumbling when offset equals length) aligned to the epoch, so window ``k``
starts at ``k * advance_ms``.

The ``EventClock`` watermark is the largest event time seen (no wait) and ignores system time
(``now_getter`` returns a constant): vsql's watermark, so no record is late, whatever the
machine's speed. Bytewax also opens the windows that start below 0 for the first ``size_ms``;
they are left out of the compared rows (vsql never opens them).
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from vsql.bench.peers.base import PeerData, Setup, WindowShape, missing_module, result_table

if TYPE_CHECKING:
    from bytewax.dataflow import Dataflow

    from vsql.bench.workloads import Workload

__all__ = ["BytewaxPeer"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_BATCH_SIZE = 65_536

Accumulator = list[float]
"""Per window: count, sum of qty, sum of price, min price, max price."""


class BytewaxPeer:
    """Bytewax's windowing over dicts in memory; implements the ``Peer`` protocol."""

    name = "bytewax"
    setup = Setup.IN_MEMORY
    detail = "pre-decoded dicts, TestingSource batches of 65,536, 1 worker"
    flushes_at_end = True

    def available(self) -> str | None:
        """None when ``bytewax`` imports."""
        return missing_module("bytewax.operators.windowing", package="bytewax")

    def run(self, work: Workload, data: PeerData) -> float:
        """Records/s of ``run_main`` over the whole input (dataflow built before the clock)."""
        seconds, _ = self._execute(work, data)
        return data.records / seconds

    def results(self, work: Workload, data: PeerData) -> pa.Table:
        """The windows the dataflow emitted, starting at 0 or later."""
        shape = WindowShape.of(work)
        _, emitted = self._execute(work, data)
        kept = [(key, window, acc) for key, (window, acc) in emitted if window >= 0]
        return result_table(
            {
                "symbol": [key for key, _, _ in kept],
                "window_start": [window * shape.advance_ms for _, window, _ in kept],
                "window_end": [window * shape.advance_ms + shape.size_ms for _, window, _ in kept],
                "trades": [acc[0] for _, _, acc in kept],
                "volume": [acc[1] for _, _, acc in kept],
                "avg_price": [acc[2] / acc[0] for _, _, acc in kept],
                "low": [acc[3] for _, _, acc in kept],
                "high": [acc[4] for _, _, acc in kept],
            }
        )

    def _execute(self, work: Workload, data: PeerData) -> tuple[float, list[Any]]:
        from bytewax.testing import run_main  # noqa: PLC0415 - an optional dependency

        emitted: list[Any] = []
        late: list[Any] = []
        flow = _dataflow(WindowShape.of(work), data.rows, emitted=emitted, late=late)
        started = time.perf_counter()
        run_main(flow)
        seconds = time.perf_counter() - started
        if late:
            raise RuntimeError(f"bytewax found {len(late)} records late; its results would differ")
        return seconds, emitted


def _dataflow(shape: WindowShape, trades: list[dict], *, emitted: list, late: list) -> Dataflow:
    """The dataflow: windows of ``shape`` over ``trades``, closed windows into ``emitted``, late
    records into ``late``."""
    import bytewax.operators as op  # noqa: PLC0415 - an optional dependency
    from bytewax.dataflow import Dataflow  # noqa: PLC0415
    from bytewax.operators import windowing  # noqa: PLC0415
    from bytewax.testing import TestingSink, TestingSource  # noqa: PLC0415

    flow = Dataflow("vsql_peer")
    keyed = op.key_on("key", op.input("trades", flow, TestingSource(trades, _BATCH_SIZE)), _symbol)
    clock = windowing.EventClock(
        _event_time,
        wait_for_system_duration=timedelta(0),
        now_getter=_constant_now,
        to_system_utc=_never,
    )
    windower = windowing.SlidingWindower(
        length=timedelta(milliseconds=shape.size_ms),
        offset=timedelta(milliseconds=shape.advance_ms),
        align_to=_EPOCH,
    )
    out = windowing.fold_window("fold", keyed, clock, windower, _new, _fold, _merge, ordered=False)
    op.output("emitted", out.down, TestingSink(emitted))
    op.output("late", out.late, TestingSink(late))
    return flow


def _symbol(trade: dict) -> str:
    return trade["symbol"]


def _event_time(trade: dict) -> datetime:
    return _EPOCH + timedelta(milliseconds=trade["_timestamp"])


def _constant_now() -> datetime:
    """System time that never advances: the watermark moves with event time only."""
    return _EPOCH


def _never(_: datetime) -> None:
    """No wake-up in system time: windows close on event time and at the end of input."""


def _new() -> Accumulator:
    return [0, 0, 0.0, math.inf, -math.inf]


def _fold(acc: Accumulator, trade: dict) -> Accumulator:
    price = trade["price"]
    acc[0] += 1
    acc[1] += trade["qty"]
    acc[2] += price
    if price < acc[3]:  # noqa: PLR1730 - a comparison costs less than a min() call per record
        acc[3] = price
    if price > acc[4]:  # noqa: PLR1730
        acc[4] = price
    return acc


def _merge(left: Accumulator, right: Accumulator) -> Accumulator:
    return [
        left[0] + right[0],
        left[1] + right[1],
        left[2] + right[2],
        min(left[3], right[3]),
        max(left[4], right[4]),
    ]
