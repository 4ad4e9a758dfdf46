"""EXPLAIN text from plans: each aspect on its own labelled line, internal names written back as SQL."""

from __future__ import annotations

import re

from vsql.engine.settings import QuerySettings
from vsql.engine.sql.statements import compile_query
from vsql.runtime.explain import explain_plan


def explained(sql: str, **properties: str) -> dict[str, str]:
    plan = compile_query(sql, settings=QuerySettings.from_properties(properties))
    return dict(re.fullmatch(r"(.+?) {2,}(.*)", line).groups() for line in explain_plan(plan).splitlines())


def test_tumbling_changes_query_names_its_strategies() -> None:
    lines = explained(
        "SELECT symbol, COUNT(*) AS n FROM trades WHERE qty > 10 GROUP BY symbol "
        "WINDOW TUMBLING(1m) EMIT CHANGES"
    )
    assert lines["source"] == "trades (Kafka topic 'trades', JSON values)"
    assert lines["filter"] == "qty > 10"
    assert lines["group by"] == "symbol  [MultiKeyGroups]"
    assert lines["aggregates"] == "COUNT(*)"
    assert lines["window"] == "TUMBLING 1m: [k*1m, (k+1)*1m); state per window  [SlidingWindows]"
    assert lines["emission"].endswith("[ChangesEmission]")
    assert lines["output mode"] == "table (default)"


def test_sliding_final_query_keeps_state_per_pane() -> None:
    lines = explained("SELECT COUNT(*) AS n FROM trades WINDOW SLIDING(10s, 4s)")
    assert lines["group by"] == "(one global group)  [SingleGroup]"
    assert (
        lines["window"] == "SLIDING 10s advance 4s: [k*4s, k*4s+10s); state per pane of 2s  [SlidingWindows]"
    )
    assert lines["emission"].endswith("[FinalEmission]")
    assert lines["output mode"] == "append (default)"


def test_sliding_changes_query_keeps_state_per_window() -> None:
    lines = explained(
        "SELECT COUNT(*) AS n FROM trades WINDOW HOPPING (SIZE 10 SECONDS, ADVANCE BY 4 SECONDS) EMIT CHANGES"
    )
    assert lines["window"] == "SLIDING 10s advance 4s: [k*4s, k*4s+10s); state per window  [SlidingWindows]"


def test_session_query_keeps_state_per_session() -> None:
    lines = explained("SELECT symbol, COUNT(*) AS n FROM trades GROUP BY symbol WINDOW SESSION(30s)")
    assert lines["window"] == (
        "SESSION gap 30s: a row opens [t, t+30s) per group, overlapping sessions merge; "
        "state per session  [SessionWindows]"
    )


def test_event_time_watermark_and_lateness_come_from_the_settings() -> None:
    lines = explained(
        "SELECT symbol, COUNT(*) AS n FROM trades GROUP BY symbol WINDOW TUMBLING(ts, 1m)",
        **{
            "watermark.max_out_of_orderness": "5s",
            "window.allowed_lateness": "1m",
            "late.data.strategy": "drop",
            "dlq.topic": "dead",
        },
    )
    assert lines["event time"] == "ts"
    assert "max event time - 5s" in lines["watermark"]
    assert lines["late data"] == (
        "windows close at end + 1m allowed lateness; late rows: drop (dead letters to topic 'dead')"
    )


def test_having_and_sink_are_written_as_sql() -> None:
    lines = explained(
        "CREATE STREAM busy AS SELECT symbol, AVG(price) AS p FROM trades GROUP BY symbol "
        "HAVING AVG(price) > 10 AND symbol <> 'X' WITH ('busy.topic' = 'busy_out')"
    )
    assert lines["sink"] == "stream busy -> topic 'busy_out'"
    assert lines["having"] == "AVG(price) > 10 AND symbol <> 'X'"
    assert lines["window"].startswith("none")


def test_rows_window_query_describes_its_buffer() -> None:
    lines = explained(
        "SELECT symbol, LAG(price, 1) OVER "
        "(ROWS WINDOW BUFFER 50 ROWS PARTITION BY symbol ORDER BY ts) AS prev FROM trades"
    )
    assert lines["rows window"] == (
        "LAG(price) over the last 50 rows, per symbol, ordered by ts (buffer of 50 rows)"
    )
    assert "window" not in lines and "group by" not in lines


GROUP_BY_SIDE = "SELECT side, COUNT(*) AS n FROM trades GROUP BY side WINDOW TUMBLING(1s)"


def test_one_worker_runs_in_process_without_a_repartition_stage() -> None:
    lines = explained(GROUP_BY_SIDE)
    assert lines["stages"] == "1, in this process (set 'query.workers' above 1 to run in worker processes)"
    assert "repartition" not in explain_plan(compile_query(GROUP_BY_SIDE))


def test_several_workers_show_the_repartition_stage() -> None:
    lines = explained(GROUP_BY_SIDE, **{"query.workers": "2"})
    assert lines["stages"].startswith("2 stages: group ")
    assert "repartitions trades by side" in lines["stages"]
    assert lines["stages"].endswith("; 2 workers per stage")


def test_the_limit_counts_its_rows_in_number() -> None:
    assert explained("SELECT symbol FROM trades LIMIT 1")["limit"] == "1 row"
    assert explained("SELECT symbol FROM trades LIMIT 1000")["limit"] == "1,000 rows"
