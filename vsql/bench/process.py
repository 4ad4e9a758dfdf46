"""Whole-process workloads: a ``vsql -e`` child process over an NDJSON file, timed from spawn to exit.

What a user waits for when running one query over a file is the whole process: interpreter
start-up, vsql's imports, reading and decoding the file, the query, writing its results. A
``cli`` workload times exactly that::

    python -m vsql.cli -e "<sql>" --input trades=<file> --format json > /dev/null

and its reference, ``JSON_LOOP_PROCESS``, times a child process that runs the in-process
``json_loop`` reference (``json.loads`` per line and a dict aggregation) over the same file::

    python -c "<open the file, json_loop(file)>" <file>

so the normalized figure is whole-process vsql throughput over whole-process ``json.loads`` loop
throughput. Both children inherit this process's environment (``PYTHONPATH`` included) and
interpreter. The file is written once per record count, before any clock starts.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Self

from vsql.bench.measure import Measurement, generated_trades, timed_passes
from vsql.bench.workloads import JSON_LOOP_PROCESS, InputKind, Workload
from vsql.datagen import to_ndjson

__all__ = ["REFERENCE_CODE", "ProcessInputs", "WorkloadFailedError", "reference_command", "vsql_command"]

REFERENCE_CODE = (
    "import sys\n"
    "from vsql.bench.references import json_loop\n"
    "with open(sys.argv[1], 'rb') as lines:\n"
    "    print(json_loop(lines))\n"
)
"""What the reference child runs: ``json_loop`` over the lines of the file named by its argument,
printing the number of groups (discarded when timed, as ``vsql -e``'s rows are)."""

_STDERR_CHARS = 4_000
"""How much of a failed child's stderr (its end) a ``WorkloadFailedError`` quotes."""


class WorkloadFailedError(RuntimeError):
    """A workload's child process failed; the message quotes its exit status and stderr."""


def vsql_command(work: Workload, path: Path) -> list[str]:
    """The ``vsql -e`` command of ``work`` over the NDJSON file ``path`` (results as JSON lines)."""
    if work.sql is None:
        raise ValueError(f"workload {work.name!r} has no query to run")
    return [sys.executable, "-m", "vsql.cli", "-e", work.sql, "--input", f"trades={path}", "--format", "json"]


def reference_command(path: Path) -> list[str]:
    """The reference child's command over the NDJSON file ``path``."""
    return [sys.executable, "-c", REFERENCE_CODE, str(path)]


def _run_child(label: str, command: list[str]) -> float:
    """Run ``command`` with its output discarded; the seconds from spawn to exit.

    Raises:
        WorkloadFailedError: it exited with a non-zero status (``label``, the status and the end of
            its stderr in the message).
    """
    started = time.perf_counter()
    completed = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        stderr = completed.stderr.decode(errors="replace").strip()[-_STDERR_CHARS:]
        raise WorkloadFailedError(
            f"{label} exited with status {completed.returncode}: {stderr or '(no stderr)'}"
        )
    return seconds


class ProcessInputs:
    """NDJSON files of generated trades in a temporary folder for the runner's ``cli`` workloads:
    one per (key count, record count), written on first use, removed on ``close``."""

    def __init__(self) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="vsql-bench-")
        self._files: dict[tuple[int, int], Path] = {}

    def path(self, work: Workload, records: int) -> Path:
        """The file holding the ``records`` trades ``work`` reads (the in-process workloads' ones)."""
        key = (work.keys, records)
        if key not in self._files:
            path = Path(self._folder.name) / f"trades_{work.keys}_{records}.ndjson"
            with path.open("wb") as file:
                for batch in generated_trades(work, records):
                    file.write(to_ndjson(batch))
            self._files[key] = path
        return self._files[key]

    def measure(self, work: Workload, records: int, *, min_seconds: float) -> Measurement:
        """Time ``vsql -e`` over ``records`` trades, in as many runs as add up to ``min_seconds``
        (one at least).

        Raises:
            WorkloadFailedError: a run failed.
        """
        _check(work)
        command = vsql_command(work, self.path(work, records))
        return _timed(f"workload {work.name}: vsql -e", command, records, min_seconds)

    def measure_reference(self, work: Workload, records: int, *, min_seconds: float) -> Measurement:
        """Time the reference child over the same file, as ``measure`` times ``vsql -e``."""
        _check(work)
        if work.reference != JSON_LOOP_PROCESS:
            raise ValueError(f"unknown whole-process reference {work.reference!r}")
        command = reference_command(self.path(work, records))
        return _timed(f"workload {work.name}: reference {work.reference}", command, records, min_seconds)

    def close(self) -> None:
        """Remove the files."""
        self._folder.cleanup()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _timed(label: str, command: list[str], records: int, min_seconds: float) -> Measurement:
    passes, seconds = timed_passes(lambda: _run_child(label, command), min_seconds)
    return Measurement(records=passes * records, seconds=seconds, batch_latency_ms=(0.0, 0.0, 0.0))


def _check(work: Workload) -> None:
    if work.input is not InputKind.CLI:
        raise ValueError(f"workload {work.name!r} is not a whole-process workload")
