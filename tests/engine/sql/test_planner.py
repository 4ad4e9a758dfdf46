"""Plans for every dialect form, and rejections asserted on (type, line, column)."""

from __future__ import annotations

import pyarrow as pa
import pytest
from sqlglot import exp

from vsql.engine.errors import PlanError, SqlSyntaxError, UnsupportedError, VsqlError
from vsql.engine.settings import QuerySettings
from vsql.engine.sql.plan import (
    AggFunc,
    EmitMode,
    RowsFunc,
    SessionSpec,
    SinkSpec,
    SlidingSpec,
    TumblingSpec,
)
from vsql.engine.sql.statements import SetStatement, UnsetStatement, compile_query, compile_statement

SCHEMA = pa.schema(
    [
        ("symbol", pa.string()),
        ("price", pa.float64()),
        ("qty", pa.int64()),
        ("ts", pa.int64()),
        ("trade_time", pa.int64()),
    ]
)


def names(node: exp.Expr) -> set[str]:
    return {column.name for column in node.find_all(exp.Column)}


def test_tumbling_aggregate_plan_reads_keys_aggregates_and_bounds() -> None:
    plan = compile_query(
        "SELECT symbol, COUNT(*) AS trades, AVG(price) AS avg_price, MAX(price) AS high,\n"
        "       _window_start AS window_start, _window_end AS window_end\n"
        "FROM trades WHERE qty > 0 GROUP BY symbol HAVING COUNT(*) > 1\n"
        "WINDOW TUMBLING(INTERVAL '1' MINUTE) EMIT FINAL;",
        schema=SCHEMA,
    )
    assert plan.window == TumblingSpec(60_000)
    assert plan.emit is EmitMode.FINAL
    assert [output.name for output in plan.outputs] == [
        "symbol",
        "trades",
        "avg_price",
        "high",
        "window_start",
        "window_end",
    ]
    assert [names(output.expression) for output in plan.outputs] == [
        {"__key0"},
        {"__agg0"},
        {"__agg1"},
        {"__agg2"},
        {"_window_start"},
        {"_window_end"},
    ]
    assert [spec.func for spec in plan.aggregates] == [AggFunc.COUNT, AggFunc.AVG, AggFunc.MAX]
    assert plan.aggregates[0].argument is None
    assert names(plan.having) == {"__agg0"}
    assert names(plan.where) == {"qty"}
    assert plan.source.name == "trades"
    assert plan.is_aggregate


@pytest.mark.parametrize(
    ("window", "spec"),
    [
        ("TUMBLING(1m)", TumblingSpec(60_000)),
        ("TUMBLING(trade_time, 1m)", TumblingSpec(60_000, "trade_time")),
        ("SLIDING(10m, 1m)", SlidingSpec(600_000, 60_000)),
        (
            "SLIDING(trade_time, INTERVAL '10' MINUTE, INTERVAL '1' MINUTE)",
            SlidingSpec(600_000, 60_000, "trade_time"),
        ),
        ("SESSION(INTERVAL '30' SECOND)", SessionSpec(30_000)),
        ("SESSION(trade_time, 30s)", SessionSpec(30_000, "trade_time")),
        ("TUMBLING (SIZE 30 SECONDS)", TumblingSpec(30_000)),
        ("HOPPING (SIZE 30 SECONDS, ADVANCE BY 10 SECONDS)", SlidingSpec(30_000, 10_000)),
        ("SESSION (30 SECONDS)", SessionSpec(30_000)),
    ],
)
def test_window_forms_give_their_specs(window: str, spec: object) -> None:
    plan = compile_query(
        f"SELECT symbol, COUNT(*) FROM trades GROUP BY symbol WINDOW {window}", schema=SCHEMA
    )
    assert plan.window == spec
    assert plan.emit is EmitMode.FINAL


def test_window_before_group_by_plans_the_same() -> None:
    before = compile_query("SELECT symbol, COUNT(*) FROM trades WINDOW TUMBLING(1m) GROUP BY symbol")
    after = compile_query("SELECT symbol, COUNT(*) FROM trades GROUP BY symbol WINDOW TUMBLING(1m)")
    assert (before.window, before.group_by, before.outputs) == (after.window, after.group_by, after.outputs)


def test_grace_period_sets_allowed_lateness() -> None:
    plan = compile_query(
        "SELECT COUNT(*) FROM trades WINDOW TUMBLING (SIZE 30 SECONDS, GRACE PERIOD 1 MINUTE)"
    )
    assert plan.settings.allowed_lateness_ms == 60_000


