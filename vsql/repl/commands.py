"""Shell statements: one registry of name, syntax, help and handler, feeding routing, HELP and completion.

A statement whose first words are a registered name is a shell statement; anything else is SQL for
the runtime. Handlers talk to the world only through a ``CommandContext``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Protocol

import pyarrow as pa

from vsql.engine.errors import VsqlError
from vsql.engine.sql.script import split_statements
from vsql.runtime import Runtime

__all__ = [
    "CommandContext",
    "CommandError",
    "CommandRegistry",
    "Invocation",
    "Outcome",
    "ShellCommand",
    "default_registry",
]


_LEADING_COMMENTS = re.compile(r"\A(?:\s*(?:--[^\n]*(?:\n|\Z)|/\*.*?\*/))*\s*", re.DOTALL)


class CommandError(VsqlError):
    """A shell statement is malformed or cannot run (a usage line, an unreadable script)."""


class Outcome(Enum):
    """What the shell does after a statement."""

    CONTINUE = "continue"
    EXIT = "exit"


class CommandContext(Protocol):
    """What a handler may use: the runtime and the shell's ways to show things and run statements."""

    @property
    def runtime(self) -> Runtime:
        """The runtime."""

    def show_table(self, rows: pa.Table) -> None:
        """Render a result table in the shell's output format."""

    def show_text(self, text: str) -> None:
        """Write lines of text."""

    def show_notice(self, text: str) -> None:
        """Write a line about what a statement did (not a result): a script keeps it off its output."""

    def run_sql(self, statement: str) -> None:
        """Run SQL through the runtime with live rendering and Ctrl-C cancel."""

    def run_script_statement(self, statement: str) -> Outcome:
        """Route a script's statement as if typed; an error is shown, then raised to stop the script."""

    def print_topic(self, topic: str, *, from_beginning: bool, limit: int | None) -> None:
        """Tail a topic with live rendering and Ctrl-C cancel."""


@dataclass(frozen=True)
class Invocation:
    """One use of a command: the whole statement and its named arguments (None when left out)."""

    statement: str
    arguments: Mapping[str, str | None]

    def __getitem__(self, name: str) -> str | None:
        return self.arguments[name]

    def text(self, name: str) -> str:
        """A required argument (its pattern guarantees it is there when the statement matched)."""
        value = self.arguments[name]
        assert value is not None, name
        return value


Handler = Callable[[CommandContext, Invocation], Outcome | None]


@dataclass(frozen=True, kw_only=True)
class ShellCommand:
    """One shell statement.

    Attributes:
        name: its leading words, upper case (``SHOW TOPICS``).
        syntax: the usage line HELP shows.
        summary: one line of help.
        arguments: a regex the text after the name must match in full (case-insensitive).
        handler: runs it with the context and the argument match; returns EXIT to leave the shell.
        needs_terminator: True when Enter must wait for a ``;`` (the statement may span lines).
    """

    name: str
    syntax: str
    summary: str
    arguments: str
    handler: Handler
    needs_terminator: bool = False


