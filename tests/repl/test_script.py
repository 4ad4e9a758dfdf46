"""Scripts (``vsql -e``, ``-f``, stdin) over the real runtime and an embedded broker: shell statements,
the rule that a script must end, timeouts, background queries, exit codes."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from pathlib import Path

from vsql.io.kafka.brokers import EmbeddedBroker
from vsql.repl.script import EXIT_OK, EXIT_QUERY_ERROR, EXIT_USAGE, ScriptRunner
from vsql.runtime import Runtime


class Run:
    """One script's exit code and its two streams."""

    def __init__(
        self, broker: EmbeddedBroker, script: str, *, fmt: str = "csv", timeout_s: float | None
    ) -> None:
        self.out, self.err = io.StringIO(), io.StringIO()
        runtime = Runtime(broker=broker)
        runner = ScriptRunner(
            runtime, output_format=fmt, stream=self.out, errors=self.err, timeout_s=timeout_s
        )
        try:
            self.code = runner.run(script)
        finally:
            runtime.close()

    @property
    def lines(self) -> list[str]:
        return self.out.getvalue().splitlines()


def test_shell_statements_run_in_a_script(broker: EmbeddedBroker, filled_topic: Callable[[int], str]) -> None:
    topic = filled_topic(50)
    run = Run(broker, f"SHOW TOPICS; DESCRIBE {topic}; PRINT {topic} FROM BEGINNING LIMIT 3", timeout_s=None)
    assert run.code == EXIT_OK, run.err.getvalue()
    assert f"{topic},2,50" in run.lines
    assert "field,type,null_fraction,example" in run.lines
    assert any(line.startswith("price,double,0") for line in run.lines)
    header = run.lines.index("_timestamp,_partition,_offset,_key,symbol,price,qty,side,_error")
    assert len(run.lines) - header - 1 == 3


def test_a_bounded_scan_reads_to_the_end_and_closes_every_window(
    broker: EmbeddedBroker, filled_topic: Callable[[int], str]
) -> None:
    topic = filled_topic(600)
    script = (
        "SET 'scan.bounded.mode' = 'latest-offset';"
        f"SELECT COUNT(*) AS n FROM {topic} WINDOW TUMBLING(1s) EMIT FINAL"
    )
    run = Run(broker, script, timeout_s=None)
    assert run.code == EXIT_OK, run.err.getvalue()
    assert sum(int(line) for line in run.lines[1:]) == 600


def test_a_push_query_without_an_end_is_refused_before_it_runs(
    broker: EmbeddedBroker, filled_topic: Callable[[int], str]
) -> None:
    topic = filled_topic(10)
    run = Run(broker, f"SELECT symbol FROM {topic}; SHOW TOPICS", timeout_s=None)
    assert run.code == EXIT_USAGE
    assert "needs an end" in run.err.getvalue()
    assert run.lines == []


def test_print_without_a_limit_needs_a_timeout(
    broker: EmbeddedBroker, filled_topic: Callable[[int], str]
) -> None:
    topic = filled_topic(10)
    refused = Run(broker, f"PRINT {topic} FROM BEGINNING", timeout_s=None)
    assert refused.code == EXIT_USAGE
    assert "PRINT in a script needs an end" in refused.err.getvalue()
    timed = Run(broker, f"PRINT {topic} FROM BEGINNING", timeout_s=1.0)
    assert timed.code == EXIT_OK
    assert "stopped" not in timed.err.getvalue()  # a timeout is how an unlimited PRINT is meant to end
    assert len(timed.lines) <= 1 + 10  # however many arrived in that second, never more than the topic


def test_a_limit_ends_a_push_query(broker: EmbeddedBroker, filled_topic: Callable[[int], str]) -> None:
    topic = filled_topic(100)
    run = Run(broker, f"SELECT symbol, qty FROM {topic} LIMIT 7", timeout_s=None)
    assert run.code == EXIT_OK
    assert len(run.lines) == 1 + 7


def test_a_syntax_error_stops_the_script_with_exit_1_and_a_caret(
    broker: EmbeddedBroker, filled_topic: Callable[[int], str]
) -> None:
    topic = filled_topic(10)
    run = Run(broker, f"SELECT symbol,, qty FROM {topic} LIMIT 1; SHOW TOPICS", timeout_s=None)
    assert run.code == EXIT_QUERY_ERROR
    assert "^" in run.err.getvalue()
    assert run.lines == []


def test_an_unknown_topic_is_exit_2_with_the_closest_name(
    broker: EmbeddedBroker, filled_topic: Callable[[int], str]
) -> None:
    topic = filled_topic(10)
    run = Run(broker, f"DESCRIBE {topic}x", timeout_s=None)
    assert run.code == EXIT_USAGE
    assert f"did you mean '{topic}'" in run.err.getvalue()


def test_exit_ends_the_script_early(broker: EmbeddedBroker) -> None:
    run = Run(broker, "EXIT; SHOW TOPICS", timeout_s=None)
    assert run.code == EXIT_OK
    assert run.lines == []


def test_an_error_inside_run_script_stops_the_outer_script(
    broker: EmbeddedBroker, filled_topic: Callable[[int], str], tmp_path: Path
) -> None:
    topic = filled_topic(10)
    inner = tmp_path / "inner.sql"
    inner.write_text(f"SELECT nope_column FROM {topic} LIMIT 1;\n")
    run = Run(broker, f"RUN SCRIPT '{inner}'; SHOW TOPICS", timeout_s=None)
    assert run.code == EXIT_QUERY_ERROR
    assert "nope_column" in run.err.getvalue()
    assert run.lines == []


def test_a_background_query_is_stopped_after_the_timeout(
    broker: EmbeddedBroker, filled_topic: Callable[[int], str]
) -> None:
    topic = filled_topic(200)
    sink = f"{topic}_copy"
    started = time.monotonic()
    run = Run(broker, f"CREATE STREAM {sink} AS SELECT symbol, qty FROM {topic}", timeout_s=1.0)
    assert run.code == EXIT_OK, run.err.getvalue()
    assert time.monotonic() - started >= 1.0
    notices = run.err.getvalue()
    assert "started, writing to topic" in notices and "after --timeout" in notices
    assert broker.topics()[sink].messages == 200