def test_emit_defaults_to_changes_without_window_and_final_is_allowed() -> None:
    assert compile_query("SELECT symbol, COUNT(*) FROM trades GROUP BY symbol").emit is EmitMode.CHANGES
    plan = compile_query("SELECT symbol, COUNT(*) FROM trades GROUP BY symbol EMIT FINAL")
    assert plan.emit is EmitMode.FINAL
    assert plan.window is None


@pytest.mark.parametrize(
    ("call", "func", "distinct"),
    [
        ("COUNT(price)", AggFunc.COUNT, False),
        ("COUNT(DISTINCT price)", AggFunc.COUNT, True),
        ("SUM(qty)", AggFunc.SUM, False),
        ("MIN(price)", AggFunc.MIN, False),
        ("FIRST_VALUE(price)", AggFunc.FIRST_VALUE, False),
        ("LAST_VALUE(price)", AggFunc.LAST_VALUE, False),
        ("STDDEV(price)", AggFunc.STDDEV_SAMP, False),
        ("STDDEV_SAMP(price)", AggFunc.STDDEV_SAMP, False),
        ("STDDEV_POP(price)", AggFunc.STDDEV_POP, False),
        ("VARIANCE(price)", AggFunc.VAR_SAMP, False),
        ("VAR_SAMP(price)", AggFunc.VAR_SAMP, False),
        ("VAR_POP(price)", AggFunc.VAR_POP, False),
        ("MEDIAN(price)", AggFunc.MEDIAN, False),
        ("APPROX_COUNT_DISTINCT(symbol)", AggFunc.APPROX_COUNT_DISTINCT, False),
    ],
)
def test_aggregate_functions_map_to_agg_func(call: str, func: AggFunc, distinct: bool) -> None:
    plan = compile_query(f"SELECT {call} FROM trades", schema=SCHEMA)
    (spec,) = plan.aggregates
    assert (spec.func, spec.distinct) == (func, distinct)
    assert plan.outputs[0].name == call


def test_identical_aggregates_are_deduplicated_and_having_adds_its_own() -> None:
    plan = compile_query(
        "SELECT symbol, SUM(qty) AS a, sum(QTY) + 1 AS b FROM trades GROUP BY symbol HAVING MAX(price) > 2"
    )
    assert [spec.func for spec in plan.aggregates] == [AggFunc.SUM, AggFunc.MAX]
    assert names(plan.outputs[2].expression) == {"__agg0"}
    assert names(plan.having) == {"__agg1"}


def test_group_by_ordinal_and_expression_match_the_select_list() -> None:
    plan = compile_query("SELECT UPPER(symbol), COUNT(*) FROM trades GROUP BY 1", schema=SCHEMA)
    assert plan.group_by[0].sql() == "UPPER(symbol)"
    assert names(plan.outputs[0].expression) == {"__key0"}
    plan = compile_query("SELECT upper(Symbol) AS s, COUNT(*) FROM trades GROUP BY UPPER(symbol)")
    assert names(plan.outputs[0].expression) == {"__key0"}


def test_output_names_keep_the_case_written() -> None:
    plan = compile_query("SELECT Symbol, count(*), Count(*) AS N FROM trades GROUP BY symbol", schema=SCHEMA)
    assert [output.name for output in plan.outputs] == ["Symbol", "count(*)", "N"]
    assert names(plan.group_by[0]) == {"symbol"}


def test_system_columns_and_window_aliases_are_case_insensitive() -> None:
    plan = compile_query(
        "SELECT _KEY, COUNT(*), WindowStart AS ws, windowend FROM trades GROUP BY _key WINDOW TUMBLING(1s)",
        schema=SCHEMA,
    )
    assert names(plan.group_by[0]) == {"_key"}
    assert [names(output.expression) for output in plan.outputs] == [
        {"__key0"},
        {"__agg0"},
        {"_window_start"},
        {"_window_end"},
    ]
    assert plan.outputs[3].name == "windowend"


