"""The ``vsql`` command: parses arguments and routes to the shell, a script, or a subcommand.

Without ``-e``, ``-f`` or a subcommand, statements piped on stdin run as a script; on a terminal the
interactive shell opens (``vsql.repl.startup``).

Start-up is kept short: this module imports only the standard library. A subcommand's options
and code load when it is the one asked for (the ``SUBCOMMANDS`` table), a script loads the
runtime but neither the shell's terminal nor the dashboard nor the bench.

Exit codes: 0 ok, 1 a query error (syntax, plan, execution), 2 a usage or input error, 130 Ctrl-C.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import import_module, resources
from pathlib import Path

from vsql import __version__
from vsql.io.kafka.options import add_connection_arguments
from vsql.repl.formats import FORMATS

__all__ = ["SUBCOMMANDS", "main"]

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_QUERY_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

CONSUMER_TIERS = ("standard", "buffered", "dedicated")
"""``--tier`` choices: the values of ``vsql.engine.settings.ConsumerTier``."""

DEMO_SQL = """SELECT symbol, COUNT(*) AS trades, SUM(qty) AS volume, MIN(price) AS low, MAX(price) AS high,
       AVG(price) AS avg_price, _window_start AS window_start
FROM trades
GROUP BY symbol
WINDOW TUMBLING(1m)
EMIT FINAL"""


@dataclass(frozen=True)
class Subcommand:
    """A ``vsql`` subcommand, loaded only when asked for.

    Attributes:
        help: its line in ``vsql --help``.
        module: the module holding its options and its code.
        add_arguments: the name of the function adding its options to a parser.
        run: the name of the function running it with the parsed arguments and the output stream;
            returns the exit code.
    """

    help: str
    module: str
    add_arguments: str
    run: str

    def load(self, name: str) -> Callable[..., object]:
        """One of its module's functions, by attribute name."""
        return getattr(import_module(self.module), name)  # type: ignore[no-any-return]


