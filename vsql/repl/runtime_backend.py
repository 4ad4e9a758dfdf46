"""The shell's backend over the real runtime: a ``Session`` for statements, a ``Broker`` for topics.

Queries run through the session; SELECTs over Kafka topics are push queries that run until their
LIMIT, a Ctrl-C (the shell's cancel event) or a broker failure. ``CREATE STREAM`` queries and
DATAGEN jobs run in the background and are listed and stopped together (SHOW QUERIES, TERMINATE).
Topic metadata, schema sampling and tailing go to the session's broker (``vsql.runtime.topics``),
opened on first use, so a script over files never starts one.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Mapping

import pyarrow as pa

from vsql.engine.columns import TIMESTAMP
from vsql.engine.errors import PlanError, UnsupportedError
from vsql.engine.settings import SETTING_KEYS, QuerySettings
from vsql.engine.sql.plan import LogicalPlan
from vsql.engine.sql.statements import SetStatement, UnsetStatement
from vsql.io.errors import InputError
from vsql.io.kafka.brokers import Broker
from vsql.repl.backend import (
    ALL_QUERIES,
    QueryInfo,
    QueryState,
    RowsCallback,
    ShapeCallback,
    StatementResult,
    StatusCallback,
    TopicInfo,
)
from vsql.repl.datagen_job import DatagenJob
from vsql.repl.explain import explain_plan, format_duration
from vsql.repl.meter import StatusMeter, status_of
from vsql.repl.shape import shape_of
from vsql.runtime import Session
from vsql.runtime.queries import BackgroundQuery
from vsql.runtime.topics import DEFAULT_SAMPLE_SIZE, FieldInfo, describe_topic, tail_topic

__all__ = ["RuntimeBackend"]

logger = logging.getLogger(__name__)

_STOP_WAIT_S = 2.0
_NON_WORD = re.compile(r"\W")
_SETTING_TEXT: dict[str, Callable[[QuerySettings], str]] = {
    "watermark.max_out_of_orderness": lambda s: format_duration(s.max_out_of_orderness_ms),
    "watermark.idle_timeout": lambda s: format_duration(s.idle_timeout_ms),
    "window.allowed_lateness": lambda s: format_duration(s.allowed_lateness_ms),
    "late.data.strategy": lambda s: s.late_data_strategy.value,
    "event.time.field": lambda s: s.event_time_field or TIMESTAMP,
    "consumer.tier": lambda s: s.consumer_tier.value,
    "dlq.topic": lambda s: s.dlq_topic or "",
    "output.mode": lambda s: s.output_mode.value if s.output_mode is not None else "",
    "scan.bounded.mode": lambda s: s.scan_bounded_mode.value,
    "query.workers": lambda s: str(s.workers),
}
"""How SHOW PROPERTIES writes each setting, read from the session's parsed settings (so defaults show)."""


