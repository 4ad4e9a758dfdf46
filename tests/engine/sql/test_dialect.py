"""Round trips and tree shapes of the vsql dialect."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from vsql.engine.sql.dialect import Vsql
from vsql.engine.sql.expressions import (
    CreateStream,
    Duration,
    Emit,
    KeyColumn,
    RowsBuffer,
    SessionWindow,
    SlidingWindow,
    TumblingWindow,
)

_IDENTITY = Path(__file__).parent / "fixtures" / "identity.sql"


def parse(sql: str) -> exp.Expr:
    return sqlglot.parse_one(sql, read=Vsql)


def assert_identity(sql: str, write_sql: str | None = None) -> exp.Expr:
    """Parse then generate ``sql``; the output is ``write_sql`` (default: ``sql``) and stable."""
    tree = parse(sql)
    expected = write_sql or sql
    assert tree.sql(dialect=Vsql) == expected
    assert parse(expected).sql(dialect=Vsql) == expected
    return tree


def _fixture_lines() -> list[str]:
    lines = _IDENTITY.read_text().splitlines()
    return [line for line in lines if line.strip() and not line.startswith("--")]


@pytest.mark.parametrize("sql", _fixture_lines())
def test_identity_fixture_round_trips(sql: str) -> None:
    assert_identity(sql)


@pytest.mark.parametrize(
    ("sql", "canonical"),
    [
        (
            "SELECT COUNT(*) FROM t WINDOW TUMBLING(1m) GROUP BY k",
            "SELECT COUNT(*) FROM t GROUP BY k WINDOW TUMBLING(1m)",
        ),
        (
            "SELECT COUNT(*) FROM t GROUP BY k WINDOW TUMBLING(1m) HAVING COUNT(*) > 1",
            "SELECT COUNT(*) FROM t GROUP BY k HAVING COUNT(*) > 1 WINDOW TUMBLING(1m)",
        ),
        (
            "SELECT COUNT(*) FROM t GROUP BY k WINDOW TUMBLING(30 s)",
            "SELECT COUNT(*) FROM t GROUP BY k WINDOW TUMBLING(30s)",
        ),
        (
            "SELECT COUNT(*) FROM t GROUP BY k WINDOW SESSION (30 SECONDS)",
            "SELECT COUNT(*) FROM t GROUP BY k WINDOW SESSION(30 SECONDS)",
        ),
        (
            "SELECT COUNT(*) FROM t GROUP BY k WINDOW TUMBLING(INTERVAL '5 minutes')",
            "SELECT COUNT(*) FROM t GROUP BY k WINDOW TUMBLING(INTERVAL '5' MINUTES)",
        ),
        (
            "SELECT COUNT(*) FROM t GROUP BY k WINDOW HOPPING (ADVANCE BY 10 SECONDS, SIZE 1 MINUTE)",
            "SELECT COUNT(*) FROM t GROUP BY k WINDOW HOPPING (SIZE 1 MINUTE, ADVANCE BY 10 SECONDS)",
        ),
        (
            "SELECT COUNT(*) FROM t GROUP BY k WINDOW sliding(10s, 1s)",
            "SELECT COUNT(*) FROM t GROUP BY k WINDOW SLIDING(10s, 1s)",
        ),
        ("SELECT a FROM t LIMIT 3 EMIT CHANGES", "SELECT a FROM t EMIT CHANGES LIMIT 3"),
        ("SELECT VAR_SAMP(x) FROM t", "SELECT VARIANCE(x) FROM t"),
        (
            "SELECT AVG(p) OVER (ROWS WINDOW BUFFER 5 ROWS ORDER BY ts PARTITION BY s) FROM t",
            "SELECT AVG(p) OVER (ROWS WINDOW BUFFER 5 ROWS PARTITION BY s ORDER BY ts) FROM t",
        ),
    ],
)
def test_clauses_in_any_order_generate_canonical_sql(sql: str, canonical: str) -> None:
    assert_identity(sql, canonical)


def test_ksql_window_before_where_is_a_modifier() -> None:
    tree = parse("SELECT COUNT(*) FROM t WINDOW TUMBLING (SIZE 30 SECONDS) WHERE x > 1 GROUP BY k")
    assert isinstance(tree.args["window"], TumblingWindow)
    assert tree.args["where"] is not None
    assert tree.args["from_"].this.alias == ""


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("250ms", 250),
        ("30s", 30_000),
        ("5m", 300_000),
        ("1h", 3_600_000),
        ("1d", 86_400_000),
        ("30 SECONDS", 30_000),
        ("INTERVAL '1' MINUTE", 60_000),
        ("INTERVAL '2' MILLISECONDS", 2),
        ("INTERVAL 3 DAY", 259_200_000),
        ("1500", 1500),
    ],
)
def test_durations_convert_to_milliseconds(text: str, ms: int) -> None:
    window = parse(f"SELECT COUNT(*) FROM t WINDOW TUMBLING({text})").args["window"]
    assert isinstance(window.args["size"], Duration)
    assert window.args["size"].ms == ms


def test_sliding_window_holds_time_column_size_and_advance() -> None:
    window = parse("SELECT COUNT(*) FROM t WINDOW SLIDING(trade_time, 10m, 1m)").args["window"]
    assert isinstance(window, SlidingWindow)
    assert window.time_column.name == "trade_time"
    assert (window.args["size"].ms, window.args["advance"].ms) == (600_000, 60_000)


def test_hopping_keyword_form_fills_slots_by_name() -> None:
    window = parse("SELECT COUNT(*) FROM t WINDOW HOPPING (ADVANCE BY 10 SECONDS, SIZE 1 MINUTE)").args[
        "window"
    ]
    assert isinstance(window, SlidingWindow)
    assert (window.args["size"].ms, window.args["advance"].ms) == (60_000, 10_000)


def test_session_grace_period_is_kept() -> None:
    window = parse("SELECT COUNT(*) FROM t WINDOW SESSION(30s, GRACE PERIOD 2s)").args["window"]
    assert isinstance(window, SessionWindow)
    assert window.grace.ms == 2_000


def test_emit_is_a_select_modifier() -> None:
    emit = parse("SELECT a FROM t EMIT FINAL").args["emit"]
    assert isinstance(emit, Emit)
    assert emit.this == "FINAL"


def test_rows_buffer_holds_every_clause() -> None:
    window = parse(
        "SELECT LAG(p, 2, 0) OVER (ROWS WINDOW BUFFER 50 ROWS PARTITION BY s, x ORDER BY ts "
        "ROWS BETWEEN 3 PRECEDING AND CURRENT ROW EXPIRE AFTER 5m INACTIVITY) FROM t"
    ).expressions[0]
    assert isinstance(window, exp.Window)
    spec = window.args["spec"]
    assert isinstance(spec, RowsBuffer)
    assert spec.this.this == "50"
    assert [key.name for key in spec.args["partition_by"]] == ["s", "x"]
    assert spec.args["preceding"].this == "3"
    assert spec.args["expire"].ms == 300_000


def test_standard_over_clause_still_parses() -> None:
    window = parse("SELECT SUM(x) OVER (PARTITION BY k ORDER BY ts) FROM t").expressions[0]
    assert isinstance(window, exp.Window)
    assert not isinstance(window.args.get("spec"), RowsBuffer)


def test_create_stream_holds_sink_query_and_properties() -> None:
    tree = parse(
        "CREATE TABLE out AS SELECT k PRIMARY KEY, COUNT(*) AS n FROM t GROUP BY k WITH ('out.topic' = 'x')"
    )
    assert isinstance(tree, CreateStream)
    assert tree.args["kind"] == "TABLE"
    assert isinstance(tree.expression.expressions[0], KeyColumn)
    assert tree.args["properties"][0].args["value"].this == "x"


def test_unset_is_a_set_statement_with_unset_flag() -> None:
    tree = parse("UNSET 'late.data.strategy'")
    assert isinstance(tree, exp.Set)
    assert tree.args["unset"] is True


def test_emit_is_not_taken_as_a_table_alias() -> None:
    tree = parse("SELECT a FROM t EMIT CHANGES")
    assert tree.args["from_"].this.alias == ""
