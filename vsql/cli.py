"""The ``vsql`` command: parses arguments and routes to the shell, the runtime, the scenario suite or a demo.

Without ``-e``, ``-f`` or a subcommand, statements piped on stdin run as a script; on a terminal the
interactive shell opens (``vsql.repl.startup``).

Exit codes: 0 ok, 1 a query error (syntax, plan, execution), 2 a usage or input error.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import TextIO

from vsql.bench.report import write_json, write_table
from vsql.bench.runner import run_workloads
from vsql.bench.workloads import DEFAULT_WORKLOADS, WORKLOADS
from vsql.engine.errors import VsqlError
from vsql.engine.settings import ConsumerTier
from vsql.engine.sql.script import split_statements
from vsql.io.errors import InputError
from vsql.io.kafka.commands import (
    add_broker_arguments,
    add_connection_arguments,
    add_datagen_arguments,
    broker_from_args,
    run_broker,
    run_datagen,
)
from vsql.repl.render import FORMATS, make_renderer
from vsql.repl.render.error import format_error
from vsql.repl.startup import open_shell
from vsql.runtime import RunStats, Session
from vsql.scenario.suite import run_suite

__all__ = ["main"]

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_QUERY_ERROR = 1
EXIT_USAGE = 2

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
        return _bench(args)
    if args.command == "broker":
        return _broker(args)
    if args.command == "datagen":
        return _datagen(args)
    if args.command == "demo":
        with resources.as_file(resources.files("vsql").joinpath("data/trades_sample.ndjson")) as sample:
            return _run_statements(
                [DEMO_SQL], session=Session(inputs={"trades": sample}), output_format=_format(args)
            )
    if args.execute is not None:
        return _run_statements([args.execute], session=_session(args), output_format=_format(args))
    if args.file is not None:
        return _run_script(args.file, session=_session(args), output_format=_format(args))
    if not sys.stdin.isatty():
        statements = split_statements(sys.stdin.read())
        return _run_statements(statements, session=_session(args), output_format=_format(args))
    return open_shell(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vsql", description="Streaming SQL over Kafka and files.")
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
    bench = commands.add_parser("bench", help="benchmark workloads")
    bench_commands = bench.add_subparsers(dest="bench_command", required=True)
    bench_run = bench_commands.add_parser("run", help="measure workloads against their reference loops")
    bench_run.add_argument(
        "workloads",
        nargs="*",
        metavar="WORKLOAD",
        help=f"default: {', '.join(DEFAULT_WORKLOADS)}; Kafka workloads run by name",
    )
    bench_run.add_argument("--records", type=int, default=1_000_000, help="records per run (default 1000000)")
    bench_run.add_argument("--repeat", type=int, default=3, help="timed runs per workload (default 3)")
    bench_run.add_argument(
        "--memory", action="store_true", help="peak RSS at N and N/10 records, in child processes"
    )
    bench_run.add_argument("--json", type=Path, metavar="PATH", help="also write the results as JSON")
    add_broker_arguments(commands.add_parser("broker", help="run an embedded Kafka broker until Ctrl-C"))
    add_datagen_arguments(commands.add_parser("datagen", help="produce generated events to a Kafka topic"))
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


def _bench(args: argparse.Namespace) -> int:
    names = args.workloads or list(DEFAULT_WORKLOADS)
    unknown = [name for name in names if name not in WORKLOADS]
    if unknown:
        sys.stderr.write(f"vsql: unknown workload {', '.join(unknown)}; known: {', '.join(WORKLOADS)}\n")
        return EXIT_USAGE
    results = run_workloads(names, records=args.records, repeat=args.repeat, memory=args.memory)
    write_table(results, sys.stdout)
    if args.json is not None:
        with args.json.open("w", encoding="utf-8") as out:
            write_json(results, out)
    return EXIT_OK


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


def _session(args: argparse.Namespace) -> Session:
    """The session of ``-e``/``-f``: file inputs, and the broker opened when a query needs it."""
    session = Session(broker=lambda: broker_from_args(args), inputs=dict(args.inputs))
    if args.tier is not None:
        session.set_property("consumer.tier", args.tier)
    return session


def _run_script(path: Path, *, session: Session, output_format: str) -> int:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        sys.stderr.write(f"error: cannot read script {str(path)!r}: {error.strerror or error}\n")
        return EXIT_USAGE
    return _run_statements(split_statements(text), session=session, output_format=output_format)


def _run_statements(statements: Sequence[str], *, session: Session, output_format: str) -> int:
    try:
        return _execute_all(statements, session=session, output_format=output_format)
    finally:
        session.close(wait=True)


def _execute_all(statements: Sequence[str], *, session: Session, output_format: str) -> int:
    for statement in statements:
        renderer = make_renderer(output_format, sys.stdout)
        try:
            stats = session.execute(statement, on_rows=renderer.write)
        except InputError as error:
            sys.stderr.write(format_error(error) + "\n")
            return EXIT_USAGE
        except VsqlError as error:
            sys.stderr.write(format_error(error, source=statement) + "\n")
            return EXIT_QUERY_ERROR
        if stats is not None:
            renderer.close()
            _summarize(stats, sys.stderr)
    return EXIT_OK


def _summarize(stats: RunStats, stream: TextIO) -> None:
    if stats.dead_letter_count or stats.late_count:
        stream.write(f"{stats.dead_letter_count} dead letters, {stats.late_count} late rows\n")


if __name__ == "__main__":
    sys.exit(main())
