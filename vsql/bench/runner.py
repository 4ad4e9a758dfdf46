"""Runs workloads with repeats and relates each to its reference loop measured in the same run."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from vsql.bench.measure import Measurement, measure, measure_reference, peak_in_child
from vsql.bench.workloads import Workload, workload

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
    references: dict[str, float] = {}
    results = []
    for name in names:
        work = workload(name)
        measure(work, min(records, 50_000))
        chosen, spread = _median([measure(work, records) for _ in range(repeat)])
        if work.reference not in references:
            references[work.reference] = _reference_rate(work, records, repeat)
        peak = growth = None
        if memory:
            small = peak_in_child(name, max(records // 10, 1))["peak_rss_mb"]
            peak = peak_in_child(name, records)["peak_rss_mb"]
            growth = peak / small
        results.append(
            WorkloadResult(
                name=name,
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


def _reference_rate(work: Workload, records: int, repeat: int) -> float:
    runs = [measure_reference(work, records) for _ in range(max(1, min(repeat, 2)))]
    return statistics.median(run.records_per_s for run in runs)
