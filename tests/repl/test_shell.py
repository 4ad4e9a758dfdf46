"""The shell driven through prompt-toolkit's pipe input and a dummy output, over the fake runtime."""

from __future__ import annotations

import io
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest
from prompt_toolkit.data_structures import Size
from prompt_toolkit.formatted_text import to_plain_text
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import PipeInput, create_pipe_input
from prompt_toolkit.output import DummyOutput
from prompt_toolkit.output.vt100 import Vt100_Output

from tests.fake_runtime import FakeRuntime
from vsql.engine.errors import ExecutionError
from vsql.engine.settings import OutputMode
from vsql.engine.sql.plan import EmitMode
from vsql.repl.config import Config, load_config
from vsql.repl.live import FINAL_ROWS_MAX
from vsql.repl.shell import Shell
from vsql.runtime import Counters, Prepared, RunResult
from vsql.runtime.shape import ResultShape

ENTER = "\r"
ESC_ENTER = "\x1b\r"
CTRL_C = "\x03"
CTRL_D = "\x04"

TRADES = [{"symbol": "A", "price": 10.5}, {"symbol": "B", "price": 7.0}]
COUNTS = pa.table({"symbol": ["A", "B"], "n": [1, 1], "_window_start": [0, 0]})
COUNTS_SHAPE = ResultShape(
    columns=("symbol", "n", "_window_start"),
    key_columns=("symbol", "_window_start"),
    emit_mode=EmitMode.CHANGES,
)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return load_config(environ={"XDG_DATA_HOME": str(tmp_path)}, path=tmp_path / "none.toml")


@pytest.fixture
def pipe() -> Iterator[PipeInput]:
    with create_pipe_input() as pipe_input:
        yield pipe_input


def shell_on(runtime: FakeRuntime, config: Config, pipe: PipeInput, *, out: io.StringIO) -> Shell:
    """A shell over ``runtime`` reading ``pipe`` and writing its results to ``out``."""
    return Shell(
        runtime, config, stream=out, prompt_input=pipe, prompt_output=DummyOutput(), history=InMemoryHistory()
    )


def run(runtime: FakeRuntime, config: Config, pipe: PipeInput, typed: str) -> tuple[int, str]:
    """Type ``typed`` into a fresh shell and run it until it exits; returns exit code and output."""
    out = io.StringIO()
    pipe.send_text(typed)
    return shell_on(runtime, config, pipe, out=out).run(), out.getvalue()


def toolbar_text(shell: Shell) -> str:
    """The bottom toolbar as the prompt would draw it now."""
    return to_plain_text(shell.session.bottom_toolbar)


def test_ctrl_d_exits_with_zero(config: Config, pipe: PipeInput) -> None:
    assert run(FakeRuntime(), config, pipe, CTRL_D) == (0, "")


def test_show_topics_without_semicolon_runs_on_enter(config: Config, pipe: PipeInput) -> None:
    runtime = FakeRuntime(topic_records={"trades": TRADES})
    code, out = run(runtime, config, pipe, "SHOW TOPICS" + ENTER + CTRL_D)
    assert code == 0
    assert "trades" in out
    assert "(1 row)" in out


def test_exit_statement_leaves_the_shell(config: Config, pipe: PipeInput) -> None:
    runtime = FakeRuntime(topic_records={"trades": TRADES})
    code, out = run(runtime, config, pipe, "exit" + ENTER + "SHOW TOPICS" + ENTER)
    assert (code, out) == (0, "")


def test_enter_continues_an_unterminated_statement_until_semicolon(config: Config, pipe: PipeInput) -> None:
    runtime = FakeRuntime(batches=[COUNTS], shape=COUNTS_SHAPE)
    typed = "SELECT symbol, COUNT(*) AS n" + ENTER + "FROM trades GROUP BY symbol;" + ENTER + CTRL_D
    _, out = run(runtime, config, pipe, typed)
    assert runtime.executed == ["SELECT symbol, COUNT(*) AS n\nFROM trades GROUP BY symbol"]
    assert "symbol" in out
    assert "done in 1.5 s: 20 records in, 2 rows out" in out


def test_esc_enter_submits_without_semicolon(config: Config, pipe: PipeInput) -> None:
    runtime = FakeRuntime(batches=[COUNTS], shape=COUNTS_SHAPE)
    run(runtime, config, pipe, "SELECT symbol FROM trades" + ESC_ENTER + CTRL_D)
    assert runtime.executed == ["SELECT symbol FROM trades"]


