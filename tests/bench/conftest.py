"""Factories of synthetic bench results, so comparison and report tests need no timed run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from vsql.bench import baseline
from vsql.bench.result import BenchRun, Machine, WorkloadResult

MACHINE = Machine(system="Linux", arch="x86_64", cpu="Test CPU 3000", cpu_count=4, memory_gib=16.0)

ResultFactory = Callable[..., WorkloadResult]
RunFactory = Callable[..., BenchRun]


@pytest.fixture
def result_factory() -> ResultFactory:
    """``result_factory(name, normalized=2.0, spread=0.02, growth=None, reference_rate=1e6,
    records=100_000)``: a result over ``records`` whose throughput is ``normalized`` times its
    reference's; ``growth`` adds memory points at a tenth of ``records`` and at ``records`` (100 MiB,
    then 100 x growth)."""

    def make(
        name: str,
        *,
        normalized: float = 2.0,
        spread: float = 0.02,
        growth: float | None = None,
        reference_rate: float = 1e6,
        records: int = 100_000,
    ) -> WorkloadResult:
        rate = normalized * reference_rate
        return WorkloadResult(
            name=name,
            records=records,
            records_per_s=rate,
            spread=spread,
            us_per_record=1e6 / rate,
            batch_latency_ms=(1.0, 2.0, 3.0),
            reference="dict_loop",
            reference_records_per_s=reference_rate,
            peak_state_slots=100,
            memory_points=() if growth is None else ((records // 10, 100.0), (records, 100.0 * growth)),
        )

    return make


@pytest.fixture
def run_factory() -> RunFactory:
    """``run_factory(*results, machine=MACHINE)``: a run of those results, over the first one's
    record count (100,000 without results)."""

    def make(*results: WorkloadResult, machine: Machine = MACHINE) -> BenchRun:
        return BenchRun(
            results=tuple(results),
            machine=machine,
            records=results[0].records if results else 100_000,
            repeat=3,
            timestamp="2026-01-02T03:04:05+00:00",
        )

    return make


@pytest.fixture
def other_machine() -> Machine:
    """A machine that differs from ``MACHINE`` in CPU model and count."""
    return replace(MACHINE, cpu="Other CPU 9000", cpu_count=16)


@pytest.fixture
def places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """An isolated world for baseline folders: the current directory ``work`` (no
    ``bench/baselines``), no ``VSQL_BASELINES``, the user's data folder under ``data``, and the
    packaged baselines read from ``packaged`` (absent until a test stores one). The dict names the
    folders: ``work``, ``user``, ``packaged``, ``env`` (for ``VSQL_BASELINES``) and ``project``
    (``work/bench/baselines``)."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.delenv(baseline.ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    packaged = tmp_path / "packaged"
    monkeypatch.setattr(baseline, "PACKAGED_DIR", packaged)
    return {
        "work": work,
        "user": tmp_path / "data" / "vsql" / "baselines",
        "packaged": packaged,
        "env": tmp_path / "env",
        "project": work / "bench" / "baselines",
    }
