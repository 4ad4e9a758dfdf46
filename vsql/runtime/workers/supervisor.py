"""``vsql run --workers N``: start a query's worker processes and wait for them.

The supervisor compiles the script, plans the stages (``stages.py``), creates the repartition
topic when the query needs one (with as many partitions as the source topic) and the sink topic,
then starts N worker processes per stage. Workers find the broker by its bootstrap address, so an
embedded broker lives in the supervisor for as long as it runs. A plain SELECT's rows come back on
the workers' stdout as NDJSON lines, which the supervisor relays whole to its own output.

Ctrl-C or SIGTERM stops every worker cleanly. The exit code is 0 when every worker ended well.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TextIO

from vsql.engine.errors import PlanError
from vsql.io.errors import InputError
from vsql.io.kafka.brokers import Broker, ensure_topic
from vsql.runtime.workers.process import PROPERTIES_ENV
from vsql.runtime.workers.stages import Topology, compile_script, plan_topology
from vsql.runtime.workers.worker import Role

__all__ = ["prepare_topics", "run_workers", "start_worker", "worker_environment"]

logger = logging.getLogger(__name__)

_STOP_WAIT_S = 30.0


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
    commit_interval_s: float = 1.0,
    module: Sequence[str] = ("-m", "vsql.runtime.workers"),
) -> subprocess.Popen[str]:
    """Start one worker process; its stdout (a plain SELECT's rows) is a pipe.

    Args:
        script: the ``vsql run`` script (SET statements and one query).
        role: the stage it runs.
        broker: the cluster (its bootstrap address and client properties are passed on).
        group_id: the source stage's consumer group.
        stats: where the worker writes its counters as JSON when it ends.
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
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=worker_environment(broker))


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
        ensure_topic(broker, settings.source_property(plan.sink.name, "topic") or plan.sink.name)


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
    code (0 when every worker ended well, 1 otherwise).

    With ``stats_dir``, each worker writes its counters there as ``<role>-<n>.json`` when it ends.

    Raises:
        SqlSyntaxError, PlanError: the script is rejected. InputError: its topic is missing.
        BrokerError: a topic cannot be created.
    """
    if workers < 1:
        raise InputError(f"--workers must be at least 1, got {workers}")
    topology = plan_topology(compile_script(script), group_id=group_id)
    prepare_topics(topology, script, broker=broker, workers=workers)
    roles = [Role.REPARTITION, Role.AGGREGATE] if topology.is_shuffled else [Role.QUERY]
    lock = threading.Lock()
    processes = [
        start_worker(
            script,
            role,
            broker=broker,
            group_id=topology.group_id,
            stats=None if stats_dir is None else stats_dir / f"{role.value}-{number}.json",
        )
        for role in roles
        for number in range(workers)
    ]
    relays = [
        threading.Thread(target=_relay, args=(process.stdout, out, lock), daemon=True)
        for process in processes
    ]
    for relay in relays:
        relay.start()
    with _stopping_on_signals(processes):
        for process in processes:
            process.wait()
    codes = [process.returncode for process in processes]
    for relay in relays:
        relay.join()
    failed = [(index, code) for index, code in enumerate(codes) if code != 0]
    for index, code in failed:
        logger.warning("worker %d (%s) ended with exit code %d", index, roles[index // workers].value, code)
    return 1 if failed else 0


def _relay(source: IO[str] | None, out: TextIO, lock: threading.Lock) -> None:
    """Copy a worker's output lines to ``out``, whole lines at a time."""
    if source is None:
        return
    for line in source:
        with lock:
            out.write(line)
            out.flush()


@contextmanager
def _stopping_on_signals(processes: list[subprocess.Popen[str]]) -> Iterator[None]:
    """While inside, SIGTERM stops the supervisor as Ctrl-C does; either one stops the workers
    (SIGTERM each, then wait for them)."""
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGTERM)
    if in_main:
        signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        yield
    except KeyboardInterrupt:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            process.wait(_STOP_WAIT_S)
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)
