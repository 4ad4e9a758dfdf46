"""The command registry: routing, argument syntax, HELP from the same table, and each handler."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pytest

from tests.fake_runtime import FakeRuntime
from vsql.repl.commands import CommandError, Outcome, default_registry
from vsql.runtime import JobInfo, JobState


@dataclass
class RecordingContext:
    """A CommandContext that records what handlers asked for."""

    runtime: FakeRuntime
    tables: list[pa.Table] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    sql: list[str] = field(default_factory=list)
    routed: list[str] = field(default_factory=list)
    printed: list[tuple[str, bool, int | None]] = field(default_factory=list)

    def show_table(self, rows: pa.Table) -> None:
        self.tables.append(rows)

    def show_text(self, text: str) -> None:
        self.texts.append(text)

    def show_notice(self, text: str) -> None:
        self.notices.append(text)

    def run_sql(self, statement: str) -> None:
        self.sql.append(statement)

    def run_script_statement(self, statement: str) -> Outcome:
        self.routed.append(statement)
        return Outcome.EXIT if statement.upper() == "EXIT" else Outcome.CONTINUE

    def print_topic(self, topic: str, *, from_beginning: bool, limit: int | None) -> None:
        self.printed.append((topic, from_beginning, limit))


@pytest.fixture
def context() -> RecordingContext:
    runtime = FakeRuntime(topic_records={"trades": [{"symbol": "A", "qty": 5}, {"symbol": None, "qty": 7}]})
    return RecordingContext(runtime=runtime)


def test_sql_is_not_a_command(context: RecordingContext) -> None:
    assert default_registry().execute("SELECT a FROM trades", context) is None


def test_show_topics_lists_partitions_and_messages(context: RecordingContext) -> None:
    assert default_registry().execute("show   topics", context) is Outcome.CONTINUE
    assert context.tables[0].to_pylist() == [{"topic": "trades", "partitions": 1, "messages": 2}]


def test_describe_lists_fields_with_type_null_fraction_and_example(context: RecordingContext) -> None:
    default_registry().execute("DESCRIBE trades", context)
    assert context.tables[0].to_pylist() == [
        {"field": "symbol", "type": "string", "null_fraction": 0.5, "example": "A"},
        {"field": "qty", "type": "int64", "null_fraction": 0.0, "example": "5"},
    ]


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("PRINT trades", ("trades", False, None)),
        ("print trades from beginning", ("trades", True, None)),
        ("PRINT trades FROM BEGINNING LIMIT 3", ("trades", True, 3)),
        ("PRINT trades LIMIT 10", ("trades", False, 10)),
    ],
)
def test_print_arguments(
    context: RecordingContext, statement: str, expected: tuple[str, bool, int | None]
) -> None:
    default_registry().execute(statement, context)
    assert context.printed == [expected]


@pytest.mark.parametrize(
    ("statement", "usage"),
    [
        ("DESCRIBE", "usage: DESCRIBE <topic>"),
        ("PRINT trades LIMIT many", "usage: PRINT <topic> [FROM BEGINNING] [LIMIT n]"),
        ("DATAGEN trades trades 5", "usage: DATAGEN <kind> TO <topic> RATE <n>"),
        ("SHOW TOPICS please", "usage: SHOW TOPICS"),
        ("RUN SCRIPT nofile.sql", "usage: RUN SCRIPT '<file>'"),
    ],
)
def test_bad_arguments_raise_the_usage_line(context: RecordingContext, statement: str, usage: str) -> None:
    with pytest.raises(CommandError) as raised:
        default_registry().execute(statement, context)
    assert str(raised.value) == usage


def test_set_and_unset_go_to_the_runtime_as_sql(context: RecordingContext) -> None:
    registry = default_registry()
    registry.execute("SET 'output.mode' = 'changelog'", context)
    registry.execute("UNSET 'output.mode'", context)
    assert context.sql == ["SET 'output.mode' = 'changelog'", "UNSET 'output.mode'"]


def test_show_properties(context: RecordingContext) -> None:
    context.runtime.run(context.runtime.prepare("SET 'late.data.strategy' = 'drop'"))
    default_registry().execute("SHOW PROPERTIES", context)
    assert context.tables[0].to_pylist() == [{"property": "late.data.strategy", "value": "drop"}]


def test_datagen_starts_a_generator_that_shows_in_show_queries(context: RecordingContext) -> None:
    registry = default_registry()
    registry.execute("DATAGEN trades TO live_trades RATE 5000", context)
    assert context.notices == [
        "datagen DATAGEN_LIVE_TRADES_1: trades to live_trades at 5000 records/s "
        "(TERMINATE DATAGEN_LIVE_TRADES_1)"
    ]
    registry.execute("SHOW QUERIES", context)
    row = context.tables[0].to_pylist()[0]
    assert (row["query_id"], row["state"]) == ("DATAGEN_LIVE_TRADES_1", "RUNNING")


def test_show_queries_says_why_a_query_failed(
    context: RecordingContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    failed = JobInfo(
        "CSAS_X_1", "CREATE STREAM x AS SELECT 1", JobState.FAILED, error="a worker failed: boom"
    )
    monkeypatch.setattr(context.runtime, "jobs", lambda: [failed])
    default_registry().execute("SHOW QUERIES", context)
    assert context.tables[0].to_pylist()[0]["state"] == "FAILED: a worker failed: boom"


def test_terminate_all(context: RecordingContext) -> None:
    registry = default_registry()
    registry.execute("DATAGEN trades TO t RATE 10", context)
    registry.execute("TERMINATE ALL", context)
    assert context.notices[-1] == "terminated DATAGEN_T_1"
    assert context.runtime.jobs()[0].state is JobState.TERMINATED


def test_explain_passes_the_query(context: RecordingContext) -> None:
    default_registry().execute(
        "EXPLAIN SELECT symbol, COUNT(*) FROM trades GROUP BY symbol EMIT CHANGES", context
    )
    assert context.texts == ["source: trades\nemission: EMIT CHANGES"]


def test_run_script_routes_each_statement_and_stops_at_exit(
    context: RecordingContext, tmp_path: Path
) -> None:
    script = tmp_path / "it's.sql"
    script.write_text(
        "SHOW TOPICS;\n-- a comment\nSET 'a.topic' = 'x';\nEXIT;\nSHOW QUERIES;\n", encoding="utf-8"
    )
    outcome = default_registry().execute(f"RUN SCRIPT '{str(script).replace(chr(39), chr(39) * 2)}'", context)
    assert outcome is Outcome.EXIT
    assert context.routed == ["SHOW TOPICS", "-- a comment\nSET 'a.topic' = 'x'", "EXIT"]


def test_run_script_of_a_missing_file_is_a_command_error(context: RecordingContext, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read script"):
        default_registry().execute(f"RUN SCRIPT '{tmp_path / 'none.sql'}'", context)


@pytest.mark.parametrize("statement", ["EXIT", "quit"])
def test_exit(context: RecordingContext, statement: str) -> None:
    assert default_registry().execute(statement, context) is Outcome.EXIT


def test_help_lists_every_command_from_the_registry(context: RecordingContext) -> None:
    registry = default_registry()
    registry.execute("HELP", context)
    listed = context.texts[0]
    for name in registry.names:
        assert name.split()[0] in listed
    assert "DATAGEN <kind> TO <topic> RATE <n>" in listed


def test_help_on_one_command(context: RecordingContext) -> None:
    default_registry().execute("HELP print", context)
    assert context.texts == [
        "PRINT <topic> [FROM BEGINNING] [LIMIT n]  tail a topic's messages (Ctrl-C stops)"
    ]


def test_help_on_an_unknown_topic_names_the_commands(context: RecordingContext) -> None:
    with pytest.raises(CommandError, match="no help for 'frobnicate'; commands are DATAGEN, DESCRIBE"):
        default_registry().execute("HELP frobnicate", context)


def test_only_explain_needs_a_terminator() -> None:
    registry = default_registry()
    assert registry.needs_terminator("EXPLAIN SELECT 1")
    assert registry.needs_terminator("SELECT 1")
    assert not registry.needs_terminator("SHOW TOPICS")


def test_comments_before_a_command_are_skipped(context: RecordingContext) -> None:
    assert default_registry().execute("-- list them\n/* all */ SHOW TOPICS", context) is Outcome.CONTINUE
    assert context.tables[0].num_rows == 1
