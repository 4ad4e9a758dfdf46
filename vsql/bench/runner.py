"""Runs workloads with repeats and relates each to its reference loop measured in the same run."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from contextlib import ExitStack
from typing import TYPE_CHECKING

from vsql.bench.measure import Measurement, measure, measure_reference, peak_in_child
from vsql.bench.result import BenchRun, Machine, WorkloadResult
from vsql.bench.workloads import InputKind, Workload, workload

if TYPE_CHECKING:
    from vsql.bench.kafka import KafkaInputs

__all__ = ["run_workloads"]


def _median(runs: list[Measurement]) -> tuple[Measurement, float]:
    rates = [run.records_per_s for run in runs]
    middle = statistics.median(rates)
    spread = (max(rates) - min(rates)) / middle if middle else 0.0
    return min(runs, key=lambda run: abs(run.records_per_s - middle)), spread


def run_workloads(
    names: list[str],
    *,
    records: int,
    repeat: int = 3,
    memory: bool = False,
    progress: Callable[[str], None] | None = None,
) -> BenchRun:
    """Measure ``names`` (after one warm-up each) and their references.

    Args:
        names: workload names (see ``vsql.bench.workloads.WORKLOADS``).
        records: records per run.
        repeat: timed runs per workload; the median is reported, with the relative spread.
        memory: also measure peak RSS at ``records // 10`` and at ``records`` in fresh child
            processes (not for Kafka workloads, whose inputs live in this process's broker).
        progress: called with the name of each workload before it runs.

    Returns:
        The run: results in the order of ``names``, with this machine's description.
    """
    works = [workload(name) for name in names]
    references: dict[str, float] = {}
    results = []
    with ExitStack() as stack:
        kafka = None
        if any(work.input is InputKind.KAFKA for work in works):
            from vsql.bench.kafka import KafkaInputs  # noqa: PLC0415 - starts a broker only when needed

            kafka = stack.enter_context(KafkaInputs())
        for work in works:
            if progress is not None:
                progress(work.name)
            runs = _Runs(work, records=records, repeat=repeat, kafka=kafka)
            runs.once(min(records, 50_000))
            chosen, spread = _median([runs.once(records) for _ in range(repeat)])
            if work.reference not in references:
                references[work.reference] = runs.reference_rate()
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
                    peak_state_slots=chosen.peak_state_slots,
                    memory_points=_memory_points(work, records) if memory else (),
                )
            )
    return BenchRun(results=tuple(results), machine=Machine.current(), records=records, repeat=repeat)


def _memory_points(work: Workload, records: int) -> tuple[tuple[int, float], ...]:
    """Peak RSS of fresh processes running ``work`` over N/10 and N records; none for Kafka."""
    if work.input is InputKind.KAFKA:
        return ()
    return tuple(
        (count, peak_in_child(work.name, count)["peak_rss_mb"]) for count in (max(records // 10, 1), records)
    )


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
        if self._work.input is InputKind.KAFKA:
            assert self._kafka is not None
            measured = [
                self._kafka.measure_reference(self._work.reference, self._records) for _ in range(runs)
            ]
        else:
            measured = [measure_reference(self._work, self._records) for _ in range(runs)]
        return statistics.median(run.records_per_s for run in measured)
