"""Comparing a bench run with a baseline: a pure function over two ``BenchRun`` documents.

Workloads are compared on **normalized** throughput (records/s over the reference loop's records/s,
both measured in the same run), so a baseline taken on another machine still means something.
A workload is a regression only when its normalized figure drops by more than the tolerance
*and* by more than the measured run-to-run spread (the larger of the two runs' spreads): noise a
run itself showed is not a regression. Memory growth above ``MAX_MEMORY_GROWTH`` (peak RSS at N
over N/10, in the current run) also fails. Workloads on one side only are reported, never failed.

Throughput is judged only between runs over the same number of records: normalized figures move
with the record count (warm-up weighs more in a short run, state and memory grow in a long one),
so a run over 20,000 records against a baseline over 1,000,000 could pass or fail on the count
alone. Such a workload gets ``Status.RECORDS_DIFFER`` (not failing, no delta) and
``Comparison.records_warning`` names both counts; its current run's memory growth is still judged,
since that compares the run with itself.

Used by ``vsql bench compare`` and by the dashboard (``vsql tui``)::

    comparison = compare(current, load("main"), Tolerance.parse("10%"))
    for row in comparison.rows:
        row.name, row.status, row.delta_pct
    comparison.is_failing
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Self

from vsql.bench.result import BenchRun, WorkloadResult

__all__ = [
    "DEFAULT_TOLERANCE",
    "MAX_MEMORY_GROWTH",
    "Comparison",
    "Status",
    "Tolerance",
    "WorkloadComparison",
    "compare",
]

MAX_MEMORY_GROWTH = 1.2
"""Peak RSS at N over peak RSS at N/10 above this fails: state should not grow with records."""

DEFAULT_TOLERANCE = "10%"

_PERCENT = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*%?\s*")


@dataclass(frozen=True)
class Tolerance:
    """The relative drop of normalized throughput accepted as noise, e.g. 0.1 for ``10%``."""

    fraction: float

    @classmethod
    def parse(cls, text: str) -> Self:
        """Parse ``"10%"`` (or ``"10"``, also percent) into ``Tolerance(0.1)``.

        Raises:
            ValueError: not a non-negative percentage below 100, with the text and an example.
        """
        match = _PERCENT.fullmatch(text)
        if match is None or float(match.group(1)) >= 100:
            raise ValueError(f"invalid tolerance {text!r}: expected a percentage from 0 to 99, such as 10%")
        return cls(float(match.group(1)) / 100)

    def __str__(self) -> str:
        return f"{100 * self.fraction:g}%"


class Status(Enum):
    """The verdict on one workload; ``is_failing`` ones make ``vsql bench compare`` exit 1."""

    OK = "ok"
    IMPROVEMENT = "improvement"
    REGRESSION = "regression"
    MEMORY_GROWTH = "memory growth"
    MISSING = "missing"
    """In the baseline, not in the current run."""
    NEW = "new"
    """In the current run, not in the baseline."""
    RECORDS_DIFFER = "records differ"
    """Both runs measured it, over different record counts: throughput is not judged."""

    @property
    def is_failing(self) -> bool:
        return self in (Status.REGRESSION, Status.MEMORY_GROWTH)


@dataclass(frozen=True)
class WorkloadComparison:
    """One workload, current against baseline. Figures absent from a side are None.

    Attributes:
        name: the workload.
        status: the verdict (a regression outranks memory growth, which outranks an improvement).
        baseline_records_per_s, current_records_per_s: absolute throughput.
        baseline_normalized, current_normalized: throughput over the reference loop's.
        delta_pct: change of the normalized figure, in percent of the baseline's (-12.5 = 12.5 %
            slower); None unless both sides measured the workload over the same record count.
        noise_pct: the larger run-to-run spread of the two runs, in percent: a change within it is
            not judged; None with the delta.
        baseline_memory_growth, current_memory_growth: peak RSS at N over N/10.
        baseline_records, current_records: records per timed run.
    """

    name: str
    status: Status
    baseline_records_per_s: float | None
    current_records_per_s: float | None
    baseline_normalized: float | None
    current_normalized: float | None
    delta_pct: float | None
    noise_pct: float | None
    baseline_memory_growth: float | None
    current_memory_growth: float | None
    baseline_records: int | None
    current_records: int | None

    @property
    def records_differ(self) -> bool:
        """True when both runs measured the workload, over different record counts."""
        return None not in (self.baseline_records, self.current_records) and (
            self.baseline_records != self.current_records
        )


@dataclass(frozen=True)
class Comparison:
    """A run compared with a baseline: one row per workload of either (baseline order, then new
    ones in run order), the tolerance applied and how the two runs' machines differ."""

    rows: tuple[WorkloadComparison, ...]
    tolerance: Tolerance
    machine_differences: tuple[str, ...]

    @property
    def is_failing(self) -> bool:
        """True when any workload regressed or its memory grew beyond ``MAX_MEMORY_GROWTH``."""
        return any(row.status.is_failing for row in self.rows)

    def records_warning(self) -> str | None:
        """A sentence naming the workloads measured over another record count than the
        baseline's, with both counts; None when every workload of both runs had the same count."""
        groups: dict[tuple[int, int], list[str]] = {}
        for row in self.rows:
            if row.records_differ:
                assert row.current_records is not None and row.baseline_records is not None
                groups.setdefault((row.current_records, row.baseline_records), []).append(row.name)
        if not groups:
            return None
        counts = "; ".join(
            f"{', '.join(names)}: {current:,} records, baseline {baseline:,}"
            for (current, baseline), names in groups.items()
        )
        advice = f"; run with --records {next(iter(groups))[1]}" if len({b for _, b in groups}) == 1 else ""
        return (
            f"measured over another record count than the baseline ({counts}): throughput not judged, "
            f"since normalized figures depend on the record count{advice}"
        )

    def row(self, name: str) -> WorkloadComparison:
        """The row of workload ``name``; raises KeyError when neither run has it."""
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(name)


