"""Bench run documents: a run's per-workload results plus what it ran on, as versioned JSON.

A ``BenchRun`` is what ``vsql bench run --json PATH`` writes and what a baseline file
(``NAME.json``, see ``vsql.bench.baseline``) holds: the same format, ``"format": 1``. Derived figures
(``normalized``, ``peak_rss_mb``, ``memory_growth``) are written for readers of the JSON and
recomputed, not trusted, when a document is read back.
"""

from __future__ import annotations

import json
import os
import platform
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

import vsql

__all__ = ["FORMAT", "BenchFileError", "BenchRun", "Machine", "WorkloadResult"]

FORMAT = 1
"""The version of the run document format this code reads and writes."""


class BenchFileError(Exception):
    """A run document (or baseline) cannot be read, parsed or understood."""


@dataclass(frozen=True)
class WorkloadResult:
    """A workload's figures: medians over the repeats, and its reference loop's throughput.

    Attributes:
        name: the workload (see ``vsql.bench.workloads.WORKLOADS``).
        records: records per timed run.
        records_per_s: median throughput over the repeats.
        spread: (max - min) / median of the repeats' normalized figures, each repeat's workload
            run over the reference run timed just before it; 0 with one repeat.
        us_per_record: per-record cost of the median run, in µs.
        batch_latency_ms: p50, p95, p99 of the time to process one input batch (zeros when the
            workload has no per-batch clock, as for Kafka workloads).
        reference: the reference loop the workload is normalized by.
        reference_records_per_s: that loop's median throughput, its runs interleaved with the
            workload's.
        peak_state_slots: the most (window, group) state slots held at once, None if not measured.
        memory_points: ``(records, peak RSS MiB)`` of fresh processes running the workload over
            increasing record counts (N/10, then N); empty when memory was not measured.
    """

    name: str
    records: int
    records_per_s: float
    spread: float
    us_per_record: float
    batch_latency_ms: tuple[float, float, float]
    reference: str
    reference_records_per_s: float
    peak_state_slots: int | None = None
    memory_points: tuple[tuple[int, float], ...] = ()

    @property
    def normalized(self) -> float:
        """Throughput over the reference loop's, both measured in the same run."""
        return self.records_per_s / self.reference_records_per_s

    @property
    def peak_rss_mb(self) -> float | None:
        """Peak RSS (MiB) of the largest memory run, None when memory was not measured."""
        return self.memory_points[-1][1] if self.memory_points else None

    @property
    def memory_growth(self) -> float | None:
        """Peak RSS at N over peak RSS at N/10 (1.0 = flat), None when memory was not measured."""
        if len(self.memory_points) < 2:
            return None
        return self.memory_points[-1][1] / self.memory_points[0][1]

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of this result, derived figures included."""
        p50, p95, p99 = self.batch_latency_ms
        return {
            "name": self.name,
            "records": self.records,
            "records_per_s": self.records_per_s,
            "normalized": self.normalized,
            "spread": self.spread,
            "us_per_record": self.us_per_record,
            "batch_latency_ms": {"p50": p50, "p95": p95, "p99": p99},
            "reference": self.reference,
            "reference_records_per_s": self.reference_records_per_s,
            "peak_state_slots": self.peak_state_slots,
            "peak_rss_mb": self.peak_rss_mb,
            "memory_growth": self.memory_growth,
            "memory_points": [{"records": n, "peak_rss_mb": mb} for n, mb in self.memory_points],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        """Read ``to_dict``'s output back; raises KeyError/TypeError/ValueError on bad input."""
        latency = data["batch_latency_ms"]
        slots = data.get("peak_state_slots")
        return cls(
            name=str(data["name"]),
            records=int(data["records"]),
            records_per_s=float(data["records_per_s"]),
            spread=float(data["spread"]),
            us_per_record=float(data["us_per_record"]),
            batch_latency_ms=(float(latency["p50"]), float(latency["p95"]), float(latency["p99"])),
            reference=str(data["reference"]),
            reference_records_per_s=float(data["reference_records_per_s"]),
            peak_state_slots=None if slots is None else int(slots),
            memory_points=tuple(
                (int(point["records"]), float(point["peak_rss_mb"]))
                for point in data.get("memory_points", ())
            ),
        )


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.partition(":")[2].strip()
    except OSError:
        pass  # not Linux: fall back on what the platform module knows
    return platform.processor() or platform.machine()


