"""An in-memory ``ShellBackend`` for shell tests: topics are lists of records, queries are scripted.

Statements go through the real compiler, so syntax and plan errors are the engine's own; what a
query emits is whatever the test scripted in ``batches``. A push query (``is_push``) emits its
batches, sets ``query_started`` and then blocks until cancelled, as a Kafka query would.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

import pyarrow as pa

from vsql.engine.errors import PlanError
from vsql.engine.sql.plan import EmitMode, LogicalPlan
from vsql.engine.sql.statements import SetStatement, UnsetStatement, compile_statement
from vsql.repl.backend import (
    ALL_QUERIES,
    QueryInfo,
    QueryState,
    QueryStatus,
    ResultShape,
    RowsCallback,
    ShapeCallback,
    StatementResult,
    StatusCallback,
    TopicInfo,
)
from vsql.runtime.topics import FieldInfo

CANCEL_WAIT_S = 10.0
"""Upper bound on how long a fake push query waits for its cancel; tests never reach it."""


@dataclass
class FakeBackend:
    """Implements ``ShellBackend`` over in-memory topics and scripted query output.

    Attributes:
        topic_records: topic name -> value records.
        batches: the tables any query emits, in order.
        shape: the shape announced for any query.
        is_push: queries block after their batches until cancelled.
        executed: every statement ``execute`` received.
        query_started: set once a query has emitted its batches.
        running_cancel: the cancel event of the query (or PRINT) that set ``query_started``.
    """

    topic_records: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    batches: list[pa.Table] = field(default_factory=list)
    shape: ResultShape = field(default_factory=lambda: ResultShape(columns=()))
    is_push: bool = False
    executed: list[str] = field(default_factory=list)
    query_started: threading.Event = field(default_factory=threading.Event)
    running_cancel: threading.Event = field(default_factory=threading.Event)
    _properties: dict[str, str] = field(default_factory=dict)
    _queries: dict[str, QueryInfo] = field(default_factory=dict)

    @property
    def broker_address(self) -> str:
        return "fake:9092"

    def execute(
        self,
        statement: str,
        *,
        on_start: ShapeCallback,
        on_rows: RowsCallback,
        on_status: StatusCallback,
        cancel: threading.Event,
    ) -> StatementResult:
        self.executed.append(statement)
        compiled = compile_statement(statement)
        if isinstance(compiled, SetStatement):
            self._properties[compiled.key] = compiled.value
            return StatementResult(message=f"SET '{compiled.key}' = '{compiled.value}'")
        if isinstance(compiled, UnsetStatement):
            self._properties.pop(compiled.key, None)
            return StatementResult(message=f"UNSET '{compiled.key}'")
        assert isinstance(compiled, LogicalPlan)
        if compiled.sink is not None:
            query_id = f"q{len(self._queries) + 1}"
            self._queries[query_id] = QueryInfo(
                query_id=query_id, statement=statement, state=QueryState.RUNNING, sink=compiled.sink.name
            )
            return StatementResult(message=f"query {query_id} started", query_id=query_id)
        on_start(self.shape)
        rows_out = 0
        for batch in self.batches:
            on_rows(batch)
            rows_out += batch.num_rows
            on_status(QueryStatus(records_in=rows_out * 10, rows_out=rows_out, records_per_s=1000.0))
        self.running_cancel = cancel
        self.query_started.set()
        if self.is_push:
            cancel.wait(CANCEL_WAIT_S)
        return StatementResult(status=QueryStatus(records_in=rows_out * 10, rows_out=rows_out, elapsed_s=1.5))

    def is_unbounded(self, statement: str) -> bool:
        compiled = compile_statement(statement)
        return self.is_push and isinstance(compiled, LogicalPlan) and compiled.limit is None

    def topics(self) -> list[TopicInfo]:
        return [
            TopicInfo(name=name, partitions=1, messages=len(records))
            for name, records in sorted(self.topic_records.items())
        ]

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
        on_rows: RowsCallback,
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

    def queries(self) -> list[QueryInfo]:
        return list(self._queries.values())

    def terminate(self, query_id: str) -> list[str]:
        running = [info.query_id for info in self._queries.values() if info.state is QueryState.RUNNING]
        chosen = running if query_id.upper() == ALL_QUERIES else [query_id]
        for chosen_id in chosen:
            if chosen_id not in self._queries:
                raise PlanError(f"no query {chosen_id!r}; running: {', '.join(running) or 'none'}")
            info = self._queries[chosen_id]
            self._queries[chosen_id] = QueryInfo(
                query_id=info.query_id, statement=info.statement, state=QueryState.TERMINATED, sink=info.sink
            )
        return chosen

    def explain(self, statement: str) -> str:
        plan = compile_statement(statement)
        assert isinstance(plan, LogicalPlan)
        emit = "EMIT CHANGES" if plan.emit is EmitMode.CHANGES else "EMIT FINAL"
        return f"source: {plan.source.name}\nemission: {emit}"

    def properties(self) -> Mapping[str, str]:
        return dict(self._properties)

    def start_datagen(self, kind: str, *, topic: str, rate: int) -> str:
        if kind not in ("trades", "orders", "sensors"):
            raise PlanError(f"unknown datagen kind {kind!r}; kinds are trades, orders, sensors")
        query_id = f"datagen{len(self._queries) + 1}"
        self._queries[query_id] = QueryInfo(
            query_id=query_id, statement=f"DATAGEN {kind} TO {topic} RATE {rate}", state=QueryState.RUNNING
        )
        self.topic_records.setdefault(topic, [])
        return query_id

    def _records(self, topic: str) -> list[dict[str, object]]:
        if topic not in self.topic_records:
            raise PlanError(f"unknown topic {topic!r}; topics are {', '.join(sorted(self.topic_records))}")
        return self.topic_records[topic]
