"""An in-memory ``Runtime`` for the shell and dashboard tests: topics are lists of records, queries
are scripted.

Statements go through the real compiler (with the fields of the fake topics, so a misspelt column
is the planner's own error); what a query emits is whatever the test scripted in ``batches``. A
push query (``is_push``) emits its batches, sets ``query_started`` and then blocks until cancelled,
as a Kafka query would.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pyarrow as pa

from vsql.engine.errors import PlanError
from vsql.engine.settings import QuerySettings
from vsql.engine.sql.plan import EmitMode, LogicalPlan
from vsql.engine.sql.statements import SetStatement, compile_statement
from vsql.io.kafka.admin import TopicInfo
from vsql.runtime import (
    ALL_JOBS,
    Counters,
    FieldInfo,
    JobInfo,
    JobKind,
    JobState,
    Prepared,
    ResultShape,
    RunResult,
    StatementKind,
)
from vsql.runtime.shape import shape_of

CANCEL_WAIT_S = 10.0
"""Upper bound on how long a fake push query waits for its cancel; tests never reach it."""


@dataclass
class FakeRuntime:
    """Implements the ``Runtime`` API over in-memory topics and scripted query output.

    Attributes:
        topic_records: topic name -> value records.
        batches: the tables any query emits, in order.
        shape: the shape announced for any query; None derives it from the plan.
        is_push: queries block after their batches until cancelled.
        final: the counters a query returns; None counts its rows.
        executed: the text of every statement ``run`` received.
        query_started: set once a query has emitted its batches.
        running_cancel: the cancel event of the query (or PRINT) that set ``query_started``.
        started: every datagen asked for, as (kind, topic, rate).
        terminated: every id ``terminate`` was asked for.
        job_counters: counters of the jobs by id, as ``job`` shows them.
    """

    topic_records: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    batches: list[pa.Table] = field(default_factory=list)
    shape: ResultShape | None = None
    is_push: bool = False
    final: Counters | None = None
    executed: list[str] = field(default_factory=list)
    query_started: threading.Event = field(default_factory=threading.Event)
    running_cancel: threading.Event = field(default_factory=threading.Event)
    started: list[tuple[str, str, int]] = field(default_factory=list)
    terminated: list[str] = field(default_factory=list)
    job_counters: dict[str, Counters] = field(default_factory=dict)
    broker_label: str = "fake broker at localhost:9092"
    _properties: dict[str, str] = field(default_factory=dict)
    _jobs: dict[str, JobInfo] = field(default_factory=dict)

    def prepare(self, text: str) -> Prepared:
        compiled = compile_statement(text, schemas=self._fields)
        statement = text.strip().rstrip(";").strip()
        if isinstance(compiled, SetStatement):
            return Prepared(statement, StatementKind.SET, key=compiled.key, value=compiled.value)
        if not isinstance(compiled, LogicalPlan):
            return Prepared(statement, StatementKind.UNSET, key=compiled.key)
        kind = StatementKind.QUERY if compiled.sink is None else StatementKind.PERSISTENT
        return Prepared(statement, kind, plan=compiled, shape=self.shape or shape_of(compiled))

    def run(
        self,
        prepared: Prepared,
        *,
        on_rows: Callable[[pa.Table], None] | None = None,
        on_progress: Callable[[Counters], None] | None = None,
        cancel: threading.Event | None = None,
        progress_interval_s: float = 1.0,
    ) -> RunResult:
        self.executed.append(prepared.text)
        if prepared.kind is StatementKind.SET:
            self._properties[prepared.key or ""] = prepared.value or ""
            return RunResult(message=f"set '{prepared.key}' = '{prepared.value}'")
        if prepared.kind is StatementKind.UNSET:
            self._properties.pop(prepared.key or "", None)
            return RunResult(message=f"unset '{prepared.key}'")
        assert prepared.plan is not None
        if prepared.plan.sink is not None:
            job_id = f"CSAS_{prepared.plan.sink.name.upper()}_{len(self._jobs) + 1}"
            self.add_job(JobInfo(job_id, prepared.text, JobState.RUNNING, sink=prepared.plan.sink.name))
            return RunResult(message=f"query {job_id} started", job_id=job_id)
        rows_out = 0
        for batch in self.batches:
            if on_rows is not None:
                on_rows(batch)
            rows_out += batch.num_rows
            if on_progress is not None:
                on_progress(Counters(records_in=rows_out * 10, rows_out=rows_out, records_per_s=1000.0))
        self.running_cancel = cancel or threading.Event()
        self.query_started.set()
        if self.is_push:
            self.running_cancel.wait(CANCEL_WAIT_S)
        return RunResult(
            counters=self.final or Counters(records_in=rows_out * 10, rows_out=rows_out, elapsed_s=1.5)
        )

    def explain(self, prepared: Prepared) -> str:
        plan = prepared.plan
        assert plan is not None
        emit = "EMIT CHANGES" if plan.emit is EmitMode.CHANGES else "EMIT FINAL"
        return f"source: {plan.source.name}\nemission: {emit}"

    def topics(self) -> dict[str, TopicInfo]:
        return {
            name: TopicInfo(partitions=1, messages=len(records))
            for name, records in sorted(self.topic_records.items())
        }

    def describe(self, topic: str) -> list[FieldInfo]:
        records = self._records(topic)
        names = list(dict.fromkeys(name for record in records for name in record))
        table = pa.Table.from_pylist(records)
        return [
            FieldInfo(
                name=name,
                type=str(table.schema.field(name).type),
                null_fraction=table[name].null_count / table.num_rows,
                example=next((str(record[name]) for record in records if record.get(name) is not None), None),
            )
            for name in names
        ]

    def print_topic(
        self,
        topic: str,
        *,
        from_beginning: bool,
        limit: int | None,
        on_rows: Callable[[pa.Table], None],
        cancel: threading.Event,
    ) -> None:
        records = self._records(topic) if from_beginning else []
        shown = records[:limit] if limit is not None else records
        if shown:
            on_rows(pa.Table.from_pylist(shown))
        self.running_cancel = cancel
        self.query_started.set()
        if limit is None or len(shown) < limit:
            cancel.wait(CANCEL_WAIT_S)

    def properties(self) -> dict[str, str]:
        return dict(self._properties)

    def add_job(self, info: JobInfo) -> None:
        """Show ``info`` among the jobs."""
        self._jobs[info.job_id] = info

    def jobs(self) -> list[JobInfo]:
        return list(self._jobs.values())

    def job(self, job_id: str) -> JobInfo | None:
        info = self._jobs.get(job_id)
        if info is None or job_id not in self.job_counters:
            return info
        return replace(info, counters=self.job_counters[job_id])

    def terminate(self, job_id: str) -> list[str]:
        self.terminated.append(job_id)
        running = [info.job_id for info in self._jobs.values() if info.state is JobState.RUNNING]
        chosen = running if job_id.upper() == ALL_JOBS else [job_id]
        for chosen_id in chosen:
            if chosen_id not in self._jobs:
                raise PlanError(f"no query {chosen_id}; queries are: {', '.join(self._jobs) or 'none'}")
            info = self._jobs[chosen_id]
            self._jobs[chosen_id] = replace(info, state=JobState.TERMINATED)
        return chosen

    def wait_for(self, job_id: str, timeout_s: float | None) -> bool:
        info = self._jobs.get(job_id)
        return info is None or info.state is not JobState.RUNNING

    def start_datagen(self, kind: str, *, topic: str, rate: int) -> str:
        if kind not in ("trades", "orders", "sensors"):
            raise PlanError(f"unknown datagen kind {kind!r}; kinds are trades, orders, sensors")
        self.started.append((kind, topic, rate))
        job_id = f"DATAGEN_{topic.upper()}_{len(self._jobs) + 1}"
        statement = f"DATAGEN {kind} TO {topic} RATE {rate}"
        self.add_job(JobInfo(job_id, statement, JobState.RUNNING, JobKind.DATAGEN, sink=topic))
        self.topic_records.setdefault(topic, [])
        return job_id

    def close(self, *, wait: bool = False) -> None:
        """Nothing to release."""

    def _fields(self, source: str, settings: QuerySettings) -> pa.Schema | None:
        records = self.topic_records.get(settings.topic_of(source))
        return pa.Table.from_pylist(records).schema if records else None

    def _records(self, topic: str) -> list[dict[str, object]]:
        if topic not in self.topic_records:
            raise PlanError(f"unknown topic {topic!r}; topics are {', '.join(sorted(self.topic_records))}")
        return self.topic_records[topic]