def _memory_gib() -> float:
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        return 0.0


@dataclass(frozen=True)
class Machine:
    """What a run was measured on.

    ``differences`` compares the fields that change throughput (OS, architecture, CPU model and
    count, memory); ``platform`` (which names the kernel release) is kept for the reader only.
    """

    system: str
    arch: str
    cpu: str
    cpu_count: int
    memory_gib: float
    platform: str = field(default="", compare=False)

    @classmethod
    def current(cls) -> Self:
        """This machine."""
        return cls(
            system=platform.system(),
            arch=platform.machine(),
            cpu=_cpu_model(),
            cpu_count=os.cpu_count() or 0,
            memory_gib=_memory_gib(),
            platform=platform.platform(),
        )

    def describe(self) -> str:
        """One line: CPU model and count, memory, OS and architecture."""
        return f"{self.cpu} x{self.cpu_count}, {self.memory_gib:g} GiB, {self.system} {self.arch}"

    def differences(self, other: Machine) -> list[str]:
        """``field: mine != other's`` for each compared field that differs; empty when alike."""
        return [
            f"{item.name}: {getattr(self, item.name)} != {getattr(other, item.name)}"
            for item in fields(self)
            if item.compare and getattr(self, item.name) != getattr(other, item.name)
        ]


@dataclass(frozen=True)
class BenchRun:
    """One ``vsql bench run``: results in run order, and the context needed to judge them.

    Attributes:
        results: one per workload, in the order they ran.
        machine: what the run was measured on.
        records: records per timed run.
        repeat: timed runs per workload.
        vsql_version, python_version: of the measuring process.
        timestamp: when the run finished, ISO 8601 in UTC.
    """

    results: tuple[WorkloadResult, ...]
    machine: Machine
    records: int
    repeat: int
    vsql_version: str = vsql.__version__
    python_version: str = platform.python_version()
    timestamp: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def result(self, name: str) -> WorkloadResult | None:
        """The result of workload ``name``, None if this run did not measure it."""
        return next((result for result in self.results if result.name == name), None)

    @property
    def names(self) -> list[str]:
        """The workloads measured, in run order."""
        return [result.name for result in self.results]

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (``"format": 1``)."""
        machine = self.machine
        return {
            "format": FORMAT,
            "vsql_version": self.vsql_version,
            "python_version": self.python_version,
            "timestamp": self.timestamp,
            "records": self.records,
            "repeat": self.repeat,
            "machine": {item.name: getattr(machine, item.name) for item in fields(machine)},
            "results": [result.to_dict() for result in self.results],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        """Read a JSON document back.

        Raises:
            BenchFileError: another format version, or a missing or mistyped field.
        """
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            found = data.get("format") if isinstance(data, dict) else type(data).__name__
            raise BenchFileError(f"not a vsql bench run of format {FORMAT} (format: {found!r})")
        try:
            machine = data["machine"]
            return cls(
                results=tuple(WorkloadResult.from_dict(item) for item in data["results"]),
                machine=Machine(
                    system=str(machine["system"]),
                    arch=str(machine["arch"]),
                    cpu=str(machine["cpu"]),
                    cpu_count=int(machine["cpu_count"]),
                    memory_gib=float(machine["memory_gib"]),
                    platform=str(machine.get("platform", "")),
                ),
                records=int(data["records"]),
                repeat=int(data["repeat"]),
                vsql_version=str(data["vsql_version"]),
                python_version=str(data["python_version"]),
                timestamp=str(data["timestamp"]),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise BenchFileError(f"invalid bench run document: {type(error).__name__}: {error}") from error

    def write(self, path: Path) -> None:
        """Write the JSON document to ``path`` (parent folders created)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> Self:
        """Read a JSON document written by ``write``.

        Raises:
            BenchFileError: the file is unreadable, not JSON, or not a run document.
        """
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise BenchFileError(f"cannot read {str(path)!r}: {error.strerror or error}") from error
        except json.JSONDecodeError as error:
            raise BenchFileError(f"{str(path)!r} is not JSON: {error}") from error
        try:
            return cls.from_dict(data)
        except BenchFileError as error:
            raise BenchFileError(f"{path}: {error}") from error
