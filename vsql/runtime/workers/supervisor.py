"""``vsql run --workers N`` and background queries with ``query.workers``: a query's worker
processes, started, watched and stopped together.

``WorkerGroup`` compiles the script, plans the stages (``stages.py``), creates the repartition
topic when the query needs one (with as many partitions as the source topic) and the sink topic,
then starts N worker processes per stage. Workers find the broker by its bootstrap address, so an
embedded broker lives in the starting process for as long as they run. A plain SELECT's rows come
back on the workers' stdout as NDJSON lines, relayed whole to one output. Each worker rewrites its
counters to a JSON file now and then (``process.py``); the group sums them into ``Counters``.

``run_workers`` is the ``vsql run`` front: Ctrl-C or SIGTERM stops every worker cleanly, and the
exit code is 0 when every worker ended well.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, TextIO

from vsql.engine.errors import PlanError
from vsql.io.errors import InputError
from vsql.io.kafka.brokers import Broker, ensure_topic
from vsql.runtime.counters import Counters, per_second
from vsql.runtime.workers.process import PROPERTIES_ENV
from vsql.runtime.workers.stages import Topology, compile_script, plan_topology
from vsql.runtime.workers.worker import Role

__all__ = ["WorkerGroup", "prepare_topics", "run_workers", "start_worker", "worker_environment"]

logger = logging.getLogger(__name__)

_STOP_WAIT_S = 30.0
_WATCH_S = 0.25


def worker_environment(broker: Broker) -> dict[str, str]:
    """The environment of a worker process: this one's, plus the broker's client properties."""
    properties = {
        key: str(value) for key, value in broker.consumer_config.items() if key != "bootstrap.servers"
    }
    return {**os.environ, PROPERTIES_ENV: json.dumps(properties)}


def start_worker(
    script: str,
    role: Role,
    *,
    broker: Broker,
    group_id: str,
    stats: Path | None = None,
    stderr: IO[str] | None = None,
    commit_interval_s: float = 1.0,
    module: Sequence[str] = ("-m", "vsql.runtime.workers"),
) -> subprocess.Popen[str]:
    """Start one worker process; its stdout (a plain SELECT's rows) is a pipe.

    Args:
        script: the ``vsql run`` script (SET statements and one query).
        role: the stage it runs.
        broker: the cluster (its bootstrap address and client properties are passed on).
        group_id: the source stage's consumer group.
        stats: where the worker keeps its counters as JSON, rewritten as it runs.
        stderr: where its warnings and errors go (default: this process's stderr).
        commit_interval_s: how often it commits.
        module: how Python starts the worker (tests start a variant that dies midway).
    """
    command = [
        sys.executable,
        *module,
        "--role",
        role.value,
        "--group-id",
        group_id,
        "--bootstrap",
        broker.bootstrap,
    ]
    command += ["--commit-interval", str(commit_interval_s), "-e", script]
    if stats is not None:
        command += ["--stats", str(stats)]
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=stderr, text=True, env=worker_environment(broker)
    )


def prepare_topics(topology: Topology, script: str, *, broker: Broker, workers: int) -> None:
    """Check the source topic and create the repartition and sink topics before workers start.

    Raises:
        InputError: the source topic does not exist.
        PlanError: a file sink with several workers (their appends would interleave).
    """
    plan = compile_script(script)
    topics = broker.topics()
    source = topics.get(topology.source_topic)
    if source is None:
        raise InputError(f"topic '{topology.source_topic}' does not exist on {broker.bootstrap}")
    if topology.is_shuffled:
        ensure_topic(broker, topology.repartition_topic, partitions=source.partitions)
    if plan.sink is None:
        return
    settings = plan.settings
    kind = (settings.source_property(plan.sink.name, "type") or "kafka_sink").lower()
    if kind == "file_sink" and workers > 1:
        raise PlanError(
            f"sink '{plan.sink.name}' is a file: run it with one worker, or write to a Kafka topic"
        )
    if kind == "kafka_sink":
        ensure_topic(broker, settings.topic_of(plan.sink.name))


class WorkerGroup:
    """The worker processes of one query: ``workers`` per stage, started and stopped together.

    Args:
        script: SET statements and one query (see ``compile_script``).
        broker: the cluster; it must outlive the group.
        workers: processes per stage, at least 1.
        group_id: the source stage's consumer group (default: ``default_group_id``).
        out: where a plain SELECT's rows go, as NDJSON lines, a whole line at a time.
        stats_dir: where each worker keeps its counters as ``<role>-<n>.json``.
        capture_errors: write each worker's stderr to ``<role>-<n>.log`` in ``stats_dir`` instead
            of this process's stderr (a shell keeps its screen; a failure quotes the log).

    Raises:
        SqlSyntaxError, PlanError, UnsupportedError: the script is rejected.
        InputError: ``workers`` is not positive, or the source topic is missing.
        BrokerError: a topic cannot be created.
    """

    def __init__(
        self,
        script: str,
        *,
        broker: Broker,
        workers: int,
        group_id: str | None,
        out: TextIO,
        stats_dir: Path,
        capture_errors: bool = False,
    ) -> None:
        if workers < 1:
            raise InputError(f"workers must be at least 1, got {workers}")
        self.topology = plan_topology(compile_script(script), group_id=group_id)
        prepare_topics(self.topology, script, broker=broker, workers=workers)
        self._script = script
        self._broker = broker
        self._out = out
        self._stats_dir = stats_dir
        self._capture_errors = capture_errors
        stages = [Role.REPARTITION, Role.AGGREGATE] if self.topology.is_shuffled else [Role.QUERY]
        self._names = [(role, f"{role.value}-{number}") for role in stages for number in range(workers)]
        self._processes: list[subprocess.Popen[str]] = []
        self._relays: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._started_s = 0.0

    def start(self) -> None:
        """Start every worker, and the threads relaying their output."""
        self._started_s = time.monotonic()
        for role, name in self._names:
            log = (self._stats_dir / f"{name}.log").open("w") if self._capture_errors else None
            process = start_worker(
                self._script,
                role,
                broker=self._broker,
                group_id=self.topology.group_id,
                stats=self._stats_dir / f"{name}.json",
                stderr=log,
            )
            if log is not None:
                log.close()
            self._processes.append(process)
            relay = threading.Thread(target=self._relay, args=(process.stdout,), daemon=True)
            relay.start()
            self._relays.append(relay)

    def wait(
        self,
        cancel: threading.Event | None = None,
        on_progress: Callable[[Counters], None] | None = None,
    ) -> int:
        """Wait for every worker to end, stopping them all once ``cancel`` is set or on Ctrl-C;
        returns 0 when each one ended well, 1 otherwise. ``on_progress`` gets the summed counters
        now and then."""
        try:
            while any(process.poll() is None for process in self._processes):
                if cancel is not None and cancel.is_set():
                    self.stop()
                    break
                if on_progress is not None:
                    on_progress(self.stats())
                time.sleep(_WATCH_S)
        except KeyboardInterrupt:
            self.stop()
        for relay in self._relays:
            relay.join()
        failed = [index for index, process in enumerate(self._processes) if process.returncode != 0]
        for index in failed:
            name = self._names[index][1]
            code = self._processes[index].returncode
            logger.warning("worker %s ended with exit code %d%s", name, code, self._last_error(name))
        return 1 if failed else 0

    def stop(self) -> None:
        """Ask every worker to stop (SIGTERM: each commits what is safe), then wait for them."""
        for process in self._processes:
            if process.poll() is None:
                process.terminate()
        for process in self._processes:
            process.wait(_STOP_WAIT_S)

    def stats(self) -> Counters:
        """The workers' counters summed: input rows are the first stage's, result rows and late
        rows the last one's (rows replayed after a rebalance count again); the watermark is the
        lowest of the last stage's workers."""
        elapsed_s = time.monotonic() - self._started_s if self._started_s else 0.0
        records_in = rows_out = late_count = dead_letter_count = 0
        marks: list[int] = []
        for role, name in self._names:
            counters = _read_counters(self._stats_dir / f"{name}.json").get("counters", {})
            if role is not Role.AGGREGATE:
                records_in += counters.get("records_in", 0)
            if role is not Role.REPARTITION:
                rows_out += counters.get("rows_out", 0)
                late_count += counters.get("late_count", 0)
                if counters.get("watermark_ms") is not None:
                    marks.append(counters["watermark_ms"])
            dead_letter_count += counters.get("dead_letter_count", 0)
        return Counters(
            records_in=records_in,
            rows_out=rows_out,
            dead_letter_count=dead_letter_count,
            late_count=late_count,
            elapsed_s=elapsed_s,
            records_per_s=per_second(records_in, elapsed_s),
            rows_per_s=per_second(rows_out, elapsed_s),
            watermark_ms=min(marks, default=None),
        )

    def failure(self) -> str:
        """The last error line a failed worker wrote (with ``capture_errors``), else ''."""
        for index, process in enumerate(self._processes):
            if process.returncode not in (0, None):
                return self._last_error(self._names[index][1]).removeprefix(": ")
        return ""

    def _last_error(self, name: str) -> str:
        log = self._stats_dir / f"{name}.log"
        if not log.exists():
            return ""
        lines = [line for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
        return f": {lines[-1]}" if lines else ""

    def _relay(self, source: IO[str] | None) -> None:
        if source is None:
            return
        for line in source:
            with self._lock:
                self._out.write(line)
                self._out.flush()


def _read_counters(path: Path) -> dict[str, Any]:
    """A worker's counters file, {} before its first write."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def run_workers(
    script: str,
    *,
    broker: Broker,
    workers: int,
    group_id: str | None,
    out: TextIO,
    stats_dir: Path | None = None,
) -> int:
    """Run a script's query with ``workers`` processes per stage until they end; returns the exit
    code (0 when every worker ended well, 1 otherwise). Ctrl-C and SIGTERM stop the workers.

    With ``stats_dir``, the workers' counters stay there as ``<role>-<n>.json``.

    Raises:
        SqlSyntaxError, PlanError: the script is rejected. InputError: its topic is missing.
        BrokerError: a topic cannot be created.
    """
    with tempfile.TemporaryDirectory(prefix="vsql-run-") as scratch:
        group = WorkerGroup(
            script,
            broker=broker,
            workers=workers,
            group_id=group_id,
            out=out,
            stats_dir=stats_dir or Path(scratch),
        )
        with _sigterm_as_interrupt():
            group.start()
            return group.wait()


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """While inside (in the main thread), SIGTERM raises KeyboardInterrupt as Ctrl-C does."""
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGTERM)
    if in_main:
        signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        yield
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)
