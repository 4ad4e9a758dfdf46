"""The scaling workload: the end-to-end query in worker processes, related to one worker."""

from __future__ import annotations

import pytest

from vsql.bench.runner import run_workloads
from vsql.bench.workers import SteadyRun, parallel_phase
from vsql.bench.workloads import DEFAULT_WORKLOADS, ONE_WORKER, WORKLOADS


def test_kafka_workers_is_registered_against_one_worker_and_not_run_by_default() -> None:
    work = WORKLOADS["kafka_workers"]
    assert (work.workers, work.reference) == (2, ONE_WORKER)
    assert "kafka_workers" not in DEFAULT_WORKLOADS


def test_tiny_run_relates_two_workers_to_one() -> None:
    (result,) = run_workloads(["kafka_workers"], records=20_000, repeat=1).results
    assert result.reference == ONE_WORKER
    assert result.records_per_s > 0 and result.reference_records_per_s > 0
    assert result.normalized == pytest.approx(result.records_per_s / result.reference_records_per_s)


def _worker(
    settles: list[float], progress: list[tuple[float, int]], *, last_s: float | None, records: int
) -> dict[str, object]:
    """A worker's counters as ``WorkerStats`` writes them."""
    first = progress[0][0] if progress else None
    return {
        "settles": settles,
        "progress": progress,
        "first_record_s": first,
        "last_record_s": last_s,
        "counters": {"records_in": records},
    }


EARLY = _worker([0.0, 2.0], [(0.0, 0), (1.0, 100), (2.0, 200), (3.0, 300)], last_s=4.0, records=400)
"""Read alone from 0 s, rebalanced at 2 s, read its last row at 4 s."""
LATE = _worker([2.0], [(2.0, 0), (3.0, 150), (4.0, 300)], last_s=5.0, records=450)
"""Joined at 2 s, read its last row at 5 s."""


@pytest.mark.parametrize(
    ("workers", "phase"),
    [
        ([EARLY, LATE], (200 + 300, 2.0)),
        ([EARLY, {**LATE, "settles": [2.0, 6.0]}], (200 + 300, 2.0)),
        ([EARLY], (400 - 200, 2.0)),
        ([EARLY, _worker([2.0], [], last_s=None, records=0)], (200, 2.0)),
        ([_worker([5.0], [], last_s=None, records=0)], (0, 0.0)),
        ([EARLY, {**LATE, "settles": [4.5]}], (0, 0.0)),
    ],
    ids=[
        "from-the-last-join-to-the-first-finish",
        "a-rebalance-after-the-last-row-is-ignored",
        "one-worker-from-its-last-rebalance",
        "an-idle-worker-does-not-count",
        "nobody-read",
        "never-all-reading-at-once",
    ],
)
def test_parallel_phase_spans_the_time_every_worker_reads_with_its_final_assignment(
    workers: list[dict[str, object]], phase: tuple[int, float]
) -> None:
    assert parallel_phase(workers) == phase
    run = SteadyRun(*phase, wall_s=9.0)
    assert run.is_steady == (phase[0] > 0)
    assert run.rate == (phase[0] / phase[1] if phase[1] else 0.0)
