"""Jobs: what a session leaves running in the background, listed and stopped in one place.

A job is a persistent query (``CREATE STREAM|TABLE ... AS SELECT`` over a topic, in a thread or in
worker processes) or a data generator (``DATAGEN``, the shell's demo). The ``JobRegistry`` gives
each its id, lists them for SHOW QUERIES and the dashboard, and stops them for TERMINATE.
"""

from __future__ import annotations

import itertools
import logging
import re
import threading
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

from vsql.engine.errors import PlanError
from vsql.runtime.counters import Counters

__all__ = ["ALL_JOBS", "Job", "JobInfo", "JobKind", "JobRegistry", "JobState"]

logger = logging.getLogger(__name__)

ALL_JOBS = "ALL"
"""The argument of ``terminate`` that stops every running job."""

STOP_WAIT_S = 2.0
"""How long ``terminate`` waits for each job it stops, so a listing right after shows it stopped."""

CLOSE_WAIT_S = 10.0
"""How long ``close`` waits for each stopped job: a job blocked on a dead broker is abandoned."""

_NON_WORD = re.compile(r"\W")


class JobState(Enum):
    """Where a job is in its life."""

    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"
    TERMINATED = "TERMINATED"


class JobKind(Enum):
    """What a job runs."""

    QUERY = "query"
    """A persistent query: its counters are a query's (watermark, state, late rows)."""
    DATAGEN = "datagen"
    """A data generator: its counters count the events it produced."""


@dataclass(frozen=True)
class JobInfo:
    """A job as SHOW QUERIES lists it.

    Attributes:
        job_id: the id ``TERMINATE`` takes.
        statement: the SQL (or DATAGEN) text.
        state: running, done (its input ended or its LIMIT was reached), failed or terminated.
        kind: a persistent query or a data generator.
        counters: its latest counters.
        sink: the topic it writes to.
        error: why it failed, None unless it did.
    """

    job_id: str
    statement: str
    state: JobState
    kind: JobKind = JobKind.QUERY
    counters: Counters = field(default_factory=Counters)
    sink: str | None = None
    error: str | None = None


class Job(Protocol):
    """Something running in the background until it ends or is stopped.

    ``info`` and ``stop`` return at once and may be called from any thread.
    """

    @property
    def job_id(self) -> str:
        """Its id."""

    def start(self) -> None:
        """Start running (once, right after the registry gave it its id)."""

    def info(self) -> JobInfo:
        """Its state and latest counters."""

    def stop(self) -> None:
        """Ask it to stop; it does within about a second."""

    def join(self, timeout_s: float | None = None) -> None:
        """Wait for it to end, at most ``timeout_s``."""


class JobRegistry:
    """A session's jobs by id, in the order they started; ids are numbered across all kinds."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    def new_id(self, prefix: str, name: str) -> str:
        """A fresh id: ``<PREFIX>_<NAME>_<n>`` (``CSAS_TRADE_STATS_2``, ``DATAGEN_TRADES_1``)."""
        with self._lock:
            return f"{prefix}_{_NON_WORD.sub('_', name.upper())}_{next(self._numbers)}"

    def start(self, job: Job) -> str:
        """Register ``job`` and start it; returns its id. A job that fails to start is not kept.

        Raises:
            whatever ``job.start`` raises.
        """
        with self._lock:
            self._jobs[job.job_id] = job
        try:
            job.start()
        except BaseException:
            with self._lock:
                self._jobs.pop(job.job_id, None)
            raise
        logger.info("started %s", job.job_id)
        return job.job_id

    def info(self, job_id: str) -> JobInfo | None:
        """One job's info, None for an unknown id."""
        with self._lock:
            job = self._jobs.get(job_id.upper())
        return None if job is None else job.info()

    def infos(self) -> list[JobInfo]:
        """Every job's info, in start order."""
        with self._lock:
            jobs = list(self._jobs.values())
        return [job.info() for job in jobs]

    def terminate(self, job_id: str) -> list[str]:
        """Stop a job (``ALL``: every running one) and wait briefly for it; returns the ids stopped.

        Raises:
            PlanError: no job has that id.
        """
        wanted = job_id.upper()
        with self._lock:
            jobs = dict(self._jobs)
        if wanted == ALL_JOBS:
            chosen = [job for job in jobs.values() if job.info().state is JobState.RUNNING]
        elif wanted in jobs:
            chosen = [jobs[wanted]]
        else:
            raise PlanError(f"no query {wanted}; queries are: {', '.join(jobs) or 'none'}")
        for job in chosen:
            job.stop()
        for job in chosen:
            job.join(STOP_WAIT_S)
        return [job.job_id for job in chosen]

    def wait(self, job_id: str, timeout_s: float | None) -> bool:
        """Wait for a job to end by itself, at most ``timeout_s``; whether it has ended."""
        with self._lock:
            job = self._jobs.get(job_id.upper())
        if job is None:
            return True
        job.join(timeout_s)
        return job.info().state is not JobState.RUNNING

    def close(self, *, wait: bool = False) -> None:
        """Stop every job (or let each end by itself when ``wait``) and wait for them."""
        with self._lock:
            jobs = list(self._jobs.values())
        if not wait:
            for job in jobs:
                job.stop()
        for job in jobs:
            job.join(None if wait else CLOSE_WAIT_S)
