"""The interactive loop: read a statement, route it to the command registry or the runtime, repeat.

The shell only routes. Completion, highlighting, keys, rendering, configuration and the commands
themselves live in their own modules; the runtime does the work. Whatever a statement raises is
rendered and the prompt comes back: a ``VsqlError`` as its message (with a caret under the column
for positioned errors), anything else as one line (the traceback goes to the debug log).
"""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path
from typing import TextIO

import pyarrow as pa
from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.input import Input
from prompt_toolkit.output import Output
from rich.console import Console

from vsql.display.errors import format_error
from vsql.engine.errors import VsqlError
from vsql.engine.sql.script import split_statements
from vsql.repl.catalog import Catalog
from vsql.repl.commands import CommandError, CommandRegistry, Outcome, default_registry
from vsql.repl.completer import SqlCompleter
from vsql.repl.config import Config, EditingMode
from vsql.repl.filters import buffer_is_complete
from vsql.repl.interrupt import run_interruptible
from vsql.repl.key_bindings import create_key_bindings
from vsql.repl.lexer import create_lexer
from vsql.repl.live import open_result_view
from vsql.repl.render import write_lines, write_result
from vsql.repl.style import style_factory
from vsql.repl.toolbar import TOOLBAR_REFRESH_S, create_toolbar_tokens
from vsql.runtime import Counters, RunResult, Runtime

__all__ = ["Shell", "run_shell"]

logger = logging.getLogger(__name__)

PROMPT = "vsql> "
CONTINUATION = "   -> "
EXIT_OK = 0


def run_shell(runtime: Runtime, config: Config) -> int:
    """Open the shell on the terminal until EXIT or Ctrl-D; returns the exit code."""
    return Shell(runtime, config).run()


