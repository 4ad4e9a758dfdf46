"""The ``vsql run`` command: one query run by partition-parallel worker processes.

``vsql run -f query.sql --workers N [--group-id G] [--bootstrap HOST:PORT]`` starts N workers per
stage of the script's query (see ``vsql.runtime.workers``) and waits for them. The script holds
SET statements and one query. ``CREATE STREAM x AS SELECT`` writes to its sink topic; a plain
SELECT's rows are printed as NDJSON lines, each worker's rows as they come (their order across
workers is not defined, and after a rebalance rows may repeat: delivery is at-least-once). With
``'scan.bounded.mode' = 'latest-offset'`` the run ends once the topic is read to its end;
otherwise it runs until Ctrl-C or SIGTERM. Workers started on other machines with the same query
and ``--group-id`` share the partitions.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from vsql.io.errors import InputError
from vsql.io.kafka.commands import broker_from_args
from vsql.io.kafka.options import add_connection_arguments
from vsql.runtime.client import Runtime

__all__ = ["add_run_arguments", "run_command"]


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``vsql run`` (connection options included)."""
    script = parser.add_mutually_exclusive_group(required=True)
    script.add_argument(
        "-e", "--execute", dest="run_sql", metavar="SQL", help="the query (SET statements first)"
    )
    script.add_argument(
        "-f", "--file", dest="run_file", type=Path, metavar="FILE", help="a script of one query"
    )
    parser.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="worker processes per stage (default: the script's 'query.workers', else 1)",
    )
    parser.add_argument(
        "--group-id",
        metavar="G",
        help="consumer group of the workers; workers elsewhere with the same query and group share the "
        "partitions (default: vsql-run-<sink name>, or vsql-run-<hash of the query>)",
    )
    add_connection_arguments(parser)


def run_command(args: argparse.Namespace, stream: TextIO) -> int:
    """Run ``vsql run``; returns the exit code (0 when every worker ended well).

    Raises:
        InputError: the script cannot be read, the worker count is not positive, or the
            connection options are bad.
        SqlSyntaxError, PlanError: the script is rejected. BrokerError: the broker failed.
    """
    script = args.run_sql if args.run_sql is not None else _read(args.run_file)
    runtime = Runtime(broker=lambda: broker_from_args(args))
    try:
        return runtime.run_in_workers(script, workers=args.workers, group_id=args.group_id, out=stream)
    finally:
        runtime.close()


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(f"cannot read script {str(path)!r}: {error.strerror or error}") from error