def test_rows_window_calls_become_rows_columns() -> None:
    plan = compile_query(
        "SELECT symbol, price,\n"
        "  AVG(price) OVER (ROWS WINDOW BUFFER 100 ROWS PARTITION BY symbol ORDER BY ts) AS ma100,\n"
        "  LAG(price, 1) OVER (ROWS WINDOW BUFFER 100 ROWS PARTITION BY symbol ORDER BY ts) AS prev,\n"
        "  LEAD(price, 2, 0) OVER (ROWS WINDOW BUFFER 10 ROWS PARTITION BY symbol\n"
        "    ROWS BETWEEN 3 PRECEDING AND CURRENT ROW EXPIRE AFTER INTERVAL '5' MINUTE INACTIVITY) AS nxt,\n"
        "  ROW_NUMBER() OVER (ROWS WINDOW BUFFER 100 ROWS PARTITION BY symbol ORDER BY ts) AS n\n"
        "FROM trades",
        schema=SCHEMA,
    )
    assert not plan.is_aggregate
    assert [call.func for call in plan.rows_calls] == [
        RowsFunc.AVG,
        RowsFunc.LAG,
        RowsFunc.LEAD,
        RowsFunc.ROW_NUMBER,
    ]
    assert [names(output.expression) for output in plan.outputs] == [
        {"symbol"},
        {"price"},
        {"__rows0"},
        {"__rows1"},
        {"__rows2"},
        {"__rows3"},
    ]
    lead = plan.rows_calls[2]
    assert (lead.offset, lead.default.sql()) == (2, "0")
    assert (lead.window.buffer_rows, lead.window.preceding_rows, lead.window.expire_after_ms) == (
        10,
        3,
        300_000,
    )
    assert plan.rows_calls[0].window.order_by.sql() == "ts"
    assert plan.emit is EmitMode.CHANGES


def test_identical_rows_calls_are_deduplicated() -> None:
    over = "OVER (ROWS WINDOW BUFFER 5 ROWS PARTITION BY symbol)"
    plan = compile_query(f"SELECT SUM(qty) {over} AS a, SUM(qty) {over} * 2 AS b FROM trades")
    assert len(plan.rows_calls) == 1


def test_create_stream_plans_sink_primary_key_and_properties() -> None:
    plan = compile_query(
        "CREATE STREAM trade_stats AS SELECT symbol PRIMARY KEY, COUNT(*) AS n FROM trades GROUP BY symbol\n"
        "  WINDOW TUMBLING(1m) EMIT CHANGES WITH ('trade_stats.topic' = 'trade_stats_out', "
        "'trade_stats.format' = 'json', 'late.data.strategy' = 'drop')",
        settings=QuerySettings(max_out_of_orderness_ms=2_000),
    )
    assert plan.sink == SinkSpec("trade_stats", "stream", ("symbol",))
    assert plan.emit is EmitMode.CHANGES
    assert plan.settings.source_property("trade_stats", "topic") == "trade_stats_out"
    assert plan.settings.topic_of("TRADE_STATS") == "trade_stats_out"
    assert plan.settings.topic_of("trades") == "trades", "without a topic property, the name is the topic"
    assert plan.settings.max_out_of_orderness_ms == 2_000
    assert plan.settings.late_data_strategy.value == "drop"


def test_limit_and_sql_text_are_kept() -> None:
    plan = compile_query("SELECT symbol FROM trades LIMIT 5;")
    assert plan.limit == 5
    assert plan.sql == "SELECT symbol FROM trades LIMIT 5"


def test_select_star_expands_to_schema_fields() -> None:
    plan = compile_query("SELECT * FROM trades", schema=SCHEMA)
    assert [output.name for output in plan.outputs] == SCHEMA.names


def test_set_and_unset_statements() -> None:
    assert compile_statement("SET 'watermark.max_out_of_orderness' = '2s'") == SetStatement(
        "watermark.max_out_of_orderness", "2s"
    )
    assert compile_statement("UNSET 'watermark.max_out_of_orderness'") == UnsetStatement(
        "watermark.max_out_of_orderness"
    )


def test_unknown_column_suggests_the_closest_name() -> None:
    with pytest.raises(PlanError, match=r"unknown column 'symbl'; did you mean 'symbol'\?") as info:
        compile_query("SELECT symbl FROM trades", schema=SCHEMA)
    assert (info.value.line, info.value.col) == (1, 8)


def test_columns_are_not_checked_without_schema() -> None:
    assert compile_query("SELECT anything FROM trades").outputs[0].name == "anything"


