"""Scaling benchmark of partition-parallel workers: the end-to-end tumbling query (the
``kafka_e2e`` workload's) over an 8-partition topic on the embedded broker, run by 1 and by 2
worker processes (``vsql run``), and the speed-up of 2 over 1.

Run ``python -m vsql.bench.workers --records 1200000 --repeat 3``; ``vsql bench run kafka_workers``
reports the same measurement as a workload whose reference is the 1-worker run. Each run is a
bounded ``CREATE STREAM ... AS SELECT`` keyed by the message key (no shuffle) in a fresh consumer
group. Its rate is the steady state's: the rows each worker read after its last assignment change,
summed, over the time from the first (lower bound) or the last (upper bound) of those changes to
the last row read: a worker that settled first worked alone for a moment. Process start-up and the
joining of the group (seconds on the embedded broker, whose rebalances are slow) are left out; the
replay from the committed offsets after the last change is in. The wall time of each run, start-up
included, is reported too.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from vsql.bench.workloads import WORKLOADS
from vsql.datagen import EventSpec, generate
from vsql.io.kafka.brokers import Broker, EmbeddedBroker
from vsql.io.kafka.producer import JsonProducer
from vsql.runtime.workers import run_workers

__all__ = ["PARTITIONS", "ScalingResult", "SteadyRun", "main", "measure_scaling", "time_workers"]

TOPIC = "trades"
PARTITIONS = 8
_runs = itertools.count()


@dataclass(frozen=True)
class SteadyRun:
    """One bounded run by workers: the rows read after the last assignment changes, the seconds
    from the first and from the last of those changes to the last row, and the wall seconds."""

    records: int
    from_first_s: float
    from_last_s: float
    wall_s: float

    @property
    def is_steady(self) -> bool:
        """False when the group settled only after the rows were read (a tiny run)."""
        return self.records > 0 and self.from_first_s > 0

    @property
    def rates(self) -> tuple[float, float]:
        """Lower and upper bounds of the steady records/s (0 when not steady)."""
        if not self.is_steady:
            return 0.0, 0.0
        low = self.records / self.from_first_s
        return low, self.records / self.from_last_s if self.from_last_s > 0 else low


@dataclass(frozen=True)
class ScalingResult:
    """Steady records per second of each worker count as (lower, upper) bounds (best of the
    repeats), and wall times in seconds (start-up included)."""

    records: int
    rates: dict[int, tuple[float, float]]
    wall_s: dict[int, float]

    def speedup(self, workers: int, *, over: int = 1) -> tuple[float, float]:
        """Throughput with ``workers`` workers over throughput with ``over``: (lower, upper)."""
        return self.rates[workers][0] / self.rates[over][0], self.rates[workers][1] / self.rates[over][1]


def _script(sql: str, topic: str, sink: str) -> str:
    keyed = sql.replace("FROM trades", f"FROM {topic}").replace(
        "SELECT", f"CREATE STREAM {sink} AS SELECT", 1
    )
    return f"SET 'scan.bounded.mode' = 'latest-offset';\nSET '{topic}.key' = 'symbol';\n{keyed}"


def produce_trades(broker: Broker, topic: str, records: int) -> None:
    """Create ``topic`` with ``PARTITIONS`` partitions and fill it with trades keyed by symbol."""
    broker.create_topic(topic, PARTITIONS)
    producer = JsonProducer(broker.client_config)
    for batch in generate(EventSpec(count=records, keys=100, seed=7, start_ms=1_000)):
        producer.produce_batch(topic, batch, key_column="symbol")
    producer.flush()


def time_workers(broker: Broker, topic: str, *, workers: int) -> SteadyRun:
    """Run the ``kafka_e2e`` query over all of ``topic`` with ``workers`` worker processes in a
    fresh consumer group and time it (see the module docstring).

    Raises:
        RuntimeError: a worker failed.
    """
    number = next(_runs)
    with tempfile.TemporaryDirectory() as folder:
        stats_dir = Path(folder)
        began = time.perf_counter()
        code = run_workers(
            _script(WORKLOADS["kafka_e2e"].sql or "", topic, f"scaling_{number}"),
            broker=broker,
            workers=workers,
            group_id=f"scaling-{number}",
            out=io.StringIO(),
            stats_dir=stats_dir,
        )
        wall_s = time.perf_counter() - began
        if code != 0:
            raise RuntimeError(f"a worker failed (exit code {code})")
        stats = [json.loads(path.read_text()) for path in stats_dir.glob("*.json")]
    settled = [entry["settled_s"] for entry in stats if entry["settled_s"] is not None]
    last = max(entry["last_record_s"] or 0.0 for entry in stats)
    steady = sum(entry["records_in"] - entry["records_at_settled"] for entry in stats)
    return SteadyRun(steady, last - min(settled), last - max(settled), wall_s)


def measure_scaling(records: int, *, repeat: int = 1, worker_counts: Sequence[int] = (1, 2)) -> ScalingResult:
    """Produce ``records`` trades to a fresh embedded broker and time the query per worker count
    (runs interleaved, best of ``repeat``)."""
    with EmbeddedBroker() as broker:
        produce_trades(broker, TOPIC, records)
        rates: dict[int, tuple[float, float]] = {}
        walls: dict[int, float] = {}
        for _ in range(repeat):
            for workers in worker_counts:
                run = time_workers(broker, TOPIC, workers=workers)
                best, measured = rates.get(workers, (0.0, 0.0)), run.rates
                rates[workers] = (max(best[0], measured[0]), max(best[1], measured[1]))
                walls[workers] = min(walls.get(workers, float("inf")), run.wall_s)
    return ScalingResult(records, rates, walls)


def main(argv: Sequence[str] | None = None, *, stream: TextIO = sys.stdout) -> int:
    """``python -m vsql.bench.workers``: print each worker count's rate and the speed-up."""
    parser = argparse.ArgumentParser(prog="python -m vsql.bench.workers", description=__doc__)
    parser.add_argument("--records", type=int, default=1_200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    result = measure_scaling(args.records, repeat=args.repeat)
    for workers, (low, high) in sorted(result.rates.items()):
        wall_s = result.wall_s[workers]
        stream.write(f"workers={workers}  {low:,.0f} to {high:,.0f} records/s  (wall {wall_s:.1f} s)\n")
    low, high = result.speedup(2)
    stream.write(f"speed-up 2 workers / 1 worker: {low:.2f}x to {high:.2f}x\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