class Shell:
    """The read-route-render loop, and the ``CommandContext`` the commands run in.

    Args:
        runtime: does the work.
        config: format, theme, key bindings, history file.
        registry: the shell statements (the default set when None).
        stream: where results go (stdout when None).
        prompt_input: prompt-toolkit input (the terminal when None); tests pass a pipe.
        prompt_output: prompt-toolkit output (the terminal when None); tests pass a dummy.
        history: statement history (the config's history file when None).
    """

    def __init__(
        self,
        runtime: Runtime,
        config: Config,
        *,
        registry: CommandRegistry | None = None,
        stream: TextIO | None = None,
        prompt_input: Input | None = None,
        prompt_output: Output | None = None,
        history: History | None = None,
    ) -> None:
        self._runtime = runtime
        self._config = config
        self._registry = registry or default_registry()
        self._stream = stream or sys.stdout
        self._console = Console(file=self._stream, highlight=False, soft_wrap=True)
        self._catalog = Catalog(runtime)
        self._last_status: Counters | None = None
        self._session: PromptSession[str] = PromptSession(
            message=[("class:prompt", PROMPT)],
            prompt_continuation=[("class:continuation", CONTINUATION)],
            multiline=True,
            key_bindings=create_key_bindings(is_complete=buffer_is_complete(self._registry)),
            lexer=create_lexer(),
            completer=SqlCompleter(self._catalog, command_names=self._registry.names),
            complete_while_typing=True,
            auto_suggest=AutoSuggestFromHistory(),
            history=history or _file_history(config.history_file),
            bottom_toolbar=create_toolbar_tokens(
                broker=runtime.broker_label, catalog=self._catalog, last_status=lambda: self._last_status
            ),
            refresh_interval=TOOLBAR_REFRESH_S,
            style=style_factory(config.theme),
            vi_mode=config.key_bindings is EditingMode.VI,
            enable_history_search=False,
            input=prompt_input,
            output=prompt_output,
        )

    @property
    def runtime(self) -> Runtime:
        """The runtime the commands use."""
        return self._runtime

    @property
    def session(self) -> PromptSession[str]:
        """The prompt: what it draws (the bottom toolbar included) and how often it redraws."""
        return self._session

    def run(self) -> int:
        """Prompt and run statements until EXIT or Ctrl-D; Ctrl-C at the prompt clears the line.

        After every submission the toolbar's figures are brought up to date (the queries it
        started or stopped, the last query's counters) before the next prompt draws them.
        """
        self._catalog.start()
        try:
            while True:
                try:
                    text = self._session.prompt()
                except KeyboardInterrupt:
                    continue
                except EOFError:
                    break
                outcome = self.handle(text)
                self._catalog.refresh_queries()
                if outcome is Outcome.EXIT:
                    break
        finally:
            self._catalog.stop()
        return EXIT_OK

    def handle(self, text: str) -> Outcome:
        """Run every statement of the submitted text, rendering errors; EXIT stops the rest."""
        for statement in split_statements(text):
            try:
                outcome = self.run_statement(statement)
            except VsqlError as error:
                self.show_text(format_error(error, source=statement))
                return Outcome.CONTINUE
            except Exception as error:  # a bug below must not end the user's session
                logger.debug("statement failed: %s", statement, exc_info=True)
                self.show_text(f"internal error: {type(error).__name__}: {error}")
                return Outcome.CONTINUE
            if outcome is Outcome.EXIT:
                return Outcome.EXIT
        return Outcome.CONTINUE

    def run_statement(self, statement: str) -> Outcome:
        """Route one statement: a shell statement to its command, anything else to the runtime.

        Raises:
            VsqlError: the statement failed.
        """
        outcome = self._registry.execute(statement, self)
        if outcome is None:
            self.run_sql(statement)
            return Outcome.CONTINUE
        return outcome

    def run_sql(self, statement: str) -> None:
        """Run SQL on the runtime with a live view; Ctrl-C cancels it and prints a summary.

        The toolbar's last query follows the run's progress, so it shows this query's figures
        however the run ends (finished, cancelled or failed).
        """
        prepared = self._runtime.prepare(statement)
        view = open_result_view(self._config.format, stream=self._stream, console=self._console)
        latest: list[Counters] = []

        def on_progress(counters: Counters) -> None:
            latest[:] = [counters]
            self._last_status = counters
            view.status(counters)

        def work(cancel: threading.Event) -> RunResult:
            if prepared.shape is not None and not prepared.runs_in_background:
                view.start(prepared.shape)
            return self._runtime.run(prepared, on_rows=view.rows, on_progress=on_progress, cancel=cancel)

        try:
            ended = run_interruptible(work)
        finally:
            view.close()
        outcome = ended.value
        if outcome is not None and outcome.message:
            self.show_text(outcome.message)
        counters = outcome.counters if outcome is not None and outcome.counters else next(iter(latest), None)
        if counters is not None:
            self._last_status = counters
            self.show_text(counters.summary(is_cancelled=ended.is_cancelled))
        elif ended.is_cancelled:
            self.show_text("query cancelled")

    def print_topic(self, topic: str, *, from_beginning: bool, limit: int | None) -> None:
        """Tail a topic into a view until its limit or Ctrl-C."""
        view = open_result_view(self._config.format, stream=self._stream, console=self._console)
        try:
            ended = run_interruptible(
                lambda cancel: self._runtime.print_topic(
                    topic, from_beginning=from_beginning, limit=limit, on_rows=view.rows, cancel=cancel
                )
            )
        finally:
            view.close()
        if ended.is_cancelled:
            self.show_text(f"stopped printing {topic}")

    def show_table(self, rows: pa.Table) -> None:
        """Render a small result table (SHOW, DESCRIBE) in the configured format."""
        write_result(self._config.format, self._stream, rows)

    def show_text(self, text: str) -> None:
        """Write lines of text to the result stream."""
        write_lines(self._stream, text)

    def show_notice(self, text: str) -> None:
        """Write a line about what a statement did; in the shell, like any text."""
        self.show_text(text)

    def run_script_statement(self, statement: str) -> Outcome:
        """Route a script's statement; an error is shown against that statement, then stops the script.

        Raises:
            CommandError: the statement failed (already shown).
        """
        try:
            return self.run_statement(statement)
        except VsqlError as error:
            self.show_text(format_error(error, source=statement))
            raise CommandError("script stopped at the statement above") from error


def _file_history(path: Path) -> History:
    """History kept in ``path``; in memory when the file cannot be created."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(exist_ok=True)
    except OSError as error:
        logger.warning("history not saved: cannot create %s: %s", path, error.strerror or error)
        return InMemoryHistory()
    return FileHistory(str(path))
