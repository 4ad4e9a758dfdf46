"""Measuring one workload: throughput, per-record cost, batch latency, peak memory and growth.

Inputs are generated and (for NDJSON workloads) encoded before the clock starts, so the figures
are the engine's (plus decoding) alone. Memory is measured in a fresh child process per record
count, since a process's peak RSS never goes down.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from vsql.bench import references
from vsql.bench.workloads import InputKind, Workload, workload
from vsql.datagen import EventSpec, generate, to_ndjson
from vsql.engine.pipeline import Pipeline
from vsql.engine.sql.statements import compile_query
from vsql.io.formats.json import JsonDecoder

__all__ = ["Measurement", "measure", "measure_reference", "peak_rss_mb", "run_streaming"]

BATCH_ROWS = 65_536


@dataclass(frozen=True)
class Measurement:
    """One timed run."""

    records: int
    seconds: float
    batch_latency_ms: tuple[float, float, float]

    @property
    def records_per_s(self) -> float:
        return self.records / self.seconds if self.seconds else float("inf")

    @property
    def us_per_record(self) -> float:
        return 1e6 * self.seconds / self.records if self.records else 0.0


def _spec(work: Workload, records: int) -> EventSpec:
    return EventSpec(kind="trades", count=records, keys=work.keys, seed=7)


def _inputs(work: Workload, records: int) -> list[pa.RecordBatch] | list[bytes]:
    batches = list(generate(_spec(work, records), batch_rows=BATCH_ROWS))
    if work.input is InputKind.NDJSON:
        return [to_ndjson(batch) for batch in batches]
    return batches


def measure(work: Workload, records: int) -> Measurement:
    """Run ``work`` over ``records`` generated trades and time it."""
    inputs = _inputs(work, records)
    plan = compile_query(work.sql)
    pipeline = Pipeline(plan)
    decoder = JsonDecoder(projection=plan.input_columns) if work.input is InputKind.NDJSON else None
    latencies = []
    started = time.perf_counter()
    for item in inputs:
        begin = time.perf_counter()
        batch = decoder.decode(item).batch if decoder is not None else item
        pipeline.process(batch)
        latencies.append(time.perf_counter() - begin)
    pipeline.finish()
    seconds = time.perf_counter() - started
    p50, p95, p99 = (1e3 * float(np.percentile(latencies, q)) for q in (50, 95, 99))
    return Measurement(records=records, seconds=seconds, batch_latency_ms=(p50, p95, p99))


def measure_reference(work: Workload, records: int) -> Measurement:
    """Time the per-record Python loop ``work.reference`` on the same records."""
    batches = list(generate(_spec(work, records), batch_rows=BATCH_ROWS))
    if work.reference == "json_loop":
        lines = [line for batch in batches for line in to_ndjson(batch).splitlines()]
        started = time.perf_counter()
        references.json_loop(lines)
    else:
        dicts = [row for batch in batches for row in batch.to_pylist()]
        started = time.perf_counter()
        references.dict_loop(dicts)
    return Measurement(records=records, seconds=time.perf_counter() - started, batch_latency_ms=(0, 0, 0))


def peak_rss_mb() -> float:
    """This process's peak resident set size, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_streaming(name: str, records: int) -> dict[str, float]:
    """Run a workload with inputs generated batch by batch (memory holds only the engine's state),
    returning peak RSS and the state slots left open."""
    work = workload(name)
    plan = compile_query(work.sql)
    pipeline = Pipeline(plan)
    decoder = JsonDecoder(projection=plan.input_columns) if work.input is InputKind.NDJSON else None
    for batch in generate(_spec(work, records), batch_rows=BATCH_ROWS):
        pipeline.process(decoder.decode(to_ndjson(batch)).batch if decoder is not None else batch)
    slots = pipeline.metrics.state_slots
    pipeline.finish()
    return {"peak_rss_mb": peak_rss_mb(), "state_slots": slots}


def peak_in_child(name: str, records: int) -> dict[str, float]:
    """``run_streaming`` in a fresh interpreter."""
    completed = subprocess.run(
        [sys.executable, "-m", "vsql.bench.measure", name, str(records)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(completed.stdout)


if __name__ == "__main__":
    sys.stdout.write(json.dumps(run_streaming(sys.argv[1], int(sys.argv[2]))) + "\n")
