"""The worker process ``vsql run`` starts: ``python -m vsql.runtime.workers``.

Arguments: ``--role``, ``--group-id``, ``--bootstrap``, ``-e SCRIPT`` and optionally
``--stats PATH`` (the worker's counters as JSON, rewritten about twice a second and when it ends,
so whoever started it can follow its progress). Client properties beyond the
bootstrap address (security settings, the embedded broker's short session timeout) come as a
JSON object in the ``VSQL_WORKER_PROPERTIES`` environment variable, kept off the command line.
SIGTERM and SIGINT stop the worker cleanly: it commits what is safe and leaves the group.
Exit codes: 0 done or stopped, 1 a query or broker error.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

from vsql.engine.errors import VsqlError
from vsql.io.kafka.brokers import LiveBroker
from vsql.runtime.workers.stages import compile_script, plan_topology
from vsql.runtime.workers.worker import Role, WorkerStats, run_worker

__all__ = ["PROPERTIES_ENV", "CountersFile", "main"]

PROPERTIES_ENV = "VSQL_WORKER_PROPERTIES"

logger = logging.getLogger(__name__)

_STATS_EVERY_S = 0.5


class CountersFile:
    """A worker's counters as a JSON file, replaced whole (readers never see half a file) at most
    every ``_STATS_EVERY_S`` unless forced."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._written_s = 0.0

    def write(self, stats: WorkerStats, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._written_s < _STATS_EVERY_S:
            return
        self._written_s = now
        shown = {key: value for key, value in asdict(stats).items() if not key.startswith("_")}
        scratch = self._path.with_name(self._path.name + ".tmp")
        scratch.write_text(json.dumps(shown), encoding="utf-8")
        os.replace(scratch, self._path)


def main(
    argv: Sequence[str] | None = None, *, on_progress: Callable[[WorkerStats], None] | None = None
) -> int:
    """Run one worker process; returns its exit code.

    Args:
        argv: the arguments (default ``sys.argv[1:]``).
        on_progress: called with the counters after every poll (tests use it to die midway).
    """
    parser = argparse.ArgumentParser(prog="python -m vsql.runtime.workers")
    parser.add_argument("--role", choices=[role.value for role in Role], required=True)
    parser.add_argument("--group-id", required=True)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("-e", dest="script", required=True)
    parser.add_argument("--stats", type=Path)
    parser.add_argument("--commit-interval", type=float, default=1.0, metavar="S")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s worker %(process)d %(name)s: %(message)s"
    )
    counters = None if args.stats is None else CountersFile(args.stats)

    def progress(stats: WorkerStats) -> None:
        if counters is not None:
            counters.write(stats)
        if on_progress is not None:
            on_progress(stats)

    cancel = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: cancel.set())
    try:
        broker = LiveBroker(args.bootstrap, json.loads(os.environ.get(PROPERTIES_ENV, "{}")))
        plan = compile_script(args.script)
        stats = run_worker(
            plan,
            plan_topology(plan, group_id=args.group_id),
            Role(args.role),
            broker=broker,
            out=sys.stdout,
            cancel=cancel,
            commit_interval_s=args.commit_interval,
            on_progress=progress,
        )
    except VsqlError as error:
        sys.stderr.write(f"vsql worker ({args.role}): {error}\n")
        return 1
    if counters is not None:
        counters.write(stats, force=True)
    return 0
