"""Running statements without a terminal: ``vsql -e``, ``vsql -f`` and SQL piped on stdin.

A script runs the shell's statements (SHOW TOPICS, DESCRIBE, PRINT, SET, DATAGEN, RUN SCRIPT, ...)
and SQL through the same command registry and runtime as the shell. Results are written in one
format to the output stream as they arrive (no live view); errors, notices and run summaries go to
the error stream, so the output stays data. The first failing statement stops the script.

A script must end. A push query (over a topic, without LIMIT) or a PRINT without LIMIT runs only
under a timeout, which stops it after that long; a query over a file input or with a LIMIT ends on
its own. Background queries the script starts (``CREATE STREAM ... AS SELECT``) run until they end
on their own or, at most, the timeout after they started; DATAGEN jobs stop with the script.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TextIO

import pyarrow as pa

from vsql.display.errors import format_error
from vsql.engine.errors import VsqlError
from vsql.engine.sql.script import script_statements
from vsql.engine.timeutil import format_duration
from vsql.io.errors import InputError
from vsql.repl.commands import CommandError, CommandRegistry, Outcome, default_registry
from vsql.repl.interrupt import Interruptible, run_interruptible
from vsql.repl.render import make_renderer, write_lines, write_result
from vsql.runtime import Counters, RunResult, Runtime

__all__ = ["EXIT_INTERRUPTED", "EXIT_OK", "EXIT_QUERY_ERROR", "EXIT_USAGE", "ScriptRunner"]

EXIT_OK = 0
EXIT_QUERY_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class _StopScriptError(Exception):
    """The script stops with ``code``; what went wrong is already written."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class _Placed:
    """Where a statement sits in its script, to show its errors in the script's lines."""

    script: str
    origin: str | None
    line: int
    col: int

    def format(self, error: VsqlError) -> str:
        return format_error(error, source=self.script, origin=self.origin, start=(self.line, self.col))


