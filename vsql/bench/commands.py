"""The ``vsql bench`` commands: run workloads, store baselines, compare a run with a baseline.

- ``vsql bench run [WORKLOAD...]``: measure and print a table. Without names, every workload but
  the Kafka ones runs (``DEFAULT_WORKLOADS``); ``--all`` adds the Kafka ones. ``--quick`` is the CI
  smoke: every workload (Kafka included) unless some are named, 20,000 records, one repeat of
  one pass (no ``MIN_TIMED_S``), memory measured.
- ``vsql bench baseline save NAME [--from RUN.json | run options]``: store a run as
  ``NAME.json`` in the baselines folder (``--dir``, ``$VSQL_BASELINES``, ``./bench/baselines`` if
  it exists, else the user's data folder: see ``vsql.bench.baseline``); refuses to overwrite
  without ``--force``. A baseline measures memory unless ``--no-memory``.
- ``vsql bench baseline list``: name, date, machine, workloads and folder of each stored baseline
  (the packaged ones included, unless ``--dir`` or ``$VSQL_BASELINES`` names a folder).
- ``vsql bench compare NAME [--tolerance 10%] [--current RUN.json | run options]``: run the
  baseline's workloads (its record count and repeats unless given) or load a saved run, and
  judge it (``vsql.bench.compare``).

``run`` and ``compare`` write reports with ``--json PATH`` (the current run document, the baseline
format), ``--markdown PATH`` and ``--plot DIR`` (PNG charts). Exit codes: 0 ok, 1 a regression or
memory growth (compare) or a workload whose child process failed (its stderr is printed), 2 a
usage error (unknown workload or baseline, bad tolerance, a file that is not a run document, a
baseline that exists).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from vsql.bench import baseline
from vsql.bench.compare import DEFAULT_TOLERANCE, Tolerance, compare
from vsql.bench.measure import MIN_TIMED_S
from vsql.bench.peers import add_peers_arguments, run_peers
from vsql.bench.process import WorkloadFailedError
from vsql.bench.report import comparison_markdown, run_markdown, write_baselines, write_comparison, write_run
from vsql.bench.result import BenchFileError, BenchRun
from vsql.bench.runner import run_workloads
from vsql.bench.workloads import DEFAULT_WORKLOADS, WORKLOADS

__all__ = ["QUICK_RECORDS", "add_bench_arguments", "run_bench"]

EXIT_OK = 0
EXIT_REGRESSION = 1
EXIT_FAILED = 1
EXIT_USAGE = 2

QUICK_RECORDS = 20_000
"""Records per run under ``--quick``."""

_RECORDS = 1_000_000
_REPEAT = 3


class _UsageError(Exception):
    """Arguments that parse but do not make sense together; exit 2."""


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _tolerance(text: str) -> Tolerance:
    try:
        return Tolerance.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def _add_run_options(parser: argparse.ArgumentParser, *, memory_default: str, selection: str) -> None:
    parser.add_argument(
        "workloads",
        nargs="*",
        metavar="WORKLOAD",
        help=f"default: {selection}; known: {', '.join(WORKLOADS)}",
    )
    parser.add_argument(
        "--records", type=_positive, metavar="N", help=f"records per run (default {_RECORDS})"
    )
    parser.add_argument(
        "--repeat", type=_positive, metavar="K", help=f"timed runs per workload (default {_REPEAT})"
    )
    parser.add_argument(
        "--memory",
        action=argparse.BooleanOptionalAction,
        help=f"peak RSS at N/10 and N records, in child processes (default: {memory_default})",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"CI smoke: {QUICK_RECORDS} records, 1 repeat of 1 pass, memory measured (run: every workload)",
    )


def _add_selection_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--all", action="store_true", help="every workload, Kafka ones included")


def _add_report_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", type=Path, metavar="PATH", help="write the run document (baseline format)")
    parser.add_argument("--markdown", type=Path, metavar="PATH", help="write a Markdown report")
    parser.add_argument("--plot", type=Path, metavar="DIR", help="write PNG charts into DIR")


def _add_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dir",
        type=Path,
        metavar="DIR",
        help=(
            f"baselines folder (default: ${baseline.ENV_VAR}, else ./{baseline.PROJECT_DIR} if it exists, "
            f"else {baseline.user_dir()}; the packaged baselines are read after the last two)"
        ),
    )


def add_bench_arguments(parser: argparse.ArgumentParser) -> argparse._SubParsersAction:
    """Add the ``bench`` subcommands to ``parser``.

    Each subcommand's parser sets ``bench_handler``, which ``run_bench`` calls:
    ``handler(args, stream, errors) -> int`` writes its report to ``stream`` and progress to
    ``errors``.
    """
    commands = parser.add_subparsers(dest="bench_command", required=True)
    run = commands.add_parser("run", help="measure workloads against their reference loops")
    _add_run_options(run, memory_default="off", selection="every workload but the Kafka ones")
    _add_selection_options(run)
    _add_report_options(run)
    run.set_defaults(bench_handler=_run)
    stored = commands.add_parser("baseline", help="stored baselines").add_subparsers(
        dest="baseline_command", required=True
    )
    save = stored.add_parser("save", help="store a run as a named baseline")
    save.add_argument("name", metavar="NAME", help="baseline name: writes DIR/NAME.json")
    save.add_argument(
        "--from", dest="source", type=Path, metavar="PATH", help="a run document instead of a run"
    )
    save.add_argument("--force", action="store_true", help="replace an existing baseline")
    _add_dir_option(save)
    _add_run_options(save, memory_default="on", selection="every workload but the Kafka ones")
    _add_selection_options(save)
    save.set_defaults(bench_handler=_save)
    listing = stored.add_parser("list", help="list stored baselines")
    _add_dir_option(listing)
    listing.set_defaults(bench_handler=_list)
    judge = commands.add_parser("compare", help="compare a run with a baseline; exit 1 on a regression")
    judge.add_argument("name", metavar="NAME", help="baseline name: reads DIR/NAME.json")
    judge.add_argument(
        "--tolerance",
        type=_tolerance,
        default=Tolerance.parse(DEFAULT_TOLERANCE),
        metavar="PCT",
        help=f"accepted drop of normalized throughput (default {DEFAULT_TOLERANCE.replace('%', '%%')})",
    )
    judge.add_argument("--current", type=Path, metavar="PATH", help="a saved run document instead of a run")
    _add_dir_option(judge)
    _add_run_options(judge, memory_default="as the baseline", selection="the baseline's")
    _add_report_options(judge)
    judge.set_defaults(bench_handler=_compare)
    peers = commands.add_parser(
        "peers", help="tumbling and sliding side by side with Quix Streams, Bytewax, DuckDB and Polars"
    )
    add_peers_arguments(peers)
    peers.set_defaults(bench_handler=run_peers)
    return commands


def run_bench(args: argparse.Namespace, stream: TextIO, *, errors: TextIO | None = None) -> int:
    """Run the parsed ``vsql bench`` command, writing reports to ``stream`` and progress, usage
    errors and failed workloads to ``errors`` (default stderr); returns the exit code."""
    errors = errors if errors is not None else sys.stderr
    try:
        return args.bench_handler(args, stream, errors)
    except (BenchFileError, _UsageError) as error:
        errors.write(f"vsql bench: {error}\n")
        return EXIT_USAGE
    except WorkloadFailedError as error:
        errors.write(f"vsql bench: {error}\n")
        return EXIT_FAILED


@dataclass(frozen=True)
class _RunOptions:
    names: list[str]
    records: int
    repeat: int
    memory: bool
    min_seconds: float


def _run_options(
    args: argparse.Namespace, *, names: list[str], records: int, repeat: int, memory: bool
) -> _RunOptions:
    """The run the options ask for, given the command's defaults; ``--quick`` changes the
    defaults of records, repeats and memory, never what is given explicitly."""
    chosen = list(args.workloads) or names
    unknown = [name for name in chosen if name not in WORKLOADS]
    if unknown:
        raise _UsageError(f"unknown workload {', '.join(unknown)}; known: {', '.join(WORKLOADS)}")
    return _RunOptions(
        names=chosen,
        records=args.records or (QUICK_RECORDS if args.quick else records),
        repeat=args.repeat or (1 if args.quick else repeat),
        memory=args.memory if args.memory is not None else (args.quick or memory),
        min_seconds=0.0 if args.quick else MIN_TIMED_S,
    )


def _has_run_options(args: argparse.Namespace) -> bool:
    selected = args.workloads or getattr(args, "all", False)
    return bool(selected or args.quick or args.records or args.repeat or args.memory is not None)


def _default_names(args: argparse.Namespace) -> list[str]:
    return list(WORKLOADS) if args.all or args.quick else list(DEFAULT_WORKLOADS)


def _measure(options: _RunOptions, errors: TextIO) -> BenchRun:
    total = len(options.names)
    position = iter(range(1, total + 1))
    return run_workloads(
        options.names,
        records=options.records,
        repeat=options.repeat,
        memory=options.memory,
        min_seconds=options.min_seconds,
        progress=lambda name: errors.write(f"bench: {name} ({next(position)}/{total})\n"),
    )


def _write_reports(
    args: argparse.Namespace, current: BenchRun, stream: TextIO, *, markdown: str, reference: BenchRun | None
) -> None:
    if args.json is not None:
        current.write(args.json)
        stream.write(f"wrote {args.json}\n")
    if args.markdown is not None:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(markdown, encoding="utf-8")
        stream.write(f"wrote {args.markdown}\n")
    if args.plot is not None:
        from vsql.bench.plot import write_plots  # noqa: PLC0415 - matplotlib loads only when plotting

        for path in write_plots(args.plot, current, baseline=reference):
            stream.write(f"wrote {path}\n")


def _run(args: argparse.Namespace, stream: TextIO, errors: TextIO) -> int:
    options = _run_options(args, names=_default_names(args), records=_RECORDS, repeat=_REPEAT, memory=False)
    current = _measure(options, errors)
    write_run(current, stream)
    _write_reports(args, current, stream, markdown=run_markdown(current), reference=None)
    return EXIT_OK


def _save(args: argparse.Namespace, stream: TextIO, errors: TextIO) -> int:
    baseline.writable_path(args.name, directory=args.dir, force=args.force)
    if args.source is not None:
        if _has_run_options(args):
            raise _UsageError("--from takes a saved run: give no workloads or run options with it")
        current = BenchRun.read(args.source)
    else:
        options = _run_options(
            args, names=_default_names(args), records=_RECORDS, repeat=_REPEAT, memory=True
        )
        current = _measure(options, errors)
        write_run(current, stream)
    saved = baseline.save(current, args.name, directory=args.dir, force=args.force)
    stream.write(f"saved baseline {args.name!r} ({len(current.results)} workloads) to {saved}\n")
    return EXIT_OK


def _list(args: argparse.Namespace, stream: TextIO, errors: TextIO) -> int:
    write_baselines(baseline.list_baselines(args.dir), stream, locations=baseline.locate(args.dir))
    return EXIT_OK


def _compare(args: argparse.Namespace, stream: TextIO, errors: TextIO) -> int:
    if args.current is not None:
        if _has_run_options(args):
            raise _UsageError("--current takes a saved run: give no workloads or run options with it")
        current = BenchRun.read(args.current)
        reference = baseline.load(args.name, directory=args.dir, machine=current.machine)
    else:
        reference = baseline.load(args.name, directory=args.dir)
        options = _run_options(
            args,
            names=[name for name in reference.names if name in WORKLOADS],
            records=reference.records,
            repeat=reference.repeat,
            memory=any(result.memory_points for result in reference.results),
        )
        current = _measure(options, errors)
    comparison = compare(current, reference, args.tolerance)
    write_comparison(comparison, stream)
    markdown = comparison_markdown(comparison, current=current, baseline=reference, name=args.name)
    _write_reports(args, current, stream, markdown=markdown, reference=reference)
    return EXIT_REGRESSION if comparison.is_failing else EXIT_OK
