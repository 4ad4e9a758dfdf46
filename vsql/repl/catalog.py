"""The shell's cached view of the broker: topic names, sampled columns, running queries.

Completion and the toolbar read the cache and never wait for the broker; a background thread
refreshes it: the queries (the runtime's own list, cheap) every second so the toolbar's running
rates stay current while the user sits at the prompt, the topic names (a broker request) less
often. Columns are sampled per topic on first demand (a topic the user names in FROM), since
sampling every topic up front would read messages nobody asked about.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from vsql.engine.errors import VsqlError
from vsql.runtime import JobInfo, Runtime

__all__ = ["Catalog"]

logger = logging.getLogger(__name__)


class Catalog:
    """Topic names, sampled column names and queries, refreshed from the runtime.

    Readers get a consistent snapshot at any time from any thread; refreshes replace whole lists.

    Args:
        runtime: where the metadata comes from.
        interval_s: seconds between background refreshes of the topic names.
        queries_interval_s: seconds between background refreshes of the queries.
    """

    def __init__(self, runtime: Runtime, *, interval_s: float = 5.0, queries_interval_s: float = 1.0) -> None:
        self._runtime = runtime
        self._interval_s = interval_s
        self._queries_interval_s = queries_interval_s
        self._lock = threading.Lock()
        self._topics: tuple[str, ...] = ()
        self._columns: dict[str, tuple[str, ...]] = {}
        self._queries: tuple[JobInfo, ...] = ()
        self._wanted: set[str] = set()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def topics(self) -> tuple[str, ...]:
        """The topic names known so far."""
        with self._lock:
            return self._topics

    @property
    def queries(self) -> tuple[JobInfo, ...]:
        """The queries known so far."""
        with self._lock:
            return self._queries

    def columns(self, topic: str) -> tuple[str, ...]:
        """The sampled columns of ``topic``; empty until sampled, and asks for a sample then."""
        key = topic.lower()
        with self._lock:
            known = self._columns.get(key)
            if known is None:
                self._wanted.add(key)
        if known is None:
            self._wake.set()
            return ()
        return known

    def refresh(self) -> None:
        """Reload topics and queries, and sample the columns asked for; blocks until done."""
        self._refresh_step("topics", self._load_topics)
        self.refresh_queries()
        self._sample_wanted()

    def refresh_queries(self) -> None:
        """Reload the queries only: quick, as the runtime keeps them in memory (the shell calls it
        after every statement, so the toolbar counts what the statement started or stopped)."""
        self._refresh_step("queries", self._load_queries)

    def start(self) -> None:
        """Refresh in a daemon thread: everything now, then the queries every ``queries_interval_s``,
        the topics every ``interval_s``, and columns as soon as they are asked for."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="vsql-catalog", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the background thread (it finishes its current refresh)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None

    def _run(self) -> None:
        topics_due_s = time.monotonic()
        while not self._stop.is_set():
            try:
                if time.monotonic() >= topics_due_s:
                    self._refresh_step("topics", self._load_topics)
                    topics_due_s = time.monotonic() + self._interval_s
                self.refresh_queries()
                self._sample_wanted()
            except Exception:  # a runtime bug must not stop completion for the rest of the session
                logger.debug("catalog refresh failed", exc_info=True)
            self._wake.wait(self._queries_interval_s)
            self._wake.clear()

    def _sample_wanted(self) -> None:
        with self._lock:
            wanted, self._wanted = self._wanted, set()
        for topic in sorted(wanted):
            self._refresh_step(f"columns of {topic}", lambda topic=topic: self._load_columns(topic))
            with self._lock:
                self._columns.setdefault(topic, ())

    def _refresh_step(self, what: str, load: Callable[[], None]) -> None:
        # The catalog is a cache: a failed refresh keeps the old values and is retried later.
        try:
            load()
        except (VsqlError, OSError) as error:
            logger.debug("catalog: cannot load %s: %s", what, error)

    def _load_topics(self) -> None:
        names = tuple(self._runtime.topics())
        with self._lock:
            self._topics = names
            # A topic that had no sample may have data by now: sample it again when asked.
            self._columns = {topic: columns for topic, columns in self._columns.items() if columns}

    def _load_queries(self) -> None:
        queries = tuple(self._runtime.jobs())
        with self._lock:
            self._queries = queries

    def _load_columns(self, topic: str) -> None:
        names = tuple(field.name for field in self._runtime.describe(topic))
        with self._lock:
            self._columns[topic] = names