SUBCOMMANDS: dict[str, Subcommand] = {
    "scenario": Subcommand(
        "scenario files", "vsql.scenario.suite", "add_scenario_arguments", "scenario_command"
    ),
    "bench": Subcommand(
        "benchmark workloads, baselines, comparisons",
        "vsql.bench.commands",
        "add_bench_arguments",
        "run_bench",
    ),
    "broker": Subcommand(
        "run an embedded Kafka broker until Ctrl-C",
        "vsql.io.kafka.commands",
        "add_broker_options",
        "broker_command",
    ),
    "datagen": Subcommand(
        "produce generated events to a Kafka topic",
        "vsql.io.kafka.commands",
        "add_datagen_options",
        "datagen_command",
    ),
    "run": Subcommand(
        "run one query with partition-parallel workers",
        "vsql.runtime.commands",
        "add_run_arguments",
        "run_command",
    ),
    "tui": Subcommand(
        "open the dashboard: queries, live metrics, bench regressions",
        "vsql.tui.launch",
        "add_tui_arguments",
        "run_tui",
    ),
    "demo": Subcommand(
        "run a windowed aggregation over bundled sample trades", "vsql.cli", "_add_demo_arguments", "_demo"
    ),
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader went away (``vsql ... | head``): stop quietly, as Unix tools do.
        _silence_stdout()
        return EXIT_OK
    except KeyboardInterrupt:
        # Ctrl-C outside a running query (starting the broker, say): stop without a traceback.
        sys.stderr.write("vsql: interrupted\n")
        return EXIT_INTERRUPTED


def _main(argv: Sequence[str] | None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        chosen, _ = _parser(None).parse_known_args(arguments)
        args = _parser(chosen.command).parse_args(arguments)
    except SystemExit as exit_request:
        return int(exit_request.code or 0)
    level = logging.DEBUG if args.debug else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if not args.debug:
        # sqlglot warns when it falls back on a statement vsql rejects with its own message.
        logging.getLogger("sqlglot").setLevel(logging.ERROR)
    from vsql.engine.errors import VsqlError  # noqa: PLC0415 - after parsing, so --help stays light

    try:
        return _route(args)
    except VsqlError as error:
        from vsql.display.errors import format_error  # noqa: PLC0415
        from vsql.io.errors import InputError  # noqa: PLC0415

        sys.stderr.write(format_error(error) + "\n")
        return EXIT_USAGE if isinstance(error, InputError) else EXIT_QUERY_ERROR
    except BrokenPipeError:
        raise
    except Exception as error:
        if args.debug:
            raise
        sys.stderr.write(f"vsql: unexpected {type(error).__name__}: {error} (run with --debug for details)\n")
        return EXIT_QUERY_ERROR


def _route(args: argparse.Namespace) -> int:
    if args.command is not None:
        command = SUBCOMMANDS[args.command]
        return int(command.load(command.run)(args, sys.stdout))  # type: ignore[call-overload]
    text = _script_text(args)
    if text is not None:
        return _script(args, text, inputs=dict(args.inputs))
    from vsql.repl.startup import open_shell  # noqa: PLC0415 - the terminal's modules load only for the shell

    return open_shell(args)


def _parser(command: str | None) -> argparse.ArgumentParser:
    """The command line's parser; only ``command``'s own options are loaded (none for None)."""
    parser = argparse.ArgumentParser(prog="vsql", description="Streaming SQL over Kafka and files.")
    parser.add_argument("--version", action="version", version=f"vsql {__version__}")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("-e", "--execute", metavar="SQL", help="run one statement and print its results")
    source.add_argument("-f", "--file", type=Path, metavar="FILE", help="run the statements of a script")
    parser.add_argument(
        "--input",
        dest="inputs",
        action="append",
        type=_binding,
        default=[],
        metavar="TOPIC=PATH",
        help="bind a topic name to an NDJSON or CSV file, replayed as a finite input",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        help="result format (default: table, or $VSQL_FORMAT, or the config file)",
    )
    parser.add_argument(
        "--no-demo", action="store_true", help="shell: do not produce demo trades to the embedded broker"
    )
    parser.add_argument("--tier", choices=CONSUMER_TIERS, help="Kafka consumer tier (default: buffered)")
    add_connection_arguments(parser)
    parser.add_argument(
        "--timeout",
        type=_timeout,
        metavar="DURATION",
        help="scripts: stop a push query (or PRINT, or a background query) after this long, e.g. 10s",
    )
    parser.add_argument("--debug", action="store_true", help="log debug output and show tracebacks")
    commands = parser.add_subparsers(dest="command")
    for name, subcommand in SUBCOMMANDS.items():
        sub = commands.add_parser(name, help=subcommand.help, add_help=name == command)
        if name == command:
            subcommand.load(subcommand.add_arguments)(sub)
    return parser


def _add_demo_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", choices=FORMATS, default=argparse.SUPPRESS, help="result format (default: table)"
    )


def _demo(args: argparse.Namespace, _stream: object) -> int:
    with resources.as_file(resources.files("vsql").joinpath("data/trades_sample.ndjson")) as sample:
        return _script(args, DEMO_SQL, inputs={"trades": sample})


def _binding(text: str) -> tuple[str, Path]:
    name, separator, path = text.partition("=")
    if not separator or not name.strip() or not path.strip():
        raise argparse.ArgumentTypeError(f"expected TOPIC=PATH, got {text!r}")
    return name.strip(), Path(path.strip())


def _script(args: argparse.Namespace, text: str, *, inputs: dict[str, Path]) -> int:
    """Run a script on a runtime whose broker opens when a statement needs it.

    The result format and consumer tier come from the command line, else ``VSQL_*``
    variables, else the config file, as in the shell.
    """
    from vsql.io.kafka.commands import broker_from_args  # noqa: PLC0415
    from vsql.repl.config import load_config  # noqa: PLC0415
    from vsql.repl.script import ScriptRunner  # noqa: PLC0415
    from vsql.runtime import Runtime  # noqa: PLC0415

    config = load_config(flags={"format": args.format, "tier": args.tier})
    runtime = Runtime(
        broker=lambda: broker_from_args(args),
        inputs=inputs,
        properties={"consumer.tier": config.tier.value},
    )
    runner = ScriptRunner(
        runtime, output_format=config.format, stream=sys.stdout, errors=sys.stderr, timeout_s=args.timeout
    )
    try:
        return runner.run(text, origin=_script_name(args))
    finally:
        runtime.close()


def _script_name(args: argparse.Namespace) -> str | None:
    """How errors name the script: its file, else None (``-e`` and stdin)."""
    return None if args.file is None else str(args.file)


def _script_text(args: argparse.Namespace) -> str | None:
    """The script's text: ``-e``, ``-f`` or stdin; None when nothing asks for a script.

    Raises:
        InputError: the ``-f`` file cannot be read.
    """
    if args.execute is not None:
        return str(args.execute)
    if args.file is not None:
        try:
            return Path(args.file).read_text(encoding="utf-8")
        except OSError as error:
            from vsql.io.errors import InputError  # noqa: PLC0415

            raise InputError(f"cannot read script {str(args.file)!r}: {error.strerror or error}") from error
    if not sys.stdin.isatty():
        return sys.stdin.read()
    return None


def _timeout(text: str) -> float:
    """``--timeout``: a duration such as ``500ms``, ``30s`` or ``5m``; a bare number is seconds."""
    from vsql.engine.timeutil import parse_duration_ms  # noqa: PLC0415

    try:
        milliseconds = parse_duration_ms(f"{text}s" if text.strip().isdigit() else text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    if milliseconds <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive duration, got {text!r}")
    return milliseconds / 1000


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's final flush finds no broken pipe."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - replaces stdout for the exit
    finally:
        os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