class CommandRegistry:
    """The shell statements, matched by their leading words (longest name first)."""

    def __init__(self, commands: Sequence[ShellCommand]) -> None:
        self._commands = sorted(commands, key=lambda command: -len(command.name))

    @property
    def names(self) -> tuple[str, ...]:
        """Every command name, sorted."""
        return tuple(sorted(command.name for command in self._commands))

    def find(self, statement: str) -> tuple[ShellCommand, str] | None:
        """The command a statement starts with and the text after its name, or None for SQL.

        Comments before the command's name are skipped.
        """
        statement = _LEADING_COMMENTS.sub("", statement)
        words = statement.split()
        upper = [word.upper() for word in words]
        for command in self._commands:
            name = command.name.split()
            if upper[: len(name)] == name:
                rest = re.split(r"\s+", statement.strip(), maxsplit=len(name))
                return command, rest[len(name)] if len(rest) > len(name) else ""
        return None

    def execute(self, statement: str, context: CommandContext) -> Outcome | None:
        """Run ``statement`` if it is a shell statement; None when it is SQL for the runtime.

        Raises:
            CommandError: the arguments do not fit the command's syntax.
            VsqlError: the handler failed.
        """
        found = self.find(statement)
        if found is None:
            return None
        command, rest = found
        match = re.fullmatch(command.arguments, rest.strip(), flags=re.IGNORECASE | re.DOTALL)
        if match is None:
            raise CommandError(f"usage: {command.syntax}")
        invocation = Invocation(statement=statement, arguments=match.groupdict())
        return command.handler(context, invocation) or Outcome.CONTINUE

    def help_text(self, topic: str = "") -> str:
        """HELP: every command's syntax and summary, or those whose name starts with ``topic``.

        Raises:
            CommandError: no command matches ``topic``.
        """
        wanted = " ".join(topic.upper().split())
        chosen = [command for command in self._commands if command.name.startswith(wanted)]
        if not chosen:
            raise CommandError(f"no help for {topic!r}; commands are {', '.join(self.names)}")
        chosen.sort(key=lambda command: command.name)
        width = max(len(command.syntax) for command in chosen)
        lines = [f"{command.syntax.ljust(width)}  {command.summary}" for command in chosen]
        if not wanted:
            lines.append("Any other statement (SELECT, CREATE STREAM ...) runs as SQL; end it with ';'.")
        return "\n".join(lines)

    def needs_terminator(self, statement: str) -> bool:
        """Whether Enter must wait for a ``;``: SQL, and shell statements that embed SQL."""
        found = self.find(statement)
        return found is None or found[0].needs_terminator


def _rows(records: Sequence[Mapping[str, object]], columns: Sequence[str]) -> pa.Table:
    return pa.table({name: [record[name] for record in records] for name in columns})


def _show_topics(context: CommandContext, _: Invocation) -> None:
    topics = context.runtime.topics()
    rows = [{"topic": name, "partitions": t.partitions, "messages": t.messages} for name, t in topics.items()]
    context.show_table(_rows(rows, ("topic", "partitions", "messages")))


def _describe(context: CommandContext, invocation: Invocation) -> None:
    fields = context.runtime.describe(invocation.text("topic"))
    rows = [
        {"field": f.name, "type": f.type, "null_fraction": f.null_fraction, "example": f.example}
        for f in fields
    ]
    context.show_table(_rows(rows, ("field", "type", "null_fraction", "example")))


def _print(context: CommandContext, invocation: Invocation) -> None:
    limit = int(invocation["limit"]) if invocation["limit"] else None
    context.print_topic(invocation.text("topic"), from_beginning=bool(invocation["beginning"]), limit=limit)


def _show_queries(context: CommandContext, _: Invocation) -> None:
    rows = [
        {
            "query_id": job.job_id,
            "state": job.state.value if job.error is None else f"{job.state.value}: {job.error}",
            "sink": job.sink,
            "records_per_s": round(job.counters.records_per_s, 1),
            "rows_out": job.counters.rows_out,
            "statement": " ".join(job.statement.split()),
        }
        for job in context.runtime.jobs()
    ]
    columns = ("query_id", "state", "sink", "records_per_s", "rows_out", "statement")
    context.show_table(_rows(rows, columns))


def _terminate(context: CommandContext, invocation: Invocation) -> None:
    stopped = context.runtime.terminate(invocation.text("query"))
    context.show_notice(f"terminated {', '.join(stopped)}" if stopped else "no query was running")


def _sql(context: CommandContext, invocation: Invocation) -> None:
    context.run_sql(invocation.statement)


def _show_properties(context: CommandContext, _: Invocation) -> None:
    properties = context.runtime.properties()
    rows = [{"property": key, "value": properties[key]} for key in sorted(properties)]
    context.show_table(_rows(rows, ("property", "value")))


def _run_script(context: CommandContext, invocation: Invocation) -> Outcome | None:
    path = Path(invocation.text("path").replace("''", "'")).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise CommandError(f"cannot read script {str(path)!r}: {error.strerror or error}") from error
    for statement in split_statements(text):
        if context.run_script_statement(statement) is Outcome.EXIT:
            return Outcome.EXIT
    return None


def _explain(context: CommandContext, invocation: Invocation) -> None:
    runtime = context.runtime
    context.show_text(runtime.explain(runtime.prepare(invocation.text("query"))))


