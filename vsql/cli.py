"""The ``vsql`` command: parses arguments and routes to the shell, the runtime, the scenario suite or a demo.

Without ``-e``, ``-f`` or a subcommand, statements piped on stdin run as a script; on a terminal the
interactive shell opens (``vsql.repl.startup``).

Exit codes: 0 ok, 1 a query error (syntax, plan, execution), 2 a usage or input error, 130 Ctrl-C.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from vsql import __version__
from vsql.bench.commands import add_bench_arguments, run_bench
from vsql.display.errors import format_error
from vsql.engine.errors import VsqlError
from vsql.engine.settings import ConsumerTier
from vsql.engine.sql.script import split_statements
from vsql.engine.timeutil import parse_duration_ms
from vsql.io.errors import InputError
from vsql.io.kafka.commands import (
    add_broker_arguments,
    add_connection_arguments,
    add_datagen_arguments,
    broker_from_args,
    run_broker,
    run_datagen,
)
from vsql.repl.render import FORMATS
from vsql.repl.script import ScriptRunner
from vsql.runtime import Runtime
from vsql.runtime.commands import add_run_arguments, run_command
from vsql.scenario.suite import run_suite

__all__ = ["main"]

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_QUERY_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

DEMO_SQL = """SELECT symbol, COUNT(*) AS trades, SUM(qty) AS volume, MIN(price) AS low, MAX(price) AS high,
       AVG(price) AS avg_price, _window_start AS window_start