def test_two_statements_on_one_line_both_run(config: Config, pipe: PipeInput) -> None:
    runtime = FakeRuntime()
    _, out = run(
        runtime, config, pipe, "SET 'output.mode' = 'append'; SET 'dlq.topic' = 'dlq';" + ENTER + CTRL_D
    )
    assert out.splitlines() == ["set 'output.mode' = 'append'", "set 'dlq.topic' = 'dlq'"]


def test_syntax_error_shows_the_caret_and_the_shell_stays_up(config: Config, pipe: PipeInput) -> None:
    runtime = FakeRuntime(topic_records={"trades": TRADES})
    typed = "SELECT symbol, COUNT(* FROM trades;" + ENTER + "SHOW TOPICS" + ENTER + CTRL_D
    code, out = run(runtime, config, pipe, typed)
    lines = out.splitlines()
    assert code == 0
    caret_line = next(index for index, line in enumerate(lines) if line.strip() == "^")
    assert lines[caret_line - 1] == "  SELECT symbol, COUNT(* FROM trades"
    assert lines[caret_line].index("^") == lines[caret_line - 1].index("FROM")
    assert lines[caret_line - 2].startswith("error:")
    assert lines[caret_line + 1].split() == ["topic", "partitions", "messages"]


def test_backend_errors_are_rendered_not_raised(config: Config, pipe: PipeInput) -> None:
    _, out = run(FakeRuntime(), config, pipe, "DESCRIBE ghost" + ENTER + CTRL_D)
    assert out.startswith("error: unknown topic 'ghost'")


def test_an_unexpected_exception_is_one_line_and_the_shell_stays_up(config: Config, pipe: PipeInput) -> None:
    class BrokenRuntime(FakeRuntime):
        def topics(self) -> list:
            raise RuntimeError("socket closed")

    _, out = run(BrokenRuntime(), config, pipe, "SHOW TOPICS" + ENTER + "HELP EXIT" + ENTER + CTRL_D)
    assert out.splitlines() == [
        "internal error: RuntimeError: socket closed",
        "EXIT  leave the shell (or Ctrl-D)",
    ]


def test_ctrl_c_at_the_prompt_clears_the_line(config: Config, pipe: PipeInput) -> None:
    runtime = FakeRuntime(topic_records={"trades": TRADES})
    _, out = run(runtime, config, pipe, "SELECT half a statement" + CTRL_C + "SHOW TOPICS" + ENTER + CTRL_D)
    assert runtime.executed == []
    assert "trades" in out


def interrupt_when_started(runtime: FakeRuntime) -> threading.Thread:
    """Send SIGINT to this process, as a terminal's Ctrl-C would, once the fake query runs."""

    def interrupt() -> None:
        if not runtime.query_started.wait(10.0):
            return
        # A loaded machine has been seen to lose a SIGINT: send it again until the query is cancelled.
        for _ in range(3):
            os.kill(os.getpid(), signal.SIGINT)
            if runtime.running_cancel.wait(5.0):
                return

    thread = threading.Thread(target=interrupt, daemon=True)
    thread.start()
    return thread


def test_ctrl_c_cancels_a_push_query_and_the_prompt_comes_back(config: Config, pipe: PipeInput) -> None:
    runtime = FakeRuntime(
        topic_records={"trades": TRADES}, batches=[COUNTS], shape=COUNTS_SHAPE, is_push=True
    )
    interrupter = interrupt_when_started(runtime)
    typed = "SELECT symbol, COUNT(*) AS n FROM trades GROUP BY symbol EMIT CHANGES;" + ENTER
    code, out = run(runtime, config, pipe, typed + "SHOW TOPICS" + ENTER + CTRL_D)
    interrupter.join()
    assert code == 0
    assert "cancelled after 1.5 s: 20 records in, 2 rows out" in out
    assert out.index("cancelled") < out.index("partitions")


def test_ctrl_c_stops_print(config: Config, pipe: PipeInput) -> None:
    runtime = FakeRuntime(topic_records={"trades": TRADES})
    interrupter = interrupt_when_started(runtime)
    _, out = run(runtime, config, pipe, "PRINT trades FROM BEGINNING" + ENTER + CTRL_D)
    interrupter.join()
    assert out.splitlines()[-1] == "stopped printing trades"
    assert "10.5" in out