class RuntimeBackend:
    """Implements ``ShellBackend`` over a runtime session and its broker.

    Args:
        session: runs statements, owns the background queries and the broker (for topic listing,
            sampling and tailing).
        sample_size: messages DESCRIBE samples at most.
    """

    def __init__(self, session: Session, *, sample_size: int = DEFAULT_SAMPLE_SIZE) -> None:
        self._session = session
        self._sample_size = sample_size
        self._jobs: dict[str, DatagenJob] = {}
        self._jobs_lock = threading.Lock()

    @property
    def broker_address(self) -> str:
        """The broker's bootstrap address."""
        return self._broker.bootstrap

    @property
    def _broker(self) -> Broker:
        """The session's broker.

        Raises:
            InputError: the session has none.
        """
        broker = self._session.broker
        if broker is None:
            raise InputError("this statement needs a Kafka broker, and none is connected")
        return broker

    def execute(
        self,
        statement: str,
        *,
        on_start: ShapeCallback,
        on_rows: RowsCallback,
        on_status: StatusCallback,
        cancel: threading.Event,
    ) -> StatementResult:
        """Run one statement; see ``ShellBackend.execute``.

        Raises:
            VsqlError: the statement is rejected, its topic is missing, or it fails while running.
        """
        compiled = self._session.compile(statement)  # checks that a source topic exists
        if isinstance(compiled, SetStatement):
            self._session.set_property(compiled.key, compiled.value)
            return StatementResult(message=f"set '{compiled.key}' = '{compiled.value}'")
        if isinstance(compiled, UnsetStatement):
            self._session.execute(statement, on_rows=_discard)
            return StatementResult(message=f"unset '{compiled.key}'")
        if compiled.sink is not None:
            return self._start_background(statement, compiled)
        on_start(shape_of(compiled))
        meter = StatusMeter(on_status)
        stats = self._session.execute(
            statement, on_rows=on_rows, cancel=cancel, until_caught_up=False, on_progress=meter.observe
        )
        return StatementResult(status=None if stats is None else meter.final(stats))

    def is_unbounded(self, statement: str) -> bool:
        """Whether ``statement`` is a query that never ends on its own: it reads a topic, no LIMIT.

        Raises:
            VsqlError: the statement is rejected.
        """
        compiled = self._session.compile(statement)
        return isinstance(compiled, LogicalPlan) and not self._session.is_bounded(compiled)

    def explain(self, statement: str) -> str:
        """The plan of a query as text (see ``explain_plan``).

        Raises:
            VsqlError: the statement does not compile, or is not a query.
        """
        compiled = self._session.compile(statement)
        if not isinstance(compiled, LogicalPlan):
            raise UnsupportedError("EXPLAIN takes a query (SELECT or CREATE STREAM ... AS SELECT)")
        return explain_plan(compiled)

    def topics(self) -> list[TopicInfo]:
        """The broker's topics with partition and message counts, sorted by name."""
        return [
            TopicInfo(name=name, partitions=info.partitions, messages=info.messages)
            for name, info in sorted(self._broker.topics().items())
        ]

    def describe(self, topic: str) -> list[FieldInfo]:
        """The topic's value fields, sampled from its first messages."""
        return describe_topic(self._broker, topic, sample_size=self._sample_size)

    def print_topic(
        self,
        topic: str,
        *,
        from_beginning: bool,
        limit: int | None,
        on_rows: RowsCallback,
        cancel: threading.Event,
    ) -> None:
        """Tail the topic until ``limit`` messages or ``cancel``."""
        tail_topic(
            self._broker, topic, from_beginning=from_beginning, limit=limit, on_rows=on_rows, cancel=cancel
        )

    def queries(self) -> list[QueryInfo]:
        """Background queries of the session, then DATAGEN jobs, in start order."""
        infos = [_query_info(query) for query in list(self._session.queries.values())]
        with self._jobs_lock:
            jobs = list(self._jobs.values())
        return infos + [job.info() for job in jobs]

    def terminate(self, query_id: str) -> list[str]:
        """Stop a background query or DATAGEN job (``ALL``: every running one); returns the ids stopped.

        Waits up to about two seconds for each to stop, so SHOW QUERIES shows it as terminated.

        Raises:
            PlanError: no query has that id.
        """
        wanted = query_id.upper()
        with self._jobs_lock:
            jobs = dict(self._jobs)
        queries = dict(self._session.queries)
        if wanted == ALL_QUERIES:
            chosen_jobs = [job for job in jobs.values() if job.state is QueryState.RUNNING]
            chosen_queries = [query for query in queries.values() if _is_running(query)]
        elif wanted in jobs:
            chosen_jobs, chosen_queries = [jobs[wanted]], []
        elif wanted in queries:
            chosen_jobs, chosen_queries = [], [queries[wanted]]
        else:
            known = ", ".join([*queries, *jobs]) or "none"
            raise PlanError(f"no query {query_id}; queries are: {known}")
        for runner in [*chosen_jobs, *chosen_queries]:
            runner.stop()
        for job in chosen_jobs:
            job.join(_STOP_WAIT_S)
        for query in chosen_queries:
            query.join(_STOP_WAIT_S)
        return [runner.query_id for runner in [*chosen_queries, *chosen_jobs]]

    def properties(self) -> Mapping[str, str]:
        """Every setting with its current value (defaults included), plus the scoped properties set."""
        settings = self._session.settings
        shown = {key: _SETTING_TEXT[key](settings) for key in SETTING_KEYS if key in _SETTING_TEXT}
        return shown | {key.strip().lower(): value for key, value in self._session.properties.items()}

    def start_datagen(self, kind: str, *, topic: str, rate: int) -> str:
        """Start a DATAGEN job producing ``kind`` events to ``topic`` at ``rate`` per second.

        Raises:
            InputError: an unknown kind or a bad rate. BrokerError: the broker cannot be reached.
        """
        with self._jobs_lock:
            query_id = f"DATAGEN_{_NON_WORD.sub('_', topic.upper())}_{len(self._jobs) + 1}"
            job = DatagenJob(self._broker, query_id=query_id, kind=kind, topic=topic, rate=rate)
            self._jobs[query_id] = job
        try:
            job.start()
        except BaseException:
            with self._jobs_lock:
                self._jobs.pop(query_id, None)
            raise
        logger.info("started %s", job.statement)
        return query_id

    def close(self) -> None:
        """Stop every DATAGEN job and background query (the broker is left to its owner)."""
        with self._jobs_lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            job.stop()
        for job in jobs:
            job.join(_STOP_WAIT_S)
        self._session.close(wait=False)

    def _start_background(self, statement: str, plan: LogicalPlan) -> StatementResult:
        assert plan.sink is not None
        before = set(self._session.queries)
        self._session.execute(statement, on_rows=_discard, until_caught_up=False)
        started = [query_id for query_id in self._session.queries if query_id not in before]
        if not started:
            return StatementResult(message=f"{plan.sink.kind} {plan.sink.name} written")
        query_id = started[0]
        topic = plan.settings.topic_of(plan.sink.name)
        workers = plan.settings.workers
        where = f" in {workers} worker processes per stage" if workers > 1 else ""
        return StatementResult(
            message=f"query {query_id} started{where}, writing to topic '{topic}' "
            f"(TERMINATE {query_id} stops it)",
            query_id=query_id,
        )


def _discard(_rows: pa.Table) -> None:
    """Rows of a statement that shows none."""


def _is_running(query: BackgroundQuery) -> bool:
    return query.state.name == QueryState.RUNNING.name


def _query_info(query: BackgroundQuery) -> QueryInfo:
    plan = query.plan
    sink = None
    if plan.sink is not None:
        sink = plan.settings.topic_of(plan.sink.name)
    return QueryInfo(
        query_id=query.query_id,
        statement=plan.sql,
        state=QueryState[query.state.name],
        status=status_of(query.stats),
        sink=sink,
        error=None if query.error is None else str(query.error),
    )
