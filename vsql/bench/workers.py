"""Scaling benchmark of partition-parallel workers: the end-to-end tumbling query (the
``kafka_e2e`` workload's) over an 8-partition topic on the embedded broker, run by 1 and by 2
worker processes (``vsql run``), and the speed-up of 2 over 1.

Run ``python -m vsql.bench.workers --records 1200000 --repeat 3``; ``vsql bench run kafka_workers``
reports the same measurement as a workload whose reference is the 1-worker run. Each run is a
bounded ``CREATE STREAM ... AS SELECT`` keyed by the message key (no shuffle) in a fresh consumer
group. Its rate is the group's in its parallel phase: from the moment the last worker got the
assignment it kept while reading (its last assignment change before its last row) until the
first worker read its last row, the rows all workers read in that span (from their progress
samples) over its length. Process start-up, joining the group (seconds on the embedded broker,
whose rebalances are slow), a worker reading alone before the others joined and the tail where
some have finished are left out; replays after a rebalance inside the span are in. The wall time
of each run, start-up included, is reported too.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from vsql.bench.workloads import WORKLOADS
from vsql.datagen import EventSpec, generate
from vsql.io.kafka.brokers import Broker, EmbeddedBroker
from vsql.io.kafka.producer import JsonProducer
from vsql.runtime.workers import run_workers

__all__ = [
    "PARTITIONS",
    "ScalingResult",
    "SteadyRun",
    "main",
    "measure_scaling",
    "parallel_phase",
    "produce_trades",
    "time_workers",
]

TOPIC = "trades"
PARTITIONS = 8
_runs = itertools.count()


@dataclass(frozen=True)
class SteadyRun:
    """One bounded run by workers: the rows read in its parallel phase, the phase's length in
    seconds, and the whole run's wall seconds."""

    records: int
    seconds: float
    wall_s: float

    @property
    def is_steady(self) -> bool:
        """False when no worker read while every other was settled (a tiny run)."""
        return self.records > 0 and self.seconds > 0

    @property
    def rate(self) -> float:
        """Records/s of the parallel phase (0 when not steady)."""
        return self.records / self.seconds if self.is_steady else 0.0


@dataclass(frozen=True)
class ScalingResult:
    """Records per second of each worker count in the parallel phase, (best, median) of the
    repeats, and the best wall times in seconds (start-up included)."""

    records: int
    rates: dict[int, tuple[float, float]]
    wall_s: dict[int, float]

    def speedup(self, workers: int, *, over: int = 1) -> tuple[float, float]:
        """Throughput with ``workers`` workers over throughput with ``over``: (best, median)."""
        return self.rates[workers][0] / self.rates[over][0], self.rates[workers][1] / self.rates[over][1]


def parallel_phase(workers: Sequence[dict[str, Any]]) -> tuple[int, float]:
    """The rows read and the seconds of a run's parallel phase (see the module docstring), from
    the workers' counters as ``WorkerStats`` writes them; (0, 0.0) when it has none."""
    readers = [entry for entry in workers if entry["last_record_s"] is not None]
    if not readers:
        return 0, 0.0
    start_s = max(_last_settle(entry) for entry in readers)
    end_s = min(entry["last_record_s"] for entry in readers)
    if end_s <= start_s:
        return 0, 0.0
    rows = sum(_records_at(entry, end_s) - _records_at(entry, start_s) for entry in readers)
    return round(rows), end_s - start_s


def _last_settle(entry: dict[str, Any]) -> float:
    before = [moment for moment in entry["settles"] if moment <= entry["last_record_s"]]
    return max(before, default=entry["first_record_s"])


def _records_at(entry: dict[str, Any], moment_s: float) -> float:
    """A worker's records in at ``moment_s``, interpolated between its progress samples (its
    final count holds from its last row on)."""
    last_s = entry["last_record_s"]
    samples = sorted((time_s, count) for time_s, count in entry["progress"] if time_s < last_s)
    samples.append((last_s, entry["counters"]["records_in"]))
    times, counts = zip(*samples, strict=True)
    return float(np.interp(moment_s, times, counts))


def _script(sql: str, topic: str, sink: str) -> str:
    query = sql.replace("FROM trades", f"FROM {topic}")
    stream = query.replace("SELECT", f"CREATE STREAM {sink} AS SELECT", 1)
    return f"SET 'scan.bounded.mode' = 'latest-offset';\nSET '{topic}.key' = 'symbol';\n{stream}"


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
    records, seconds = parallel_phase(stats)
    return SteadyRun(records, seconds, wall_s)


def measure_scaling(records: int, *, repeat: int = 1, worker_counts: Sequence[int] = (1, 2)) -> ScalingResult:
    """Produce ``records`` trades to a fresh embedded broker and time the query per worker count
    (runs interleaved, best of ``repeat``)."""
    with EmbeddedBroker() as broker:
        produce_trades(broker, TOPIC, records)
        runs: dict[int, list[SteadyRun]] = {workers: [] for workers in worker_counts}
        for _ in range(repeat):
            for workers in worker_counts:
                runs[workers].append(time_workers(broker, TOPIC, workers=workers))
    rates = {
        workers: (max(run.rate for run in done), statistics.median(run.rate for run in done))
        for workers, done in runs.items()
    }
    walls = {workers: min(run.wall_s for run in done) for workers, done in runs.items()}
    return ScalingResult(records, rates, walls)


def main(argv: Sequence[str] | None = None, *, stream: TextIO = sys.stdout) -> int:
    """``python -m vsql.bench.workers``: print each worker count's rate and the speed-up."""
    parser = argparse.ArgumentParser(prog="python -m vsql.bench.workers", description=__doc__)
    parser.add_argument("--records", type=int, default=1_200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    result = measure_scaling(args.records, repeat=args.repeat)
    for workers, (best, median) in sorted(result.rates.items()):
        wall_s = result.wall_s[workers]
        stream.write(
            f"workers={workers}  best {best:,.0f}  median {median:,.0f} records/s  (wall {wall_s:.1f} s)\n"
        )
    best, median = result.speedup(2)
    stream.write(f"speed-up 2 workers / 1 worker: best {best:.2f}x, median {median:.2f}x\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
