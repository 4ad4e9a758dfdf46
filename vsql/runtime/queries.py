"""Persistent queries: ``CREATE STREAM|TABLE ... AS SELECT`` over a topic, run in a thread until
it ends or is stopped, as a job of the session (``jobs.py``)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from vsql.engine.errors import VsqlError
from vsql.runtime.counters import Counters
from vsql.runtime.jobs import JobInfo, JobState

__all__ = ["BackgroundQuery", "Runner"]

logger = logging.getLogger(__name__)

Runner = Callable[[threading.Event, Callable[[Counters], None]], Counters]
"""Runs a query until it ends or the event is set, reporting to the hook; returns its counters."""


class BackgroundQuery:
    """One persistent query running in its own thread; a ``Job``.

    Args:
        job_id: the id SHOW QUERIES and TERMINATE use.
        statement: the SQL text.
        sink: the topic it writes to.
        run: runs the query until done or until the given event is set.
        release: closes the query's source and sink once the run ends.
    """

    def __init__(
        self,
        job_id: str,
        *,
        statement: str,
        sink: str,
        run: Runner,
        release: Callable[[], object],
    ) -> None:
        self.job_id = job_id
        self._statement = statement
        self._sink = sink
        self._counters = Counters()
        self._state = JobState.RUNNING
        self._error: str | None = None
        self._run = run
        self._release = release
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._main, name=f"vsql-{job_id}", daemon=True)

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def info(self) -> JobInfo:
        """State, latest counters and the error that ended it, if any."""
        return JobInfo(
            job_id=self.job_id,
            statement=self._statement,
            state=self._state,
            counters=self._counters,
            sink=self._sink,
            error=self._error,
        )

    def _main(self) -> None:
        try:
            self._counters = self._run(self._cancel, self._progress)
            self._state = JobState.TERMINATED if self._cancel.is_set() else JobState.DONE
        except VsqlError as error:
            self._fail(str(error))
        except Exception as error:  # a bug must show as a failed query, never as one still running
            logger.exception("%s failed unexpectedly", self.job_id)
            self._fail(f"unexpected {type(error).__name__}: {error}")
        finally:
            self._release()

    def _fail(self, message: str) -> None:
        logger.warning("%s failed: %s", self.job_id, message)
        self._error = message
        self._state = JobState.FAILED

    def _progress(self, counters: Counters) -> None:
        self._counters = counters

    def stop(self) -> None:
        """Ask the query to stop (it stops within one poll)."""
        self._cancel.set()

    def join(self, timeout_s: float | None = None) -> None:
        """Wait for the thread to end."""
        self._thread.join(timeout_s)
