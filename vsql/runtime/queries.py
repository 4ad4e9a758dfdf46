"""Background queries: ``CREATE STREAM ... AS SELECT`` runs in a thread until stopped."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from enum import Enum

from vsql.engine.errors import VsqlError
from vsql.engine.sql.plan import LogicalPlan
from vsql.runtime.run import ProgressHook
from vsql.runtime.stats import RunStats

__all__ = ["BackgroundQuery", "QueryState"]

logger = logging.getLogger(__name__)


class QueryState(Enum):
    """Where a background query is in its life."""

    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    TERMINATED = "terminated"


class BackgroundQuery:
    """One query running in its own thread.

    Args:
        query_id: the id SHOW QUERIES and TERMINATE use.
        plan: the compiled query.
        run: runs the query until done or until the given event is set; returns its stats.
        release: closes the query's source and sink once the run ends.
    """

    def __init__(
        self,
        query_id: str,
        plan: LogicalPlan,
        *,
        run: Callable[[threading.Event, ProgressHook], RunStats],
        release: Callable[[], object],
    ) -> None:
        self.query_id = query_id
        self.plan = plan
        self.stats = RunStats()
        self.state = QueryState.RUNNING
        self.error: VsqlError | None = None
        self._run = run
        self._release = release
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._main, name=f"vsql-{query_id}", daemon=True)

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def _main(self) -> None:
        try:
            self.stats = self._run(self._cancel, self._progress)
            self.state = QueryState.TERMINATED if self._cancel.is_set() else QueryState.DONE
        except VsqlError as error:
            logger.warning("%s failed: %s", self.query_id, error)
            self.error = error
            self.state = QueryState.FAILED
        finally:
            self._release()

    def _progress(self, stats: RunStats) -> None:
        self.stats = stats

    def stop(self) -> None:
        """Ask the query to stop (it stops within one poll)."""
        self._cancel.set()

    def join(self, timeout_s: float | None = None) -> None:
        """Wait for the thread to end."""
        self._thread.join(timeout_s)
