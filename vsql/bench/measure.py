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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pyarrow as pa

from vsql.bench import references
from vsql.bench.workloads import InputKind, Workload, workload
from vsql.datagen import EventSpec, generate, to_ndjson
from vsql.engine.pipeline import Pipeline
from vsql.engine.sql.statements import compile_query
from vsql.io.formats.json import JsonDecoder

__all__ = [
    "Measurement",
    "generated_trades",
    "measure",
    "measure_reference",
    "peak_in_child",
    "peak_rss_mb",
    "run_streaming",
    "timed_passes",
]

BATCH_ROWS = 65_536

MIN_TIMED_S = 0.5
"""A timed in-memory run passes over its records again (with a fresh engine) until it has run
this long: one pass of a fast workload (about 0.02 s for ``select_where`` over 1M records) is too
short to time on a shared machine."""


@dataclass(frozen=True)
class Measurement:
    """One timed run; ``peak_state_slots`` is None when the engine's state was not observed."""

    records: int
    seconds: float
    batch_latency_ms: tuple[float, float, float]
    peak_state_slots: int | None = None

    @property
    def records_per_s(self) -> float:
        return self.records / self.seconds if self.seconds else float("inf")

    @property
    def us_per_record(self) -> float:
        return 1e6 * self.seconds / self.records if self.records else 0.0


class _Engine:
    """A workload's engine path: the JSON decoder (NDJSON inputs), then the query's pipeline
    (absent for decode-only workloads), noting the most state slots held after any batch."""

    def __init__(self, work: Workload) -> None:
        plan = compile_query(work.sql) if work.sql is not None else None
        self._pipeline = Pipeline(plan) if plan is not None else None
        self._decoder = None
        if work.input is InputKind.NDJSON:
            self._decoder = JsonDecoder(projection=plan.input_columns if plan is not None else None)
        self.peak_state_slots = 0

    def feed(self, item: pa.RecordBatch | bytes) -> None:
        """Decode (when NDJSON) and process one input batch."""
        batch = self._decoder.decode_block(item).batch if self._decoder is not None else item
        if self._pipeline is not None:
            self._pipeline.process(batch)
            self.peak_state_slots = max(self.peak_state_slots, self._pipeline.metrics.state_slots)

    def finish(self) -> None:
        """End of input: every open window closes."""
        if self._pipeline is not None:
            self._pipeline.finish()


def generated_trades(work: Workload, records: int) -> Iterator[pa.RecordBatch]:
    """The seeded trades every run of ``work`` over ``records`` reads, in batches of ``BATCH_ROWS``."""
    return generate(EventSpec(kind="trades", count=records, keys=work.keys, seed=7), batch_rows=BATCH_ROWS)


def _inputs(work: Workload, records: int) -> list[pa.RecordBatch] | list[bytes]:
    batches = list(generated_trades(work, records))
    if work.input is InputKind.NDJSON:
        return [to_ndjson(batch) for batch in batches]
    return batches


def timed_passes(one_pass: Callable[[], float], min_seconds: float) -> tuple[int, float]:
    """Call ``one_pass`` (it returns the seconds it timed) until the passes add up to
    ``min_seconds``, once at least: (passes, seconds)."""
    passes, seconds = 0, 0.0
    while passes == 0 or seconds < min_seconds:
        seconds += one_pass()
        passes += 1
    return passes, seconds


def measure(work: Workload, records: int, *, min_seconds: float = MIN_TIMED_S) -> Measurement:
    """Run ``work`` over ``records`` generated trades and time it, in as many passes as it takes
    to run ``min_seconds`` (one at least)."""
    inputs = _inputs(work, records)
    latencies: list[float] = []
    peak_state_slots = 0

    def one_pass() -> float:
        nonlocal peak_state_slots
        engine = _Engine(work)
        started = time.perf_counter()
        for item in inputs:
            begin = time.perf_counter()
            engine.feed(item)
            latencies.append(time.perf_counter() - begin)
        engine.finish()
        seconds = time.perf_counter() - started
        peak_state_slots = max(peak_state_slots, engine.peak_state_slots)
        return seconds

    passes, seconds = timed_passes(one_pass, min_seconds)
    p50, p95, p99 = (1e3 * float(np.percentile(latencies, q)) for q in (50, 95, 99))
    return Measurement(
        records=passes * records,
        seconds=seconds,
        batch_latency_ms=(p50, p95, p99),
        peak_state_slots=peak_state_slots,
    )


def measure_reference(work: Workload, records: int, *, min_seconds: float = MIN_TIMED_S) -> Measurement:
    """Time the per-record Python loop ``work.reference`` on the same records, in as many passes
    as it takes to run ``min_seconds`` (one at least)."""
    batches = list(generated_trades(work, records))
    if work.reference == "json_loop":
        lines = [line for batch in batches for line in to_ndjson(batch).splitlines()]
        loop = partial(references.json_loop, lines)
    else:
        dicts = [row for batch in batches for row in batch.to_pylist()]
        loop = partial(references.dict_loop, dicts)

    def one_pass() -> float:
        started = time.perf_counter()
        loop()
        return time.perf_counter() - started

    passes, seconds = timed_passes(one_pass, min_seconds)
    return Measurement(records=passes * records, seconds=seconds, batch_latency_ms=(0, 0, 0))


def peak_rss_mb() -> float:
    """This process's peak resident set size, in MiB.

    On Linux it is the address space's high-water mark (``VmHWM``): ``ru_maxrss`` survives
    ``exec``, so a child started by a big parent would report the parent's peak as its own.
    """
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(kib) / 1024


WARM_UP_BATCHES = 4
"""Batches a throwaway engine runs before ``run_streaming`` measures: the allocators' arenas grow
over the first few batches whatever the workload, which would show as growth between N/10
records (two batches at 1M) and N."""


def run_streaming(name: str, records: int) -> dict[str, float]:
    """Run a workload with inputs generated batch by batch (memory holds only the engine's state),
    after a throwaway warm-up run of ``WARM_UP_BATCHES``; returns this process's peak RSS (MiB,
    warm-up included, so only growth beyond it counts) and the most state slots held at once."""
    work = workload(name)
    _stream_through(_Engine(work), work, WARM_UP_BATCHES * BATCH_ROWS)
    engine = _Engine(work)
    _stream_through(engine, work, records)
    return {"peak_rss_mb": peak_rss_mb(), "peak_state_slots": engine.peak_state_slots}


def _stream_through(engine: _Engine, work: Workload, records: int) -> None:
    for batch in generated_trades(work, records):
        engine.feed(to_ndjson(batch) if work.input is InputKind.NDJSON else batch)
    engine.finish()


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
