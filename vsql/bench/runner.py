"""Runs workloads with repeats and relates each to its reference loop measured in the same run.

Each repeat times the reference loop and then the workload, one right after the other: a machine
that slows down or speeds up during a long bench (another job, thermal throttling) moves both
figures of a pair together, so the normalized figure and its spread see the workload's own
variance, not the machine's drift.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vsql.bench.measure import MIN_TIMED_S, Measurement, measure, measure_reference, peak_in_child
from vsql.bench.result import BenchRun, Machine, WorkloadResult
from vsql.bench.workloads import InputKind, Workload, workload

if TYPE_CHECKING:
    from vsql.bench.kafka import KafkaInputs
    from vsql.bench.process import ProcessInputs

__all__ = ["PairedRuns", "run_workloads", "summarize_pairs"]


@dataclass(frozen=True)
class PairedRuns:
    """A workload's repeats, each timed right after a run of its reference loop.

    Attributes:
        chosen: the workload run of median throughput.
        reference_records_per_s: the median throughput of the reference runs.
        spread: (max - min) / median of the per-pair ratios workload / reference; 0 with one pair.
    """

    chosen: Measurement
    reference_records_per_s: float
    spread: float


def summarize_pairs(pairs: list[tuple[Measurement, Measurement]]) -> PairedRuns:
    """Medians and spread of ``(workload run, reference run)`` pairs."""
    rates = [work.records_per_s for work, _ in pairs]
    middle = statistics.median(rates)
    ratios = [work.records_per_s / reference.records_per_s for work, reference in pairs]
    middle_ratio = statistics.median(ratios)
    return PairedRuns(
        chosen=min((work for work, _ in pairs), key=lambda run: abs(run.records_per_s - middle)),
        reference_records_per_s=statistics.median(reference.records_per_s for _, reference in pairs),
        spread=(max(ratios) - min(ratios)) / middle_ratio if middle_ratio else 0.0,
    )


def run_workloads(
    names: list[str],
    *,
    records: int,
    repeat: int = 3,
    memory: bool = False,
    min_seconds: float = MIN_TIMED_S,
    progress: Callable[[str], None] | None = None,
) -> BenchRun:
    """Measure ``names`` (after one warm-up each), interleaved with their reference loops.

    Args:
        names: workload names (see ``vsql.bench.workloads.WORKLOADS``).
        records: records per run.
        repeat: timed runs per workload, each right after a run of its reference loop; the
            medians are reported, with the relative spread of the per-pair ratios.
        memory: also measure peak RSS at ``records // 10`` and at ``records`` in fresh child
            processes (only for in-process workloads: Kafka ones' inputs live in this process's
            broker, whole-process ones are child processes already).
        min_seconds: an in-memory run passes over its records again until it has run this
            long (``MIN_TIMED_S``; 0 for one pass, as the CI smoke run does).
        progress: called with the name of each workload before it runs.

    Returns:
        The run: results in the order of ``names``, with this machine's description.
    """
    works = [workload(name) for name in names]
    results = []
    with ExitStack() as stack:
        kafka = None
        if any(work.input is InputKind.KAFKA for work in works):
            from vsql.bench.kafka import KafkaInputs  # noqa: PLC0415 - starts a broker only when needed

            kafka = stack.enter_context(KafkaInputs())
        files = None
        if any(work.input is InputKind.CLI for work in works):
            from vsql.bench.process import ProcessInputs  # noqa: PLC0415 - only for whole-process workloads

            files = stack.enter_context(ProcessInputs())
        for work in works:
            if progress is not None:
                progress(work.name)
            runs = _Runs(work, kafka=kafka, files=files, min_seconds=min_seconds)
            runs.once(min(records, 50_000))
            paired = summarize_pairs([runs.pair(records) for _ in range(repeat)])
            results.append(
                WorkloadResult(
                    name=work.name,
                    records=records,
                    records_per_s=paired.chosen.records_per_s,
                    spread=paired.spread,
                    us_per_record=paired.chosen.us_per_record,
                    batch_latency_ms=paired.chosen.batch_latency_ms,
                    reference=work.reference,
                    reference_records_per_s=paired.reference_records_per_s,
                    peak_state_slots=paired.chosen.peak_state_slots,
                    memory_points=_memory_points(work, records) if memory else (),
                )
            )
    return BenchRun(results=tuple(results), machine=Machine.current(), records=records, repeat=repeat)


def _memory_points(work: Workload, records: int) -> tuple[tuple[int, float], ...]:
    """Peak RSS of fresh processes running ``work`` over N/10 and N records; none for Kafka and
    whole-process workloads."""
    if work.input in (InputKind.KAFKA, InputKind.CLI):
        return ()
    return tuple(
        (count, peak_in_child(work.name, count)["peak_rss_mb"]) for count in (max(records // 10, 1), records)
    )


class _Runs:
    """Timed runs of one workload and of its reference: in-process, from the embedded broker, or
    as child processes over a file."""

    def __init__(
        self,
        work: Workload,
        *,
        kafka: KafkaInputs | None,
        files: ProcessInputs | None,
        min_seconds: float,
    ) -> None:
        self._work = work
        self._kafka = kafka
        self._files = files
        self._min_seconds = min_seconds

    def once(self, records: int) -> Measurement:
        if self._work.input is InputKind.KAFKA:
            assert self._kafka is not None
            return self._kafka.measure(self._work, records)
        if self._work.input is InputKind.CLI:
            assert self._files is not None
            return self._files.measure(self._work, records, min_seconds=self._min_seconds)
        return measure(self._work, records, min_seconds=self._min_seconds)

    def pair(self, records: int) -> tuple[Measurement, Measurement]:
        """The reference loop, then the workload, timed back to back: (workload run, reference run)."""
        reference = self._reference(records)
        return self.once(records), reference

    def _reference(self, records: int) -> Measurement:
        if self._work.input is InputKind.KAFKA:
            assert self._kafka is not None
            return self._kafka.measure_reference(self._work.reference, records)
        if self._work.input is InputKind.CLI:
            assert self._files is not None
            return self._files.measure_reference(self._work, records, min_seconds=self._min_seconds)
        return measure_reference(self._work, records, min_seconds=self._min_seconds)