def test_print_with_limit_ends_by_itself(config: Config, pipe: PipeInput) -> None:
    runtime = FakeRuntime(topic_records={"trades": TRADES})
    _, out = run(runtime, config, pipe, "PRINT trades FROM BEGINNING LIMIT 1" + ENTER + CTRL_D)
    assert out.splitlines() == ["symbol  price", "A       10.5"]


def test_emit_changes_updates_rows_in_place_and_deletes_remove_them(config: Config, pipe: PipeInput) -> None:
    update = pa.table({"symbol": ["A"], "n": [5], "_window_start": [0], "_op": pa.array([None], pa.string())})
    delete = pa.table(
        {"symbol": ["B"], "n": pa.array([None], pa.int64()), "_window_start": [0], "_op": ["delete"]}
    )
    runtime = FakeRuntime(batches=[COUNTS, update, delete], shape=COUNTS_SHAPE)
    _, out = run(
        runtime, config, pipe, "SELECT symbol, COUNT(*) AS n FROM t GROUP BY symbol;" + ENTER + CTRL_D
    )
    table_lines = [line.split() for line in out.splitlines()[:2]]
    assert table_lines == [["symbol", "n", "_window_start"], ["A", "5", "0"]]


def test_changelog_mode_appends_every_change_with_its_op(config: Config, pipe: PipeInput) -> None:
    update = pa.table({"symbol": ["A"], "n": [5], "_window_start": [0]})
    delete = pa.table({"symbol": ["B"], "_window_start": [0], "_op": ["delete"]})
    shape = ResultShape(
        columns=COUNTS_SHAPE.columns,
        key_columns=COUNTS_SHAPE.key_columns,
        emit_mode=EmitMode.CHANGES,
        output_mode=OutputMode.CHANGELOG,
    )
    runtime = FakeRuntime(batches=[COUNTS, update, delete], shape=shape)
    _, out = run(
        runtime, config, pipe, "SELECT symbol, COUNT(*) AS n FROM t GROUP BY symbol;" + ENTER + CTRL_D
    )
    assert out.splitlines()[:6] == [
        "op  symbol  n  _window_start",
        "+I  A       1  0",
        "+I  B       1  0",
        "+U  A       5  0",
        "op  symbol  n     _window_start",
        "-D  B       NULL  0",
    ]


def test_json_format_writes_one_object_per_row(tmp_path: Path, pipe: PipeInput) -> None:
    config = load_config(
        flags={"format": "json"}, environ={"XDG_DATA_HOME": str(tmp_path)}, path=tmp_path / "x"
    )
    runtime = FakeRuntime(batches=[COUNTS], shape=COUNTS_SHAPE)
    _, out = run(runtime, config, pipe, "SELECT symbol FROM t;" + ENTER + CTRL_D)
    assert out.splitlines()[:2] == [
        '{"symbol":"A","n":1,"_window_start":0}',
        '{"symbol":"B","n":1,"_window_start":0}',
    ]


def test_create_stream_reports_its_query_and_shows_in_show_queries(config: Config, pipe: PipeInput) -> None:
    typed = "CREATE STREAM s AS SELECT symbol, COUNT(*) AS n FROM trades GROUP BY symbol;" + ENTER
    _, out = run(FakeRuntime(), config, pipe, typed + "SHOW QUERIES" + ENTER + CTRL_D)
    assert out.splitlines()[0] == "query CSAS_S_1 started"
    assert "RUNNING" in out


def test_run_script_stops_at_the_failing_statement_with_its_caret(
    config: Config, pipe: PipeInput, tmp_path: Path
) -> None:
    script = tmp_path / "s.sql"
    script.write_text("SET 'dlq.topic' = 'd';\nSELECT COUNT(* FROM t;\nSET 'output.mode' = 'append';\n")
    _, out = run(FakeRuntime(), config, pipe, f"RUN SCRIPT '{script}'" + ENTER + CTRL_D)
    lines = out.splitlines()
    assert lines[0] == "set 'dlq.topic' = 'd'"
    assert lines[2] == "  SELECT COUNT(* FROM t"
    assert lines[-1] == "error: script stopped at the statement above"


def test_history_is_kept_in_the_configured_file(config: Config, pipe: PipeInput) -> None:
    pipe.send_text("HELP EXIT" + ENTER + CTRL_D)
    Shell(FakeRuntime(), config, stream=io.StringIO(), prompt_input=pipe, prompt_output=DummyOutput()).run()
    assert "HELP EXIT" in config.history_file.read_text()


