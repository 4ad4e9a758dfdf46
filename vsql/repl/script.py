"""Running statements without a terminal: ``vsql -e``, ``vsql -f`` and SQL piped on stdin.

A script runs the shell's statements (SHOW TOPICS, DESCRIBE, PRINT, SET, DATAGEN, RUN SCRIPT, ...)
and SQL through the same command registry and backend as the shell. Results are written in one
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
from collections.abc import Callable, Sequence
from typing import TextIO

import pyarrow as pa

from vsql.engine.errors import VsqlError
from vsql.io.errors import InputError
from vsql.repl.backend import QueryState, QueryStatus, ResultShape, ShellBackend, StatementResult
from vsql.repl.commands import CommandError, CommandRegistry, Outcome, default_registry
from vsql.repl.explain import format_duration
from vsql.repl.interrupt import Interruptible, run_interruptible
from vsql.repl.render import make_renderer, write_lines, write_result
from vsql.repl.render.error import format_error

__all__ = ["EXIT_INTERRUPTED", "EXIT_OK", "EXIT_QUERY_ERROR", "EXIT_USAGE", "ScriptRunner"]

EXIT_OK = 0
EXIT_QUERY_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

_POLL_S = 0.05


class _StopScriptError(Exception):
    """The script stops with ``code``; what went wrong is already written."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class ScriptRunner:
    """Runs a script's statements one by one; the ``CommandContext`` its shell statements run in.

    Args:
        backend: does the work (the shell's backend).
        output_format: ``table``, ``json``, ``csv`` or ``vertical``.
        stream: where results go.
        errors: where errors, notices and run summaries go.
        timeout_s: how long a push query, an unlimited PRINT or a background query may run; None
            when the script may start none of them.
        registry: the shell statements (the default set when None).
    """

    def __init__(
        self,
        backend: ShellBackend,
        *,
        output_format: str,
        stream: TextIO,
        errors: TextIO,
        timeout_s: float | None = None,
        registry: CommandRegistry | None = None,
    ) -> None:
        self._backend = backend
        self._format = output_format
        self._stream = stream
        self._errors = errors
        self._timeout_s = timeout_s
        self._registry = registry or default_registry()
        self._background: dict[str, float] = {}

    @property
    def backend(self) -> ShellBackend:
        """The backend the commands use."""
        return self._backend

    def run(self, statements: Sequence[str]) -> int:
        """Run ``statements`` in order, then wait for the background queries they started.

        Returns:
            0 when every statement succeeded, 1 at a query error, 2 at a usage or input error,
            130 when Ctrl-C stopped it.
        """
        try:
            for statement in statements:
                if self._run_reported(statement) is Outcome.EXIT:
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
        if self._timeout_s is None and self._backend.is_unbounded(statement):
            raise CommandError(
                "a push query in a script needs an end: add LIMIT n, bind its source to a file with "
                "--input TOPIC=PATH, or pass --timeout DURATION"
            )
        renderer = make_renderer(self._format, self._stream)

        def work(cancel: threading.Event) -> StatementResult:
            return self._backend.execute(
                statement,
                on_start=_ignore_shape,
                on_rows=renderer.write,
                on_status=_ignore_status,
                cancel=cancel,
            )

        ended = run_interruptible(work, timeout_s=self._timeout_s)
        result = ended.value
        if result is not None and result.status is not None:
            renderer.close()
            self._summarize(result.status, ended)
        self._check_interrupted(ended)
        if result is not None and result.message:
            self.show_notice(result.message)
        if result is not None and result.query_id is not None:
            self._background[result.query_id] = time.monotonic()

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
            lambda cancel: self._backend.print_topic(
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

    def _run_reported(self, statement: str) -> Outcome:
        """Route one statement; an error is written against it and stops the script."""
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
            self._errors.write(format_error(error, source=statement) + "\n")
            raise _StopScriptError(EXIT_QUERY_ERROR) from error

    def _summarize(self, status: QueryStatus, ended: Interruptible[StatementResult]) -> None:
        if ended.is_timed_out and self._timeout_s is not None:
            self.show_notice(
                f"stopped after --timeout {format_duration(round(1000 * self._timeout_s))}: "
                f"{status.records_in:,} records in, {status.rows_out:,} rows out"
            )
        if status.dead_letter_count or status.late_count:
            self.show_notice(f"{status.dead_letter_count} dead letters, {status.late_count} late rows")

    def _check_interrupted(self, ended: Interruptible[object]) -> None:
        if ended.is_cancelled:
            self.show_notice("interrupted")
            raise _StopScriptError(EXIT_INTERRUPTED)

    def _await_background(self) -> None:
        """Wait for the script's background queries to end, each at most the timeout after its start."""
        for query_id, started in self._background.items():
            deadline = None if self._timeout_s is None else started + self._timeout_s
            _wait_until(lambda query_id=query_id: not self._is_running(query_id), deadline)
            if self._is_running(query_id):
                self._backend.terminate(query_id)
                self.show_notice(f"stopped {query_id} after --timeout")

    def _is_running(self, query_id: str) -> bool:
        return any(
            query.query_id == query_id and query.state is QueryState.RUNNING
            for query in self._backend.queries()
        )


def _wait_until(condition: Callable[[], bool], deadline: float | None) -> None:
    while not condition() and (deadline is None or time.monotonic() < deadline):
        time.sleep(_POLL_S)


def _ignore_shape(_shape: ResultShape) -> None:
    """A script writes rows as they come and needs no shape up front."""


def _ignore_status(_status: QueryStatus) -> None:
    """A script shows no live status line; the run's summary comes at the end."""
