"""The toolbar reads only cached state: broker, running queries and their rate, the last query."""

from __future__ import annotations

from tests.fake_runtime import FakeRuntime
from vsql.repl.catalog import Catalog
from vsql.repl.toolbar import create_toolbar_tokens
from vsql.runtime import Counters


def test_toolbar_shows_broker_running_queries_and_last_query_rate() -> None:
    runtime = FakeRuntime()
    runtime.start_datagen("trades", topic="t", rate=10)
    catalog = Catalog(runtime)
    catalog.refresh()
    last = Counters(records_per_s=2500.0, rows_out=12)
    text = "".join(
        fragment[1]
        for fragment in create_toolbar_tokens(
            broker="fake broker at fake:9092", catalog=catalog, last_status=lambda: last
        )()
    )
    assert text.startswith(" fake broker at fake:9092 | 1 running 0 rec/s | last query 2,500 rec/s, 12 rows")


def test_toolbar_counts_one_row_as_one_row() -> None:
    catalog = Catalog(FakeRuntime())
    last = Counters(records_per_s=10.0, rows_out=1)
    tokens = create_toolbar_tokens(broker="b", catalog=catalog, last_status=lambda: last)
    assert "| last query 10 rec/s, 1 row " in "".join(fragment[1] for fragment in tokens())
