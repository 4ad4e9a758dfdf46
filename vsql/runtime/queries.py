"""Background queries: ``CREATE STREAM ... AS SELECT`` runs in a thread until stopped; a session
keeps its queries in a ``QueryRegistry`` under the ids SHOW QUERIES and TERMINATE use."""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from enum import Enum

from vsql.engine.errors import PlanError, VsqlError
from vsql.engine.sql.plan import LogicalPlan
from vsql.runtime.run import ProgressHook
from vsql.runtime.stats import RunStats

__all__ = ["BackgroundQuery", "QueryRegistry", "QueryState", "Runner"]

logger = logging.getLogger(__name__)

Runner = Callable[[threading.Event, ProgressHook], RunStats]
"""Runs a query until it ends or the event is set, reporting to the hook; returns its counters."""


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
        run: Runner,
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


class QueryRegistry(Mapping[str, BackgroundQuery]):
    """A session's background queries by id (``CSAS_<SINK>_<n>``, ``CTAS_...`` for tables), in
    the order they started."""

    def __init__(self) -> None:
        self._queries: dict[str, BackgroundQuery] = {}
        self._numbers = itertools.count(1)

    def __getitem__(self, query_id: str) -> BackgroundQuery:
        return self._queries[query_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._queries)

    def __len__(self) -> int:
        return len(self._queries)

    def start(self, plan: LogicalPlan, run: Runner, *, release: Callable[[], object]) -> str:
        """Start ``plan`` (a ``CREATE ... AS SELECT``) in the background; returns its id."""
        assert plan.sink is not None
        prefix = "CTAS" if plan.sink.kind.lower() == "table" else "CSAS"
        query_id = f"{prefix}_{plan.sink.name.upper()}_{next(self._numbers)}"
        query = BackgroundQuery(query_id, plan, run=run, release=release)
        self._queries[query_id] = query
        query.start()
        logger.info("started %s writing to %s", query_id, plan.sink.name)
        return query_id

    def terminate(self, query_id: str) -> list[str]:
        """Stop a query (``ALL`` stops every one); returns the ids stopped.

        Raises:
            PlanError: no query has that id.
        """
        chosen = list(self._queries) if query_id.upper() == "ALL" else [query_id.upper()]
        missing = [name for name in chosen if name not in self._queries]
        if missing:
            raise PlanError(f"no query {missing[0]}; running: {', '.join(self._queries) or 'none'}")
        for name in chosen:
            self._queries[name].stop()
        return chosen

    def close(self, *, wait: bool) -> None:
        """Stop every query (or let each finish on its own when ``wait``), and wait for their threads."""
        for query in self._queries.values():
            if not wait:
                query.stop()
            query.join()
