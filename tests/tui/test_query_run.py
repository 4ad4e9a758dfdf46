"""QueryRun: one statement run off the UI, with rows coalesced and metrics sampled."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pyarrow as pa

from tests.tui.fake_dashboard import BAD_SQL, FakeDashboard
from vsql.repl.backend import ResultShape
from vsql.runtime import RunStats
from vsql.tui.query_run import QueryRun, summary_of
from vsql.tui.sampling import MetricsMeter, MetricsSample
from vsql.tui.workbench import RunOutcome


class SteppedDashboard(FakeDashboard):
    """Hands over one table per progress report, one second apart on ``clock``."""

    def __init__(self, tables: list[pa.Table], clock: list[float]) -> None:
        super().__init__(stats=RunStats(records_in=len(tables), elapsed_s=2.0))
        self._tables = tables
        self._clock = clock

    def run(
        self,
        statement: str,
        *,
        on_rows: Callable[[pa.Table], None],
        on_progress: Callable[[RunStats], None],
        cancel: threading.Event,
    ) -> RunOutcome:
        for index, table in enumerate(self._tables):
            on_rows(table)
            self._clock[0] += 0.04
            on_progress(RunStats(records_in=index + 1))
        return RunOutcome(stats=self.stats)


def test_rows_are_coalesced_per_flush_interval_and_the_end_is_sampled() -> None:
    clock = [0.0]
    shapes: list[ResultShape] = []
    handed: list[pa.Table] = []
    samples: list[MetricsSample] = []
    tables = [pa.table({"n": [index]}) for index in range(5)]
    run = QueryRun(
        SteppedDashboard(tables, clock),
        "SELECT n FROM t",
        cancel=threading.Event(),
        on_shape=shapes.append,
        on_rows=handed.append,
        on_sample=samples.append,
        meter=MetricsMeter(interval_s=10, clock=lambda: clock[0], memory_mb=lambda: 1.0),
        flush_s=0.1,
        clock=lambda: clock[0],
    )
    summary, error = run.run()
    assert error is None and summary == "done in 2.0 s: 5 records in, 0 rows out"
    assert len(shapes) == 1
    assert [table.column("n").to_pylist() for table in handed] == [[0, 1, 2], [3, 4]]
    assert [sample.records_in for sample in samples] == [5]


def test_a_rejected_statement_returns_its_error_with_a_caret() -> None:
    run = QueryRun(
        FakeDashboard(),
        BAD_SQL,
        cancel=threading.Event(),
        on_shape=lambda _: None,
        on_rows=lambda _: None,
        on_sample=lambda _: None,
    )
    summary, error = run.run()
    assert summary == "failed"
    assert error == "error: unknown column 'nope' (line 1, column 8)\n  SELECT nope FROM trades\n         ^"


def test_summary_says_whether_the_query_was_stopped() -> None:
    stats = RunStats(records_in=1_000, rows_out=10, late_count=2, elapsed_s=1.25)
    assert summary_of(stats, is_cancelled=True) == (
        "stopped after 1.2 s: 1,000 records in, 10 rows out, 2 late, 0 dead letters"
    )