@pytest.mark.parametrize(
    ("sql", "error", "line", "col"),
    [
        ("SELECT symbol, price FROM trades\nGROUP BY symbol", PlanError, 1, 16),
        ("SELECT COUNT(*) FROM trades\nWHERE SUM(qty) > 1", PlanError, 2, 7),
        ("SELECT COUNT(*) FROM trades\nWHERE _window_start > 1", PlanError, 2, 7),
        ("SELECT COUNT(*) FROM trades GROUP BY windowstart", PlanError, 1, 38),
        ("SELECT MAX(_window_end) FROM trades WINDOW TUMBLING(1s)", PlanError, 1, 12),
        ("SELECT symbol FROM trades\n  WINDOW TUMBLING(1m)", PlanError, 2, 10),
        ("SELECT symbol FROM trades ORDER BY symbol", PlanError, 1, 36),
        ("SELECT SUM(MAX(qty)) FROM trades", PlanError, 1, 12),
        ("SELECT _window_start, COUNT(*) FROM trades", PlanError, 1, 8),
        ("SELECT COUNT(*) FROM trades GROUP BY 3", PlanError, 1, 38),
        ("SELECT symbol FROM trades HAVING price > 1", PlanError, 1, 34),
        ("SELECT COUNT(*) FROM trades WINDOW TUMBLING(0s)", PlanError, 1, 36),
        ("SELECT symbol, symbol FROM trades", PlanError, 1, 16),
        ("SELECT SUM(*) FROM trades", PlanError, 1, 8),
        ("SELECT LAG(price, -1) OVER (ROWS WINDOW BUFFER 5 ROWS) FROM trades", PlanError, 1, 20),
        ("SELECT AVG(price) OVER (ROWS WINDOW BUFFER 0 ROWS) FROM trades", PlanError, 1, 25),
        ("SELECT MEDIAN(price) OVER (ROWS WINDOW BUFFER 5 ROWS) FROM trades", UnsupportedError, 1, 8),
        ("SELECT SUM(price) OVER (PARTITION BY symbol) FROM trades", UnsupportedError, 1, 8),
        ("SELECT DISTINCT symbol FROM trades", UnsupportedError, None, None),
        ("SELECT a.symbol FROM trades JOIN b ON a.x = b.x", UnsupportedError, 1, 34),
        ("SELECT x.symbol FROM trades", PlanError, 1, 8),
        ("SELECT SUM(DISTINCT qty) FROM trades", UnsupportedError, 1, 8),
        ("SELECT 1", PlanError, None, None),
        ("SET 'no.such.setting' = '1'", PlanError, 1, 5),
    ],
)
def test_misuse_is_rejected_with_position(sql: str, error: type[VsqlError], line: int, col: int) -> None:
    with pytest.raises(error) as info:
        compile_statement(sql, schema=SCHEMA)
    assert type(info.value) is error
    assert (info.value.line, info.value.col) == (line, col)


def test_unknown_function_is_rejected_naming_it_as_written() -> None:
    with pytest.raises(PlanError, match="frobnicate") as info:
        compile_query("SELECT symbol,\n  frobnicate(price) FROM trades")
    assert info.value.line == 2


def test_unknown_function_in_where_is_rejected() -> None:
    with pytest.raises(PlanError, match="NoSuchFn"):
        compile_query("SELECT symbol FROM trades WHERE NoSuchFn(price) > 1")


@pytest.mark.parametrize(
    ("sql", "name", "col"),
    [
        ("SELECT FOOBAR(qty) FROM trades GROUP BY symbol", "FOOBAR", 8),
        ("SELECT symbol, NoSuchFn(price) FROM trades GROUP BY symbol", "NoSuchFn", 16),
        ("SELECT symbol FROM trades GROUP BY symbol HAVING frob(price) > 1", "frob", 50),
        ("SELECT COUNT(*) FROM trades WINDOW TUMBLING(1s) HAVING Frob(qty) > 1", "Frob", 56),
        ("SELECT FOOBAR(qty) FROM trades", "FOOBAR", 8),
    ],
)
def test_unknown_function_over_an_ungrouped_column_is_reported_as_unknown(
    sql: str, name: str, col: int
) -> None:
    with pytest.raises(UnsupportedError) as info:
        compile_query(sql, schema=SCHEMA)
    assert info.value.message == f"unknown function {name}"
    assert (info.value.line, info.value.col) == (1, col)


