"""QueryRun: one statement run off the UI, with rows coalesced and the counters handed on."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pyarrow as pa

from tests.fake_runtime import FakeRuntime
from tests.tui.fakes import BAD_SQL, dashboard_runtime
from vsql.runtime import Counters, Prepared, ResultShape, RunResult
from vsql.tui.query_run import QueryRun


class SteppedRuntime(FakeRuntime):
    """Hands over one table per progress report, 40 ms apart on ``clock``."""

    def __init__(self, tables: list[pa.Table], clock: list[float]) -> None:
        super().__init__(topic_records={"t": [{"n": 0}]})
        self._tables = tables
        self._clock = clock

    def run(
        self,
        prepared: Prepared,
        *,
        on_rows: Callable[[pa.Table], None] | None = None,
        on_progress: Callable[[Counters], None] | None = None,
        cancel: threading.Event | None = None,
        progress_interval_s: float = 1.0,
    ) -> RunResult:
        assert on_rows is not None and on_progress is not None
        for index, table in enumerate(self._tables):
            on_rows(table)
            self._clock[0] += 0.04
            on_progress(Counters(records_in=index + 1))
        final = Counters(records_in=len(self._tables), elapsed_s=2.0)
        on_progress(final)
        return RunResult(counters=final)


def test_rows_are_coalesced_per_flush_interval_and_every_sample_is_handed_on() -> None:
    clock = [0.0]
    shapes: list[ResultShape] = []
    handed: list[pa.Table] = []
    samples: list[Counters] = []
    tables = [pa.table({"n": [index]}) for index in range(5)]
    run = QueryRun(
        SteppedRuntime(tables, clock),  # type: ignore[arg-type]
        "SELECT n FROM t",
        cancel=threading.Event(),
        on_shape=shapes.append,
        on_rows=handed.append,
        on_sample=samples.append,
        flush_s=0.1,
        clock=lambda: clock[0],
    )
    summary, error = run.run()
    assert error is None and summary == "done in 2.0 s: 5 records in, 0 rows out"
    assert len(shapes) == 1
    assert [table.column("n").to_pylist() for table in handed] == [[0, 1, 2], [3, 4]]
    assert [sample.records_in for sample in samples] == [1, 2, 3, 4, 5, 5]


def test_a_rejected_statement_returns_its_error_with_a_caret() -> None:
    run = QueryRun(
        dashboard_runtime(),  # type: ignore[arg-type]
        BAD_SQL,
        cancel=threading.Event(),
        on_shape=lambda _: None,
        on_rows=lambda _: None,
        on_sample=lambda _: None,
    )
    summary, error = run.run()
    assert summary == "failed"
    assert error is not None and error.startswith("error: unknown column 'nope'")
    assert error.endswith("\n  SELECT nope FROM trades\n         ^")


def test_a_cancelled_query_says_so() -> None:
    cancel = threading.Event()
    cancel.set()
    run = QueryRun(
        dashboard_runtime(),  # type: ignore[arg-type]
        "SELECT symbol FROM trades",
        cancel=cancel,
        on_shape=lambda _: None,
        on_rows=lambda _: None,
        on_sample=lambda _: None,
    )
    summary, _ = run.run()
    assert summary.startswith("cancelled after")