def test_a_vt100_output_draws_the_prompt_and_the_highlighted_statement(
    config: Config, pipe: PipeInput
) -> None:
    screen = io.StringIO()
    terminal = Vt100_Output(screen, get_size=lambda: Size(rows=24, columns=100), term="xterm-256color")
    pipe.send_text("SELECT COUNT(*) FROM trades WINDOW TUMBLING(1m)" + ESC_ENTER + CTRL_D)
    runtime = FakeRuntime(topic_records={"trades": TRADES})
    shell = Shell(
        runtime,
        config,
        stream=io.StringIO(),
        prompt_input=pipe,
        prompt_output=terminal,
        history=InMemoryHistory(),
    )
    assert shell.run() == 0
    drawn = screen.getvalue()
    assert "vsql> " in drawn
    assert "TUMBLING" in drawn
    assert runtime.executed == ["SELECT COUNT(*) FROM trades WINDOW TUMBLING(1m)"]


def test_a_lone_semicolon_and_a_comment_line_run_nothing_and_give_the_prompt_back(
    config: Config, pipe: PipeInput
) -> None:
    runtime = FakeRuntime(topic_records={"trades": TRADES})
    pipe.send_text(";" + ENTER + "-- a note" + ENTER + "SHOW TOPICS" + ENTER + ESC_ENTER + CTRL_D)
    history = InMemoryHistory()
    out = io.StringIO()
    shell = Shell(
        runtime, config, stream=out, prompt_input=pipe, prompt_output=DummyOutput(), history=history
    )
    assert shell.run() == 0
    assert list(history.get_strings()) == [";", "-- a note", "SHOW TOPICS"]
    assert out.getvalue().splitlines()[0].split() == ["topic", "partitions", "messages"]
    assert runtime.executed == []


def test_ctrl_c_on_a_query_of_many_groups_prints_a_bounded_table_and_the_summary(
    config: Config, pipe: PipeInput
) -> None:
    count = FINAL_ROWS_MAX + 2_000
    symbols = [f"S{index:05d}" for index in range(count)]
    groups = pa.table({"symbol": symbols, "n": [1] * count, "_window_start": [0] * count})
    runtime = FakeRuntime(batches=[groups], shape=COUNTS_SHAPE, is_push=True)
    interrupter = interrupt_when_started(runtime)
    typed = "SELECT symbol, COUNT(*) AS n FROM trades GROUP BY symbol EMIT CHANGES;" + ENTER + CTRL_D
    _, out = run(runtime, config, pipe, typed)
    interrupter.join()
    lines = out.splitlines()
    assert len(lines) == 1 + FINAL_ROWS_MAX + 2
    assert lines[0].split() == ["symbol", "n", "_window_start"]
    assert lines[1].split() == ["S02000", "1", "0"]
    assert lines[-2].startswith("(2,000 earlier rows not shown;")
    assert lines[-1] == f"cancelled after 1.5 s: {count * 10:,} records in, {count:,} rows out"


def test_the_toolbar_shows_the_last_query_even_when_it_failed(config: Config, pipe: PipeInput) -> None:
    class FailingRuntime(FakeRuntime):
        def run(self, prepared: Prepared, **hooks: object) -> RunResult:
            on_progress = hooks["on_progress"]
            assert callable(on_progress)
            on_progress(Counters(records_in=10, rows_out=1, records_per_s=750.0))
            raise ExecutionError("the broker went away")

    runtime = FailingRuntime(topic_records={"trades": TRADES})
    out = io.StringIO()
    pipe.send_text("SELECT symbol FROM trades;" + ENTER + CTRL_D)
    shell = shell_on(runtime, config, pipe, out=out)
    shell.run()
    assert out.getvalue().startswith("error: the broker went away")
    assert "| last query 750 rec/s, 1 row" in toolbar_text(shell)


def test_the_toolbar_counts_queries_started_by_the_last_statement(config: Config, pipe: PipeInput) -> None:
    create = "CREATE STREAM s{} AS SELECT symbol, COUNT(*) AS n FROM trades GROUP BY symbol;" + ENTER
    pipe.send_text(create.format(1) + create.format(2) + CTRL_D)
    shell = shell_on(FakeRuntime(topic_records={"trades": TRADES}), config, pipe, out=io.StringIO())
    shell.run()
    assert "| 2 running" in toolbar_text(shell)


def test_the_prompt_redraws_its_toolbar_while_idle(config: Config, pipe: PipeInput) -> None:
    shell = shell_on(FakeRuntime(), config, pipe, out=io.StringIO())
    assert shell.session.refresh_interval > 0