@pytest.mark.parametrize(
    ("window", "message"),
    [
        ("TUMBLING(0s)", "TUMBLING size must be positive, got 0s"),
        ("TUMBLING (SIZE 0 SECONDS)", "TUMBLING size must be positive, got 0 SECONDS"),
        ("SLIDING(10s, 0s)", "SLIDING advance must be positive, got 0s"),
        ("SLIDING(ts, 0ms, 1s)", "SLIDING size must be positive, got 0ms"),
        (
            "HOPPING (SIZE 10 SECONDS, ADVANCE BY 0 SECONDS)",
            "HOPPING advance must be positive, got 0 SECONDS",
        ),
        ("SESSION(INTERVAL '0' SECOND)", "SESSION gap must be positive, got INTERVAL '0' SECOND"),
        ("SESSION(ts, 0)", "SESSION gap must be positive, got 0"),
        (
            "TUMBLING(99999999999999999999s)",
            "TUMBLING size must be at most 2^62 ms, got 99999999999999999999s",
        ),
        (
            "SLIDING(1s, 5000000000000000000)",
            "SLIDING advance must be at most 2^62 ms, got 5000000000000000000",
        ),
        (
            "SESSION(1s, GRACE PERIOD 99999999999999 DAYS)",
            "SESSION GRACE PERIOD must be at most 2^62 ms, got 99999999999999 DAYS",
        ),
    ],
)
def test_window_duration_of_zero_or_beyond_int64_time_is_rejected_as_written(
    window: str, message: str
) -> None:
    with pytest.raises(PlanError) as info:
        compile_query(f"SELECT COUNT(*) FROM trades\nWINDOW {window}", schema=SCHEMA)
    assert info.value.message == message
    assert (info.value.line, info.value.col) == (2, 8)


@pytest.mark.parametrize(
    ("limit", "col"), [("99999999999999999999", 9), ("9223372036854775808", 9), ("-1", 10), ("2.5", 9)]
)
def test_limit_outside_int64_is_a_plan_error_naming_the_bound(limit: str, col: int) -> None:
    with pytest.raises(PlanError) as info:
        compile_query(f"SELECT symbol FROM trades\n  LIMIT {limit}")
    assert info.value.message == (
        f"LIMIT must be a whole number from 0 to 9223372036854775807 (2^63 - 1), got {limit}"
    )
    assert (info.value.line, info.value.col) == (2, col)


def test_limit_up_to_the_largest_int64_is_kept() -> None:
    assert compile_query("SELECT symbol FROM trades LIMIT 9223372036854775807").limit == 2**63 - 1


def test_bad_with_property_names_the_key() -> None:
    with pytest.raises(PlanError, match="bogus") as info:
        compile_query("CREATE STREAM s AS SELECT symbol FROM trades\nWITH ('bogus' = '1')")
    assert (info.value.line, info.value.col) == (2, 7)


def test_multi_line_syntax_error_points_at_the_token() -> None:
    with pytest.raises(SqlSyntaxError) as info:
        compile_query("SELECT symbol,\n       COUNT(*\nFROM trades")
    assert (info.value.line, info.value.col, info.value.expected) == (3, 1, "')'")


def test_unknown_duration_unit_is_a_syntax_error_at_the_unit() -> None:
    with pytest.raises(SqlSyntaxError, match="fortnight") as info:
        compile_query("SELECT COUNT(*) FROM trades\nWINDOW TUMBLING(3 fortnight)")
    assert (info.value.line, info.value.col) == (2, 19)


def test_query_entry_rejects_set() -> None:
    with pytest.raises(UnsupportedError):
        compile_query("SET 'late.data.strategy' = 'drop'")


def test_a_call_the_parser_left_without_its_argument_is_a_plan_error() -> None:
    with pytest.raises(PlanError, match="FLOOR is missing an argument"):
        compile_query("SELECT FLOOR( AS n FROM trades")


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT symbol FROM trades WHERE qty > 1e", "'1e' is not a number"),
        ("SELECT 308 IN (FALSE, 1) AS x FROM trades", "mix types"),
        ("SELECT symbol FROM trades WHERE NULL IN ('A', 1)", "mix types"),
        ("SELECT SUBSTRING(symbol, 99999999999999999999) FROM trades", "does not fit in 64 bits"),
        (
            "SELECT symbol, COUNT(*) FROM trades GROUP BY symbol WINDOW SLIDING(*, 10m, 1m)",
            "expected a column",
        ),
        (
            "SELECT AVG(qty) OVER (ROWS WINDOW BUFFER 1.5 ROWS PARTITION BY symbol) FROM trades",
            "whole number of rows, got 1.5",
        ),
    ],
)
def test_absurd_literals_and_arguments_are_plan_errors_naming_them(sql: str, message: str) -> None:
    with pytest.raises(PlanError, match=message) as raised:
        compile_query(sql)
    assert raised.value.line == 1 and raised.value.col is not None


@pytest.mark.parametrize(
    "expression",
    ["(" * 300 + "qty" + ")" * 300, "NOT " * 300 + "TRUE", "UPPER(" * 200 + "symbol" + ")" * 200],
)
def test_a_statement_nested_beyond_the_stack_is_a_plan_error(expression: str) -> None:
    with pytest.raises(PlanError, match="nests too deeply"):
        compile_query(f"SELECT {expression} AS x FROM trades")
