"""Running prepared queries: in the foreground in this process, as background jobs, or in workers.

A SELECT runs in the foreground over its bound file, or over its topic until cancelled or its
LIMIT (until caught up with the topic's end under ``'scan.bounded.mode' = 'latest-offset'``);
with ``'query.workers'`` above 1 it runs in that many worker processes per stage. A
``CREATE STREAM|TABLE ... AS SELECT`` over a file runs to completion in the foreground; over a
topic it becomes a job of the session (a thread, or worker processes).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable

import pyarrow as pa

from vsql.engine.errors import VsqlError
from vsql.engine.sql.plan import LogicalPlan
from vsql.io.errors import InputError
from vsql.io.formats.decoder import message_decoder
from vsql.io.kafka.brokers import Broker, ensure_topic
from vsql.io.kafka.consumer import TopicConsumer
from vsql.io.kafka.producer import JsonProducer
from vsql.runtime.counters import Counters
from vsql.runtime.jobs import JobRegistry
from vsql.runtime.prepared import Prepared
from vsql.runtime.properties import SessionProperties
from vsql.runtime.queries import BackgroundQuery, Runner
from vsql.runtime.run import ProgressHook, run_query
from vsql.runtime.sinks import CallbackSink, DeadLetterSink, ResultSink, open_sink
from vsql.runtime.sources import BlockSource, KafkaSource, Source
from vsql.runtime.workers import WorkerQuery, script_of

__all__ = ["Launcher", "RowsHook"]

RowsHook = Callable[[pa.Table], None]
"""Gets each non-empty table of result rows, in emission order."""


class Launcher:
    """Starts the runs of prepared queries on a session's broker.

    Args:
        broker: the session's broker, opened on first use; None when there is none.
        jobs: where background queries are registered.
        properties: the session's properties (worker processes get them as SET statements).
    """

    def __init__(
        self, broker: Callable[[], Broker | None], *, jobs: JobRegistry, properties: SessionProperties
    ) -> None:
        self._broker = broker
        self._jobs = jobs
        self._properties = properties
        self._producer: JsonProducer | None = None

    def run(
        self,
        prepared: Prepared,
        *,
        on_rows: RowsHook,
        cancel: threading.Event | None,
        on_progress: ProgressHook,
    ) -> Counters:
        """Run a query in the foreground until it ends, its LIMIT, or ``cancel``.

        Raises:
            InputError: no file or broker for its source. BrokerError: the broker failed.
            ExecutionError: the engine (or a worker) failed.
        """
        plan = _plan_of(prepared)
        if prepared.bound_file is None and plan.settings.workers > 1 and plan.sink is None:
            return self._run_workers(prepared, on_rows=on_rows, cancel=cancel, on_progress=on_progress)
        source, sink = self._open(prepared, group_id=f"vsql-query-{uuid.uuid4().hex[:12]}", on_rows=on_rows)
        try:
            return self._runner(prepared, source, sink)(cancel, on_progress)
        finally:
            source.close()
            sink.close()

    def start(self, prepared: Prepared) -> str:
        """Start a persistent query over a topic as a job; returns its id.

        Raises:
            InputError: no broker. BrokerError: the broker failed.
        """
        plan = _plan_of(prepared)
        assert plan.sink is not None
        prefix = "CTAS" if plan.sink.kind.lower() == "table" else "CSAS"
        job_id = self._jobs.new_id(prefix, plan.sink.name)
        sink_topic = plan.settings.topic_of(plan.sink.name)
        if plan.settings.workers > 1:
            query = WorkerQuery(
                script_of(self._properties.written, prepared.text),
                broker=self._required_broker(),
                workers=plan.settings.workers,
                group_id=None,
            )
            job = BackgroundQuery(
                job_id, statement=plan.sql, sink=sink_topic, run=query.run, release=query.close
            )
            return self._jobs.start(job)
        source, sink = self._open(prepared, group_id=f"vsql-{plan.sink.name}", on_rows=None)
        job = BackgroundQuery(
            job_id,
            statement=plan.sql,
            sink=sink_topic,
            run=self._runner(prepared, source, sink),
            release=lambda: (source.close(), sink.close()),
        )
        return self._jobs.start(job)

    def close(self) -> None:
        """Flush what the shared producer still holds (dead letters)."""
        if self._producer is not None:
            self._producer.flush()

    def _run_workers(
        self,
        prepared: Prepared,
        *,
        on_rows: RowsHook,
        cancel: threading.Event | None,
        on_progress: ProgressHook,
    ) -> Counters:
        """A SELECT in ``query.workers`` processes per stage, in a fresh consumer group (it reads
        the whole topic, as a SELECT in this process does)."""
        plan = _plan_of(prepared)
        query = WorkerQuery(
            script_of(self._properties.written, prepared.text),
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

    def _source(self, prepared: Prepared, *, group_id: str) -> Source:
        plan = _plan_of(prepared)
        if prepared.bound_file is not None:
            blocks = prepared.bound_file.blocks(
                file_format=prepared.source_format, projection=plan.input_columns
            )
            return BlockSource(blocks)
        broker = self._broker()
        if broker is None:
            name = plan.source.name
            raise InputError(
                f"no input bound to source '{name}': bind a file with --input {name}=PATH or connect a broker"
            )
        settings = plan.settings
        consumer = TopicConsumer(
            broker.consumer_config,
            settings.topic_of(plan.source.name),
            group_id=group_id,
            tier=settings.consumer_tier,
            decoder=message_decoder(prepared.source_format, projection=plan.input_columns),
        )
        return KafkaSource(consumer, until_caught_up=prepared.reads_to_end)

    def _open(
        self, prepared: Prepared, *, group_id: str, on_rows: RowsHook | None
    ) -> tuple[Source, ResultSink]:
        """The query's source and sink: its rows to ``on_rows``, or to the sink it names."""
        plan = _plan_of(prepared)
        source = self._source(prepared, group_id=group_id)
        try:
            if plan.sink is not None:
                return source, open_sink(plan.sink, plan.settings, broker=self._broker())
            assert on_rows is not None
            return source, CallbackSink(on_rows)
        except VsqlError:
            source.close()
            raise

    def _runner(self, prepared: Prepared, source: Source, sink: ResultSink) -> Runner:
        """Runs the query from ``source`` to ``sink`` until it ends (a finite input closes every
        window at its end) or the run's cancel event is set."""
        plan = _plan_of(prepared)

        def run(cancel: threading.Event | None, on_progress: ProgressHook) -> Counters:
            return run_query(
                plan,
                source,
                sink=sink,
                dead_letters=self._dead_letter_sink(plan),
                finish=prepared.reads_to_end,
                cancel=cancel,
                on_progress=on_progress,
            )

        return run

    def _dead_letter_sink(self, plan: LogicalPlan) -> DeadLetterSink | None:
        topic = plan.settings.dlq_topic
        if topic is None:
            return None
        broker = self._broker()
        if broker is None:
            raise InputError(
                f"dead letters go to Kafka topic '{topic}' (dlq.topic), but no broker is connected"
            )
        ensure_topic(broker, topic)
        if self._producer is None:
            self._producer = JsonProducer(broker.client_config)
        return DeadLetterSink(self._producer, topic)

    def _required_broker(self) -> Broker:
        broker = self._broker()
        if broker is None:
            raise InputError("'query.workers' needs a Kafka broker")
        return broker


def _plan_of(prepared: Prepared) -> LogicalPlan:
    assert prepared.plan is not None, "only queries run"
    return prepared.plan
