"""Background queries: ids, TERMINATE (one or ALL), and closing a session's registry."""

from __future__ import annotations

import threading

import pytest

from vsql.engine.errors import PlanError
from vsql.engine.sql.statements import compile_query
from vsql.runtime.queries import QueryRegistry, QueryState
from vsql.runtime.run import ProgressHook
from vsql.runtime.stats import RunStats


def _until_stopped(cancel: threading.Event, on_progress: ProgressHook) -> RunStats:
    on_progress(RunStats(records_in=1))
    cancel.wait(10)
    return RunStats(records_in=2)


def _start(registry: QueryRegistry, released: list[str], sql: str) -> str:
    plan = compile_query(sql)
    assert plan.sink is not None
    name = plan.sink.name
    return registry.start(plan, _until_stopped, release=lambda: released.append(name))


def test_ids_name_the_kind_and_the_sink_and_count_up() -> None:
    registry, released = QueryRegistry(), []
    first = _start(registry, released, "CREATE STREAM big AS SELECT * FROM trades WHERE qty > 10")
    second = _start(
        registry, released, "CREATE TABLE counts AS SELECT symbol, COUNT(*) AS n FROM trades GROUP BY symbol"
    )
    assert (first, second) == ("CSAS_BIG_1", "CTAS_COUNTS_2")
    assert list(registry) == [first, second] and len(registry) == 2
    registry.close(wait=False)
    assert [registry[query_id].state for query_id in registry] == [QueryState.TERMINATED] * 2
    assert sorted(released) == ["big", "counts"]


def test_terminate_stops_one_query_or_all_and_names_the_running_ones_on_a_miss() -> None:
    registry, released = QueryRegistry(), []
    first = _start(registry, released, "CREATE STREAM a AS SELECT * FROM trades")
    second = _start(registry, released, "CREATE STREAM b AS SELECT * FROM trades")
    with pytest.raises(PlanError, match="no query CSAS_C_9; running: CSAS_A_1, CSAS_B_2"):
        registry.terminate("csas_c_9")
    assert registry.terminate(first.lower()) == [first]
    registry[first].join(10)
    assert registry[first].state is QueryState.TERMINATED
    assert registry[first].stats.records_in == 2
    assert registry[second].state is QueryState.RUNNING
    assert registry.terminate("all") == [first, second]
    registry.close(wait=True)
    assert registry[second].state is QueryState.TERMINATED
