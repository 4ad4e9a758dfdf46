"""What the dashboard drives: a session on a broker, its background queries and datagen jobs.

``Workbench`` is the dashboard's only door to the runtime, the way ``ShellBackend`` is the shell's:
it reuses the shell's ``RuntimeBackend`` for background queries, DATAGEN jobs and topic metadata,
and runs foreground queries on the session itself, so the dashboard sees every ``RunStats``
counter (latency, lag, state) rather than the shell's summary. No Textual import: the App calls
it from worker threads, and tests drive it directly.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import pyarrow as pa

from vsql.engine.sql.plan import LogicalPlan
from vsql.io.kafka.brokers import Broker, EmbeddedBroker
from vsql.repl.backend import QueryInfo, ResultShape
from vsql.repl.candidates import NameSource
from vsql.repl.catalog import Catalog
from vsql.repl.runtime_backend import RuntimeBackend
from vsql.repl.shape import shape_of
from vsql.runtime import RunStats, Session

__all__ = ["DEMO_RATE", "DEMO_TOPIC", "BrokerOpener", "Dashboard", "RunOutcome", "Workbench"]

logger = logging.getLogger(__name__)

DEMO_TOPIC = "trades"
DEMO_RATE = 2_000
"""Demo trades per second on the embedded broker, as in the shell."""

BrokerOpener = Callable[[str | None], Broker]
"""Opens the broker at a bootstrap address, or vsql's embedded broker for None."""


@dataclass(frozen=True)
class RunOutcome:
    """How a statement ended: a foreground query's final counters, or a line for the user."""

    stats: RunStats | None = None
    message: str | None = None


class Dashboard(Protocol):
    """Everything the dashboard asks of the runtime; implemented by ``Workbench`` (and test doubles).

    ``run``, ``terminate``, ``start_datagen`` and ``switch_broker`` block and are called from
    worker threads; the other methods return at once and are called from the UI thread.
    """

    @property
    def label(self) -> str:
        """The broker, as the title bar shows it."""

    @property
    def names(self) -> NameSource:
        """Cached topic, column and query names for completion."""

    def shape(self, statement: str) -> ResultShape | None:
        """The result shape of a foreground query, None for other statements.

        Raises:
            VsqlError: the statement is rejected.
        """

    def run(
        self,
        statement: str,
        *,
        on_rows: Callable[[pa.Table], None],
        on_progress: Callable[[RunStats], None],
        cancel: threading.Event,
    ) -> RunOutcome:
        """Run one statement until its LIMIT, its end, or ``cancel``; see ``Session.execute``.

        Raises:
            VsqlError: the statement is rejected or fails while running.
        """

    def queries(self) -> list[QueryInfo]:
        """Background queries and datagen jobs, in start order."""

    def query_stats(self, query_id: str) -> RunStats | None:
        """The live counters of a background query, None for datagen jobs and unknown ids."""

    def terminate(self, query_id: str) -> list[str]:
        """Stop a background query or datagen job; returns the ids stopped.

        Raises:
            VsqlError: no query has that id.
        """

    def start_datagen(self, kind: str, *, topic: str, rate: int) -> str:
        """Start producing ``kind`` events to ``topic`` at ``rate`` per second; returns its id.

        Raises:
            VsqlError: an unknown kind or a bad rate; the broker cannot be reached.
        """

    def switch_broker(self, bootstrap: str | None) -> None:
        """Stop everything running and reconnect to ``bootstrap`` (None: a new embedded broker).

        Raises:
            VsqlError: the broker cannot be opened; the current one is kept then.
        """

    def close(self) -> None:
        """Stop every query and job and close the broker."""


class Workbench:
    """A session on a broker, with the shell's runtime backend and catalog around it.

    Args:
        broker: the broker to start on; the workbench closes it.
        open_broker: opens the broker of ``switch_broker`` by bootstrap address (None: embedded).
        demo: on an embedded broker, start producing demo trades (``DEMO_RATE`` per second).

    Raises:
        VsqlError: the demo generator cannot start.
    """

    def __init__(self, broker: Broker, *, open_broker: BrokerOpener, demo: bool = False) -> None:
        self._open_broker = open_broker
        self._demo = demo
        self._lock = threading.Lock()
        self._broker, self._session, self._backend, self._catalog = self._connect(broker)

    def _connect(self, broker: Broker) -> tuple[Broker, Session, RuntimeBackend, Catalog]:
        session = Session(broker=broker)
        backend = RuntimeBackend(session)
        catalog = Catalog(backend)
        catalog.start()
        if self._demo and isinstance(broker, EmbeddedBroker):
            backend.start_datagen(DEMO_TOPIC, topic=DEMO_TOPIC, rate=DEMO_RATE)
        return broker, session, backend, catalog

    @property
    def label(self) -> str:
        """``embedded broker at host:port`` or ``Kafka at host:port``."""
        kind = "embedded broker" if isinstance(self._broker, EmbeddedBroker) else "Kafka"
        return f"{kind} at {self._broker.bootstrap}"

    @property
    def names(self) -> NameSource:
        """The catalog, refreshed in the background."""
        return self._catalog

    def shape(self, statement: str) -> ResultShape | None:
        """See ``Dashboard.shape``."""
        compiled = self._session.compile(statement)
        if isinstance(compiled, LogicalPlan) and compiled.sink is None:
            return shape_of(compiled)
        return None

    def run(
        self,
        statement: str,
        *,
        on_rows: Callable[[pa.Table], None],
        on_progress: Callable[[RunStats], None],
        cancel: threading.Event,
    ) -> RunOutcome:
        """See ``Dashboard.run``: SELECTs run on the session, other statements on the backend."""
        if self.shape(statement) is None:
            result = self._backend.execute(
                statement, on_start=_ignore, on_rows=on_rows, on_status=_ignore, cancel=cancel
            )
            return RunOutcome(message=result.message or "done")
        stats = self._session.execute(
            statement, on_rows=on_rows, cancel=cancel, until_caught_up=False, on_progress=on_progress
        )
        return RunOutcome(stats=stats)

    def queries(self) -> list[QueryInfo]:
        """See ``Dashboard.queries``."""
        return self._backend.queries()

    def query_stats(self, query_id: str) -> RunStats | None:
        """See ``Dashboard.query_stats``."""
        query = self._session.queries.get(query_id)
        return None if query is None else query.stats

    def terminate(self, query_id: str) -> list[str]:
        """See ``Dashboard.terminate``."""
        return self._backend.terminate(query_id)

    def start_datagen(self, kind: str, *, topic: str, rate: int) -> str:
        """See ``Dashboard.start_datagen``."""
        return self._backend.start_datagen(kind, topic=topic, rate=rate)

    def switch_broker(self, bootstrap: str | None) -> None:
        """See ``Dashboard.switch_broker``."""
        with self._lock:
            connected = self._connect(self._open_broker(bootstrap))
            self._release()
            self._broker, self._session, self._backend, self._catalog = connected

    def close(self) -> None:
        """See ``Dashboard.close``."""
        with self._lock:
            self._release()

    def _release(self) -> None:
        self._catalog.stop()
        self._backend.close()
        self._broker.close()


def _ignore(*_: object) -> None:
    """A callback whose calls carry nothing the dashboard shows."""