class ScriptRunner:
    """Runs a script's statements one by one; the ``CommandContext`` its shell statements run in.

    Args:
        runtime: does the work.
        output_format: ``table``, ``json``, ``csv`` or ``vertical``.
        stream: where results go.
        errors: where errors, notices and run summaries go.
        timeout_s: how long a push query, an unlimited PRINT or a background query may run; None
            when the script may start none of them.
        registry: the shell statements (the default set when None).
    """

    def __init__(
        self,
        runtime: Runtime,
        *,
        output_format: str,
        stream: TextIO,
        errors: TextIO,
        timeout_s: float | None = None,
        registry: CommandRegistry | None = None,
    ) -> None:
        self._runtime = runtime
        self._format = output_format
        self._stream = stream
        self._errors = errors
        self._timeout_s = timeout_s
        self._registry = registry or default_registry()
        self._background: dict[str, float] = {}

    @property
    def runtime(self) -> Runtime:
        """The runtime the commands use."""
        return self._runtime

    def run(self, script: str, *, origin: str | None = None) -> int:
        """Run the statements of ``script`` in order, then wait for the background queries they
        started. An error is shown at its line and column in the script (and ``origin``, the
        script's file, when given).

        Returns:
            0 when every statement succeeded, 1 at a query error, 2 at a usage or input error,
            130 when Ctrl-C stopped it.
        """
        try:
            for statement in script_statements(script):
                placed = _Placed(script, origin, statement.line, statement.col)
                if self._run_reported(statement.text, placed=placed) is Outcome.EXIT:
                    break
            self._await_background()
        except _StopScriptError as stopped:
            return stopped.code
        except KeyboardInterrupt:
            return EXIT_INTERRUPTED
        return EXIT_OK

    def run_script_statement(self, statement: str) -> Outcome:
        """Route a statement of a script run by RUN SCRIPT; its error stops the whole script."""
        return self._run_reported(statement)

    def run_sql(self, statement: str) -> None:
        """Run SQL, writing its rows as they come; a push query needs the timeout.

        Raises:
            CommandError: a push query and no timeout.
            VsqlError: the statement failed.
        """
        prepared = self._runtime.prepare(statement)
        if self._timeout_s is None and not prepared.is_bounded and not prepared.runs_in_background:
            raise CommandError(
                "a push query in a script needs an end: add LIMIT n, bind its source to a file with "
                "--input TOPIC=PATH, or pass --timeout DURATION"
            )
        renderer = make_renderer(self._format, self._stream)

        def work(cancel: threading.Event) -> RunResult:
            return self._runtime.run(prepared, on_rows=renderer.write, cancel=cancel)

        ended = run_interruptible(work, timeout_s=self._timeout_s)
        outcome = ended.value
        if outcome is not None and outcome.counters is not None:
            renderer.close()
            self._summarize(outcome.counters, ended)
        self._check_interrupted(ended)
        if outcome is not None and outcome.message:
            self.show_notice(outcome.message)
        if outcome is not None and outcome.job_id is not None:
            self._background[outcome.job_id] = time.monotonic()

    def print_topic(self, topic: str, *, from_beginning: bool, limit: int | None) -> None:
        """Write a topic's messages until its LIMIT or the timeout.

        Raises:
            CommandError: neither a LIMIT nor a timeout.
            VsqlError: the topic does not exist.
        """
        if limit is None and self._timeout_s is None:
            raise CommandError("PRINT in a script needs an end: add LIMIT n, or pass --timeout DURATION")
        renderer = make_renderer(self._format, self._stream)
        ended = run_interruptible(
            lambda cancel: self._runtime.print_topic(
                topic, from_beginning=from_beginning, limit=limit, on_rows=renderer.write, cancel=cancel
            ),
            timeout_s=self._timeout_s,
        )
        renderer.close()
        self._check_interrupted(ended)

    def show_table(self, rows: pa.Table) -> None:
        """Write a small result table (SHOW, DESCRIBE) in the script's format."""
        write_result(self._format, self._stream, rows)

    def show_text(self, text: str) -> None:
        """Write lines of text to the output."""
        write_lines(self._stream, text)

    def show_notice(self, text: str) -> None:
        """Write a line about the run (not a result) to the error stream."""
        write_lines(self._errors, text)

    def _run_reported(self, statement: str, *, placed: _Placed | None = None) -> Outcome:
        """Route one statement; an error is written against it (in its script when ``placed``)
        and stops the script."""
        try:
            outcome = self._registry.execute(statement, self)
            if outcome is None:
                self.run_sql(statement)
                return Outcome.CONTINUE
            return outcome
        except (InputError, CommandError) as error:
            self._errors.write(format_error(error) + "\n")
            raise _StopScriptError(EXIT_USAGE) from error
        except VsqlError as error:
            shown = format_error(error, source=statement)
            if placed is not None:
                shown = placed.format(error)
            self._errors.write(shown + "\n")
            raise _StopScriptError(EXIT_QUERY_ERROR) from error

    def _summarize(self, counters: Counters, ended: Interruptible[RunResult]) -> None:
        if ended.is_timed_out and self._timeout_s is not None:
            timeout = format_duration(round(1000 * self._timeout_s))
            self.show_notice(counters.summary(head=f"stopped after --timeout {timeout}"))
        elif counters.dead_letter_count or counters.late_count:
            self.show_notice(counters.summary())

    def _check_interrupted(self, ended: Interruptible[object]) -> None:
        if ended.is_cancelled:
            self.show_notice("interrupted")
            raise _StopScriptError(EXIT_INTERRUPTED)

    def _await_background(self) -> None:
        """Wait for the script's background queries to end, each at most the timeout after its start."""
        for job_id, started in self._background.items():
            left_s = (
                None if self._timeout_s is None else max(0.0, started + self._timeout_s - time.monotonic())
            )
            if not self._runtime.wait_for(job_id, left_s):
                self._runtime.terminate(job_id)
                self.show_notice(f"stopped {job_id} after --timeout")
