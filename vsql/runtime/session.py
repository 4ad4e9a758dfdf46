"""A session: SET properties, the broker, file inputs, and the queries it started.

The CLI, the scenario runner and the shell run statements through a Session; none of them talks
to the engine's Pipeline or to Kafka clients directly. A query reads its source from the file
bound to that name (``--input TOPIC=PATH``), else from the Kafka topic of that name on the
session's broker.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeGuard

import pyarrow as pa

from vsql.engine.errors import VsqlError
from vsql.engine.settings import QuerySettings, ScanBoundedMode
from vsql.engine.sql.plan import LogicalPlan
from vsql.engine.sql.statements import SetStatement, UnsetStatement, compile_statement
from vsql.io.errors import InputError
from vsql.io.files import read_file
from vsql.io.formats.decoder import Format, message_decoder
from vsql.io.kafka.brokers import Broker, ensure_topic
from vsql.io.kafka.consumer import TopicConsumer
from vsql.io.kafka.producer import JsonProducer
from vsql.runtime.inputs import SourceSchemas, bind_input
from vsql.runtime.queries import QueryRegistry
from vsql.runtime.run import ProgressHook, run_query
from vsql.runtime.sinks import CallbackSink, DeadLetterSink, ResultSink, open_sink
from vsql.runtime.sources import BlockSource, KafkaSource, Source
from vsql.runtime.stats import RunStats
from vsql.runtime.workers import WorkerQuery, script_of

__all__ = ["Session"]

RowsSink = Callable[[pa.Table], None]


class Session:
    """Session state of a script or shell.

    Args:
        broker: the Kafka broker topics are read from and written to, or a function opening it on
            first use (so a script over files never connects; the session then closes it too);
            None for files only.
        inputs: topic name -> NDJSON/CSV file, replayed as a finite input.
    """

    def __init__(
        self,
        *,
        broker: Broker | Callable[[], Broker] | None = None,
        inputs: Mapping[str, Path] | None = None,
    ) -> None:
        self._broker = broker
        self._owns_broker = _is_opener(broker)
        self._inputs = dict(inputs or {})
        self._properties: dict[str, str] = {}
        self.queries = QueryRegistry()
        self._producer: JsonProducer | None = None
        self._schemas = SourceSchemas(self._inputs, lambda: self.broker)

    @property
    def broker(self) -> Broker | None:
        """The session's broker, opened on first use."""
        if _is_opener(self._broker):
            self._broker = self._broker()
        return self._broker

    @property
    def settings(self) -> QuerySettings:
        """The session's settings (SET properties over the defaults)."""
        return QuerySettings.from_properties(self._properties)

    @property
    def properties(self) -> dict[str, str]:
        """The SET properties, as written."""
        return dict(self._properties)

    def set_property(self, key: str, value: str) -> None:
        """``SET 'key' = 'value'``.

        Raises:
            PlanError: the key or value is not valid.
        """
        candidate = {**self._properties, key: value}
        QuerySettings.from_properties(candidate)
        self._properties = candidate

    def compile(self, statement: str) -> LogicalPlan | SetStatement | UnsetStatement:
        """Compile a statement with the session's settings and its source's sampled schema, so a
        misspelt column is rejected (with the closest name) before the query runs.

        Raises:
            SqlSyntaxError, PlanError: the statement is rejected.
            InputError: the source topic does not exist.
        """
        compiled = compile_statement(statement, settings=self.settings)
        if isinstance(compiled, LogicalPlan):
            schema = self._schemas.of(compiled)
            if schema is not None:
                compiled = compile_statement(statement, settings=self.settings, schema=schema)
        return compiled

    def is_bounded(self, plan: LogicalPlan) -> bool:
        """Whether the query ends on its own: it reads a file, stops after its LIMIT, or reads its
        topic up to the end offsets it found (``'scan.bounded.mode' = 'latest-offset'``)."""
        return (
            plan.limit is not None
            or bind_input(plan, self._inputs) is not None
            or plan.settings.scan_bounded_mode is ScanBoundedMode.LATEST_OFFSET
        )

    def execute(
        self,
        statement: str,
        *,
        on_rows: RowsSink,
        cancel: threading.Event | None = None,
        until_caught_up: bool = True,
        on_progress: ProgressHook | None = None,
    ) -> RunStats | None:
        """Run one statement.

        SET/UNSET change the session. A SELECT runs in the foreground over its file, or over its
        topic: until caught up with the topic's end when ``until_caught_up`` or the
        ``scan.bounded.mode`` setting says so, else until ``cancel`` is set or its LIMIT is
        reached; with ``'query.workers'`` above 1, in that many worker processes per stage. ``CREATE
        STREAM|TABLE ... AS SELECT`` over a topic starts in the background (see
        ``queries``), in this process, or with ``'query.workers'`` above 1 in that many worker
        processes per stage (``vsql.runtime.workers``); over a file it runs to completion.

        Returns:
            The run's statistics for a foreground query, None otherwise.

        Raises:
            SqlSyntaxError, PlanError: the statement is rejected.
            InputError: the source is neither a bound file nor a reachable topic.
            ExecutionError: the engine failed.
        """
        compiled = self.compile(statement)
        if isinstance(compiled, SetStatement):
            self.set_property(compiled.key, compiled.value)
            return None
        if isinstance(compiled, UnsetStatement):
            self._properties.pop(compiled.key, None)
            return None
        plan = compiled
        is_file = bind_input(plan, self._inputs) is not None
        bounded_scan = plan.settings.scan_bounded_mode is ScanBoundedMode.LATEST_OFFSET
        until_caught_up = until_caught_up or is_file or bounded_scan
        if plan.sink is not None and not is_file:
            if plan.settings.workers > 1:
                self._start_workers(plan, statement)
            else:
                self._start_background(plan, until_caught_up=until_caught_up)
            return None
        if plan.sink is None and not is_file and plan.settings.workers > 1:
            return self._run_workers(plan, statement, on_rows=on_rows, cancel=cancel, on_progress=on_progress)
        source = self._source_for(
            plan, group_id=f"vsql-query-{uuid.uuid4().hex[:12]}", until_caught_up=until_caught_up
        )
        try:
            sink = (
                open_sink(plan.sink, plan.settings, broker=self.broker)
                if plan.sink
                else CallbackSink(on_rows)
            )
        except VsqlError:
            source.close()
            raise
        try:
            return self._runner(plan, source, sink, until_caught_up=until_caught_up)(cancel, on_progress)
        finally:
            source.close()
            if plan.sink is not None:
                sink.close()

    def _source_for(self, plan: LogicalPlan, *, group_id: str, until_caught_up: bool) -> Source:
        path = bind_input(plan, self._inputs)
        if path is not None:
            return BlockSource(read_file(path, projection=plan.input_columns))
        if self.broker is None:
            name = plan.source.name
            raise InputError(
                f"no input bound to source '{name}': bind a file with --input {name}=PATH or connect a broker"
            )
        settings = plan.settings
        topic = settings.topic_of(plan.source.name)
        consumer = TopicConsumer(
            self.broker.consumer_config,
            topic,
            group_id=group_id,
            decoder=message_decoder(Format.JSON, projection=plan.input_columns),
            tier=settings.consumer_tier,
        )
        return KafkaSource(consumer, until_caught_up=until_caught_up)

    def _shared_producer(self) -> JsonProducer:
        if self.broker is None:
            raise InputError("writing to Kafka needs a broker")
        if self._producer is None:
            self._producer = JsonProducer(self.broker.client_config)
        return self._producer

    def _dead_letter_sink(self, plan: LogicalPlan) -> DeadLetterSink | None:
        topic = plan.settings.dlq_topic
        if topic is None:
            return None
        if self.broker is None:
            raise InputError(
                f"dead letters go to Kafka topic '{topic}' (dlq.topic), but no broker is connected"
            )
        ensure_topic(self.broker, topic)
        return DeadLetterSink(self._shared_producer(), topic)

    def _start_background(self, plan: LogicalPlan, *, until_caught_up: bool) -> None:
        assert plan.sink is not None
        source = self._source_for(plan, group_id=f"vsql-{plan.sink.name}", until_caught_up=until_caught_up)
        try:
            sink = open_sink(plan.sink, plan.settings, broker=self.broker)
        except VsqlError:
            source.close()
            raise
        run = self._runner(plan, source, sink, until_caught_up=until_caught_up)
        self.queries.start(plan, run, release=lambda: (source.close(), sink.close()))

    def _start_workers(self, plan: LogicalPlan, statement: str) -> None:
        """Run a background query in ``query.workers`` processes per stage, in the consumer group
        ``vsql run`` gives the same query (workers started elsewhere share its partitions)."""
        query = WorkerQuery(
            script_of(self._properties, statement),
            broker=self._required_broker(),
            workers=plan.settings.workers,
            group_id=None,
        )
        self.queries.start(plan, query.run, release=query.close)

    def _run_workers(
        self,
        plan: LogicalPlan,
        statement: str,
        *,
        on_rows: RowsSink,
        cancel: threading.Event | None,
        on_progress: ProgressHook | None,
    ) -> RunStats:
        """Run a SELECT in ``query.workers`` processes per stage, in a fresh consumer group (it
        reads the whole topic, as a SELECT in this process does)."""
        query = WorkerQuery(
            script_of(self._properties, statement),
            broker=self._required_broker(),
            workers=plan.settings.workers,
            group_id=f"vsql-query-{uuid.uuid4().hex[:12]}",
            on_rows=on_rows,
            limit=plan.limit,
        )
        try:
            return query.run(cancel, on_progress)
        finally:
            query.close()

    def _required_broker(self) -> Broker:
        broker = self.broker
        if broker is None:
            raise InputError("'query.workers' needs a Kafka broker")
        return broker

    def _runner(
        self, plan: LogicalPlan, source: Source, sink: ResultSink, *, until_caught_up: bool
    ) -> Callable[[threading.Event | None, ProgressHook | None], RunStats]:
        """Runs ``plan`` from ``source`` to ``sink``, finishing at the end of a finite read."""

        def run(cancel: threading.Event | None, on_progress: ProgressHook | None) -> RunStats:
            return run_query(
                plan,
                source,
                sink=sink,
                dead_letters=self._dead_letter_sink(plan),
                finish=until_caught_up,
                cancel=cancel,
                on_progress=on_progress,
            )

        return run

    def terminate(self, query_id: str) -> list[str]:
        """Stop a background query (``ALL`` stops every one); returns the ids stopped.

        Raises:
            PlanError: no query has that id.
        """
        return self.queries.terminate(query_id)

    def close(self, *, wait: bool = False) -> None:
        """Stop background queries (after they finish on their own when ``wait``), flush, and close
        the broker if the session opened it."""
        self.queries.close(wait=wait)
        if self._producer is not None:
            self._producer.flush()
        if self._owns_broker and not _is_opener(self._broker) and self._broker is not None:
            self._broker.close()
            self._owns_broker = False


def _is_opener(broker: object) -> TypeGuard[Callable[[], Broker]]:
    """Whether ``broker`` is a function opening a broker rather than a broker."""
    return callable(broker) and not hasattr(broker, "client_config")
