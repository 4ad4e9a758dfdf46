"""A deterministic stand-in for the dashboard's runtime: fixed names, queries and result rows."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pyarrow as pa

from vsql.engine.errors import PlanError
from vsql.engine.sql.plan import EmitMode
from vsql.repl.backend import QueryInfo, QueryState, QueryStatus, ResultShape
from vsql.runtime import RunStats
from vsql.tui.workbench import RunOutcome

BAD_SQL = "SELECT nope FROM trades"
"""The statement the fake rejects, as the planner would."""


@dataclass
class FakeNames:
    """Completion names: two topics, the columns of ``trades``."""

    topics: tuple[str, ...] = ("orders", "trades")
    queries: tuple[QueryInfo, ...] = ()

    def columns(self, topic: str) -> tuple[str, ...]:
        return ("symbol", "price", "qty") if topic == "trades" else ()


@dataclass
class FakeDashboard:
    """Runs every query by handing over ``batches`` (with ``shape``), then returns a message.

    Records what the App asked of it in ``started``, ``terminated`` and ``switched``.
    """

    shape_of_query: ResultShape = field(
        default_factory=lambda: ResultShape(
            columns=("symbol", "trades", "window_start"),
            key_columns=("symbol", "window_start"),
            emit_mode=EmitMode.CHANGES,
        )
    )
    batches: Sequence[pa.Table] = ()
    stats: RunStats | None = None
    started: list[tuple[str, str, int]] = field(default_factory=list)
    terminated: list[str] = field(default_factory=list)
    switched: list[str | None] = field(default_factory=list)
    background: dict[str, RunStats] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    label: str = "fake broker at localhost:9092"
    names: FakeNames = field(default_factory=FakeNames)

    def shape(self, statement: str) -> ResultShape | None:
        if statement == BAD_SQL:
            raise PlanError("unknown column 'nope'", line=1, col=8)
        return None if statement.upper().startswith("SET") else self.shape_of_query

    def run(
        self,
        statement: str,
        *,
        on_rows: Callable[[pa.Table], None],
        on_progress: Callable[[RunStats], None],
        cancel: threading.Event,
    ) -> RunOutcome:
        if self.shape(statement) is None:
            return RunOutcome(message="set")
        for batch in self.batches:
            on_rows(batch)
        return RunOutcome(stats=self.stats, message=None if self.stats else "fake run done")

    def queries(self) -> list[QueryInfo]:
        status = QueryStatus(records_per_s=2000.0, rows_out=1234)
        infos = [
            QueryInfo(
                query_id="DATAGEN_TRADES_1", statement="DATAGEN", state=QueryState.RUNNING, status=status
            )
        ]
        infos += [
            QueryInfo(query_id=query_id, statement="CREATE STREAM", state=QueryState.RUNNING)
            for query_id in self.background
        ]
        infos += [
            QueryInfo(query_id=query_id, statement="CREATE STREAM", state=QueryState.FAILED, error=error)
            for query_id, error in self.failed.items()
        ]
        return infos

    def query_stats(self, query_id: str) -> RunStats | None:
        return self.background.get(query_id)

    def terminate(self, query_id: str) -> list[str]:
        self.terminated.append(query_id)
        return [query_id]

    def start_datagen(self, kind: str, *, topic: str, rate: int) -> str:
        self.started.append((kind, topic, rate))
        return f"DATAGEN_{topic.upper()}_2"

    def switch_broker(self, bootstrap: str | None) -> None:
        self.switched.append(bootstrap)

    def close(self) -> None:
        """Nothing to release."""
