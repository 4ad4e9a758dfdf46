"""Runs workloads with repeats and relates each to its reference loop measured in the same run."""

from __future__ import annotations

import statistics
from contextlib import ExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vsql.bench.measure import Measurement, measure, measure_reference, peak_in_child
from vsql.bench.workloads import BARE_CONSUME, InputKind, Workload, workload

if TYPE_CHECKING:
    from vsql.bench.kafka import KafkaInputs

__all__ = ["WorkloadResult", "run_workloads"]


@dataclass(frozen=True)
class WorkloadResult:
    """A workload's figures: medians over the repeats, and its reference loop's throughput."""

    name: str
    records: int
    records_per_s: float
    spread: float
    us_per_record: float
    batch_latency_ms: tuple[float, float, float]
    reference: str
    reference_records_per_s: float
    peak_rss_mb: float | None = None
    memory_growth: float | None = None

    @property
    def normalized(self) -> float:
        """Throughput over the reference loop's, both measured in this run."""
        return self.records_per_s / self.reference_records_per_s


def _median(runs: list[Measurement]) -> tuple[Measurement, float]:
    rates = [run.records_per_s for run in runs]
    middle = statistics.median(rates)
    spread = (max(rates) - min(rates)) / middle if middle else 0.0
    return min(runs, key=lambda run: abs(run.records_per_s - middle)), spread


def run_workloads(
    names: list[str], *, records: int, repeat: int = 3, memory: bool = False
) -> list[WorkloadResult]:
    """Measure ``names`` (after one warm-up each) and their references.

    Args:
        names: workload names (see ``vsql.bench.workloads.WORKLOADS``).
        records: records per run.
        repeat: timed runs per workload; the median is reported, with the relative spread.
        memory: also measure peak RSS at ``records`` and at ``records // 10`` in child processes.
    """
    works = [workload(name) for name in names]
    references: dict[str, float] = {}
    with ExitStack() as stack:
        kafka = None
        if any(work.input is InputKind.KAFKA for work in works):
            from vsql.bench.kafka import KafkaInputs  # noqa: PLC0415 - starts a broker only when needed

            kafka = stack.enter_context(KafkaInputs())
        results = []
        for work in works:
            runs = _Runs(work, records=records, repeat=repeat, kafka=kafka)
            runs.once(min(records, 50_000))
            chosen, spread = _median([runs.once(records) for _ in range(repeat)])
            if work.reference not in references:
                references[work.reference] = runs.reference_rate()
            peak = growth = None
            if memory and work.input is not InputKind.KAFKA:
                small = peak_in_child(work.name, max(records // 10, 1))["peak_rss_mb"]
                peak = peak_in_child(work.name, records)["peak_rss_mb"]
                growth = peak / small
            results.append(
                WorkloadResult(
                    name=work.name,
                    records=records,
                    records_per_s=chosen.records_per_s,
                    spread=spread,
                    us_per_record=chosen.us_per_record,
                    batch_latency_ms=chosen.batch_latency_ms,
                    reference=work.reference,
                    reference_records_per_s=references[work.reference],
                    peak_rss_mb=peak,
                    memory_growth=growth,
                )
            )
    return results


class _Runs:
    """Timed runs of one workload and of its reference, in-process or from the embedded broker."""

    def __init__(self, work: Workload, *, records: int, repeat: int, kafka: KafkaInputs | None) -> None:
        self._work = work
        self._records = records
        self._repeat = repeat
        self._kafka = kafka

    def once(self, records: int) -> Measurement:
        if self._work.input is InputKind.KAFKA:
            assert self._kafka is not None
            return self._kafka.measure(self._work, records)
        return measure(self._work, records)

    def reference_rate(self) -> float:
        """The reference loop's records/s: the median of up to two runs."""
        runs = max(1, min(self._repeat, 2))
        if self._work.reference == BARE_CONSUME:
            assert self._kafka is not None
            measured = [self._kafka.measure_bare(self._records) for _ in range(runs)]
        else:
            measured = [measure_reference(self._work, self._records) for _ in range(runs)]
        return statistics.median(run.records_per_s for run in measured)