FROM trades
GROUP BY symbol
WINDOW TUMBLING(1m)
EMIT FINAL"""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader went away (``vsql ... | head``): stop quietly, as Unix tools do.
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - replaces stdout for the exit
        return EXIT_OK
    except KeyboardInterrupt:
        # Ctrl-C outside a running query (starting the broker, say): stop without a traceback.
        sys.stderr.write("vsql: interrupted\n")
        return EXIT_INTERRUPTED


def _main(argv: Sequence[str] | None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_request:
        return int(exit_request.code or 0)
    level = logging.DEBUG if args.debug else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if not args.debug:
        # sqlglot warns when it falls back on a statement vsql rejects with its own message.
        logging.getLogger("sqlglot").setLevel(logging.ERROR)
    try:
        return _route(args)
    except VsqlError as error:
        sys.stderr.write(format_error(error) + "\n")
        return EXIT_USAGE if isinstance(error, InputError) else EXIT_QUERY_ERROR
    except Exception as error:
        if args.debug:
            raise
        sys.stderr.write(f"vsql: unexpected {type(error).__name__}: {error} (run with --debug for details)\n")
        return EXIT_QUERY_ERROR


def _route(args: argparse.Namespace) -> int:
    if args.command == "scenario":
        return _scenario(args)
    if args.command == "bench":
        return run_bench(args, sys.stdout)
    if args.command == "broker":
        return _broker(args)
    if args.command == "datagen":
        return _datagen(args)
    if args.command == "run":
        return run_command(args, sys.stdout)
    if args.command == "tui":
        from vsql.tui.launch import run_tui  # noqa: PLC0415 - Textual loads only for the dashboard

        return run_tui(args)
    if args.command == "demo":
        with resources.as_file(resources.files("vsql").joinpath("data/trades_sample.ndjson")) as sample:
            return _script(args, [DEMO_SQL], inputs={"trades": sample})
    text = _script_text(args)
    if text is not None:
        return _script(args, split_statements(text), inputs=dict(args.inputs))
    from vsql.repl.startup import open_shell  # noqa: PLC0415 - the terminal's modules load only for the shell

    return open_shell(args)


def _parser() -> argparse.ArgumentParser:
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
        "--format", choices=FORMATS, help="result format (default: table, or the shell's config file)"
    )
    parser.add_argument(
        "--no-demo", action="store_true", help="shell: do not produce demo trades to the embedded broker"
    )
    parser.add_argument(
        "--tier",
        choices=[tier.value for tier in ConsumerTier],
        help="Kafka consumer tier (default: buffered)",
    )
    add_connection_arguments(parser)
    parser.add_argument(
        "--timeout",
        type=_timeout,
        metavar="DURATION",
        help="scripts: stop a push query (or PRINT, or a background query) after this long, e.g. 10s",
    )
    parser.add_argument("--debug", action="store_true", help="log debug output and show tracebacks")
    commands = parser.add_subparsers(dest="command")
    scenario = commands.add_parser("scenario", help="scenario files")
    scenario_commands = scenario.add_subparsers(dest="scenario_command", required=True)
    run = scenario_commands.add_parser("run", help="run scenario files or folders of them")
    run.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    run.add_argument(
        "--engine-only", action="store_true", help="feed inputs to the engine directly, no Kafka"
    )
    run.add_argument("--actual-out", type=Path, metavar="DIR", help="write each scenario's actual rows here")
    add_bench_arguments(commands.add_parser("bench", help="benchmark workloads, baselines, comparisons"))
    add_broker_arguments(commands.add_parser("broker", help="run an embedded Kafka broker until Ctrl-C"))
    add_datagen_arguments(commands.add_parser("datagen", help="produce generated events to a Kafka topic"))
    add_run_arguments(commands.add_parser("run", help="run one query with partition-parallel workers"))
    tui = commands.add_parser("tui", help="open the dashboard: queries, live metrics, bench regressions")
    add_connection_arguments(tui)
    tui.add_argument(
        "--no-demo",
        action="store_true",
        default=argparse.SUPPRESS,
        help="no demo trades on the embedded broker",
    )
    demo = commands.add_parser("demo", help="run a windowed aggregation over bundled sample trades")
    demo.add_argument(
        "--format", choices=FORMATS, default=argparse.SUPPRESS, help="result format (default: table)"
    )
    return parser


def _binding(text: str) -> tuple[str, Path]:
    name, separator, path = text.partition("=")
    if not separator or not name.strip() or not path.strip():
        raise argparse.ArgumentTypeError(f"expected TOPIC=PATH, got {text!r}")
    return name.strip(), Path(path.strip())


def _format(args: argparse.Namespace) -> str:
    return args.format or "table"


def _scenario(args: argparse.Namespace) -> int:
    return run_suite(args.paths, stream=sys.stdout, actual_out=args.actual_out, engine_only=args.engine_only)


def _broker(args: argparse.Namespace) -> int:
    try:
        return run_broker(partitions=args.partitions, topics=args.topics, stream=sys.stdout)
    except InputError as error:
        sys.stderr.write(format_error(error) + "\n")
        return EXIT_USAGE


def _datagen(args: argparse.Namespace) -> int:
    try:
        return run_datagen(args, stream=sys.stdout)
    except (InputError, ValueError) as error:
        sys.stderr.write(f"error: {error}\n")
        return EXIT_USAGE


def _script(args: argparse.Namespace, statements: Sequence[str], *, inputs: dict[str, Path]) -> int:
    """Run a script's statements on a session whose broker opens when a statement needs it."""
    properties = {} if args.tier is None else {"consumer.tier": args.tier}
    runtime = Runtime(broker=lambda: broker_from_args(args), inputs=inputs, properties=properties)
    runner = ScriptRunner(
        runtime, output_format=_format(args), stream=sys.stdout, errors=sys.stderr, timeout_s=args.timeout
    )
    try:
        return runner.run(statements)
    finally:
        runtime.close()


def _script_text(args: argparse.Namespace) -> str | None:
    """The script's text: ``-e``, ``-f`` or stdin; None when nothing asks for a script.

    Raises:
        InputError: the ``-f`` file cannot be read.
    """
    if args.execute is not None:
        return args.execute
    if args.file is not None:
        try:
            return args.file.read_text(encoding="utf-8")
        except OSError as error:
            raise InputError(f"cannot read script {str(args.file)!r}: {error.strerror or error}") from error
    if not sys.stdin.isatty():
        return sys.stdin.read()
    return None


def _timeout(text: str) -> float:
    """``--timeout``: a duration such as ``500ms``, ``30s`` or ``5m``; a bare number is seconds."""
    try:
        milliseconds = parse_duration_ms(f"{text}s" if text.strip().isdigit() else text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    if milliseconds <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive duration, got {text!r}")
    return milliseconds / 1000


if __name__ == "__main__":
    sys.exit(main())