def _datagen(context: CommandContext, invocation: Invocation) -> None:
    kind, topic, rate = invocation.text("kind"), invocation.text("topic"), int(invocation.text("rate"))
    query_id = context.runtime.start_datagen(kind, topic=topic, rate=rate)
    context.show_notice(f"datagen {query_id}: {kind} to {topic} at {rate} records/s (TERMINATE {query_id})")


def _exit(_context: CommandContext, _: Invocation) -> Outcome:
    return Outcome.EXIT


_NAME = r"[`\"]?(?P<{group}>[A-Za-z_][\w.\-]*)[`\"]?"
_TOPIC = _NAME.format(group="topic")
_NOTHING = r""


def default_registry() -> CommandRegistry:
    """The shell statements of DESIGN.md, with HELP reading the registry it belongs to."""
    commands = [
        ShellCommand(
            name="SHOW TOPICS",
            syntax="SHOW TOPICS",
            summary="topics with partitions and messages",
            arguments=_NOTHING,
            handler=_show_topics,
        ),
        ShellCommand(
            name="DESCRIBE",
            syntax="DESCRIBE <topic>",
            summary="fields of a topic (type, null fraction, example), sampled",
            arguments=_TOPIC,
            handler=_describe,
        ),
        ShellCommand(
            name="PRINT",
            syntax="PRINT <topic> [FROM BEGINNING] [LIMIT n]",
            summary="tail a topic's messages (Ctrl-C stops)",
            arguments=_TOPIC + r"(?P<beginning>\s+FROM\s+BEGINNING)?(?:\s+LIMIT\s+(?P<limit>\d+))?",
            handler=_print,
        ),
        ShellCommand(
            name="SHOW QUERIES",
            syntax="SHOW QUERIES",
            summary="queries of this session and their rates",
            arguments=_NOTHING,
            handler=_show_queries,
        ),
        ShellCommand(
            name="TERMINATE",
            syntax="TERMINATE <query id>|ALL",
            summary="stop a background query, or all of them",
            arguments=r"(?P<query>[\w\-]+)",
            handler=_terminate,
        ),
        ShellCommand(
            name="SET",
            syntax="SET '<key>' = '<value>'",
            summary="set a session property",
            arguments=r".+",
            handler=_sql,
        ),
        ShellCommand(
            name="UNSET",
            syntax="UNSET '<key>'",
            summary="reset a session property",
            arguments=r".+",
            handler=_sql,
        ),
        ShellCommand(
            name="SHOW PROPERTIES",
            syntax="SHOW PROPERTIES",
            summary="session properties",
            arguments=_NOTHING,
            handler=_show_properties,
        ),
        ShellCommand(
            name="RUN SCRIPT",
            syntax="RUN SCRIPT '<file>'",
            summary="run the statements of a file",
            arguments=r"'(?P<path>(?:[^']|'')+)'",
            handler=_run_script,
        ),
        ShellCommand(
            name="EXPLAIN",
            syntax="EXPLAIN <query>",
            summary="the plan: windows, emission, grouping, event time, watermark",
            arguments=r"(?P<query>.+)",
            handler=_explain,
            needs_terminator=True,
        ),
        ShellCommand(
            name="DATAGEN",
            syntax="DATAGEN <kind> TO <topic> RATE <n>",
            summary="produce generated events (trades, orders, sensors) in the background",
            arguments=r"(?P<kind>\w+)\s+TO\s+" + _TOPIC + r"\s+RATE\s+(?P<rate>\d+)",
            handler=_datagen,
        ),
        ShellCommand(
            name="EXIT",
            syntax="EXIT",
            summary="leave the shell (or Ctrl-D)",
            arguments=_NOTHING,
            handler=_exit,
        ),
        ShellCommand(name="QUIT", syntax="QUIT", summary="same as EXIT", arguments=_NOTHING, handler=_exit),
    ]

    def show_help(context: CommandContext, invocation: Invocation) -> None:
        context.show_text(registry.help_text(invocation["topic"] or ""))

    help_command = ShellCommand(
        name="HELP",
        syntax="HELP [command]",
        summary="this list, or the help of the commands starting with the words given",
        arguments=r"(?P<topic>.*)",
        handler=show_help,
    )
    registry = CommandRegistry([*commands, help_command])
    return registry
