"""The catalog's background refresh: queries stay current while the user sits at the prompt."""

from __future__ import annotations

import threading

from tests.fake_runtime import FakeRuntime
from vsql.repl.catalog import Catalog

WAIT_S = 10.0
"""Upper bound on waiting for the background thread; a passing run takes a few refreshes."""


def test_the_background_refresh_picks_up_a_query_started_later() -> None:
    runtime = FakeRuntime()
    seen = threading.Event()

    class Watched(Catalog):
        def refresh_queries(self) -> None:
            super().refresh_queries()
            if self.queries:
                seen.set()

    catalog = Watched(runtime, queries_interval_s=0.01)
    catalog.start()
    try:
        runtime.start_datagen("trades", topic="t", rate=10)
        assert seen.wait(WAIT_S)
    finally:
        catalog.stop()
    assert [job.job_id for job in catalog.queries] == ["DATAGEN_T_1"]


def test_refresh_queries_reloads_only_the_queries() -> None:
    runtime = FakeRuntime(topic_records={"trades": [{"a": 1}]})
    catalog = Catalog(runtime)
    runtime.start_datagen("trades", topic="t", rate=10)
    catalog.refresh_queries()
    assert [job.job_id for job in catalog.queries] == ["DATAGEN_T_1"]
    assert catalog.topics == ()
