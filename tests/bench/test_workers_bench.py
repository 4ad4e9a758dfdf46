"""The scaling workload: the end-to-end query in worker processes, related to one worker."""

from __future__ import annotations

import pytest

from vsql.bench.runner import run_workloads
from vsql.bench.workers import SteadyRun
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


@pytest.mark.parametrize(
    ("run", "rates"),
    [
        (SteadyRun(records=1_000, from_first_s=2.0, from_last_s=1.0, wall_s=9.0), (500.0, 1_000.0)),
        (SteadyRun(records=1_000, from_first_s=2.0, from_last_s=-0.5, wall_s=9.0), (500.0, 500.0)),
        (SteadyRun(records=1_000, from_first_s=-1.0, from_last_s=-2.0, wall_s=9.0), (0.0, 0.0)),
        (SteadyRun(records=0, from_first_s=2.0, from_last_s=1.0, wall_s=9.0), (0.0, 0.0)),
    ],
    ids=["steady", "last-change-after-the-rows", "settled-after-the-rows", "nothing-after-settling"],
)
def test_steady_rates_bound_the_throughput_after_the_last_assignment_change(
    run: SteadyRun, rates: tuple[float, float]
) -> None:
    assert run.rates == rates
    assert run.is_steady == (rates != (0.0, 0.0))