def _grew(growth: float | None) -> bool:
    return growth is not None and growth > MAX_MEMORY_GROWTH


def _status(delta: float, *, noise: float, tolerance: Tolerance, growth: float | None) -> Status:
    if -delta > tolerance.fraction and -delta > noise:
        return Status.REGRESSION
    if _grew(growth):
        return Status.MEMORY_GROWTH
    if delta > tolerance.fraction and delta > noise:
        return Status.IMPROVEMENT
    return Status.OK


def _row(
    name: str, base: WorkloadResult | None, cur: WorkloadResult | None, tolerance: Tolerance
) -> WorkloadComparison:
    delta = noise = None
    if base is None:
        status = Status.NEW
    elif cur is None:
        status = Status.MISSING
    elif cur.records != base.records:
        status = Status.MEMORY_GROWTH if _grew(cur.memory_growth) else Status.RECORDS_DIFFER
    else:
        delta = cur.normalized / base.normalized - 1
        noise = max(cur.spread, base.spread)
        status = _status(delta, noise=noise, tolerance=tolerance, growth=cur.memory_growth)
    return WorkloadComparison(
        name=name,
        status=status,
        baseline_records_per_s=base.records_per_s if base else None,
        current_records_per_s=cur.records_per_s if cur else None,
        baseline_normalized=base.normalized if base else None,
        current_normalized=cur.normalized if cur else None,
        delta_pct=None if delta is None else 100 * delta,
        noise_pct=None if noise is None else 100 * noise,
        baseline_memory_growth=base.memory_growth if base else None,
        current_memory_growth=cur.memory_growth if cur else None,
        baseline_records=base.records if base else None,
        current_records=cur.records if cur else None,
    )


def compare(current: BenchRun, baseline: BenchRun, tolerance: Tolerance) -> Comparison:
    """Judge ``current`` against ``baseline`` workload by workload; no I/O, no side effects.

    Args:
        current: the run being judged.
        baseline: the run it is judged against (typically ``vsql.bench.baseline.load(NAME)``).
        tolerance: the relative drop of normalized throughput accepted.

    Returns:
        One row per workload in either run, the tolerance, and the machine differences
        (``field: current != baseline``), empty when both runs were measured alike.
    """
    names = baseline.names + [name for name in current.names if baseline.result(name) is None]
    return Comparison(
        rows=tuple(_row(name, baseline.result(name), current.result(name), tolerance) for name in names),
        tolerance=tolerance,
        machine_differences=tuple(current.machine.differences(baseline.machine)),
    )
