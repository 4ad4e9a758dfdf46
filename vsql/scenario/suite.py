"""Run many scenario files: discovery in folders, one PASS/FAIL line each, the exit code.

Exit codes follow the CLI contract: 0 when every scenario passes, 1 when any result differs, 2 when
any file is invalid (invalid files win over failures).
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO

from vsql.scenario.compare import format_row
from vsql.scenario.errors import ScenarioFileError
from vsql.scenario.model import load_scenario
from vsql.scenario.runner import ScenarioResult, run_scenario

__all__ = ["EXIT_FAILED", "EXIT_INVALID", "EXIT_OK", "discover", "run_suite"]

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INVALID = 2
_SUFFIXES = (".yaml", ".yml")


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """Scenario files named directly, plus every ``*.yaml``/``*.yml`` under named folders, sorted.

    Raises:
        ScenarioFileError: a path does not exist.
    """
    found: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in _SUFFIXES)
        elif path.is_file():
            found.append(path)
        else:
            raise ScenarioFileError(path, "no such file or folder")
    return found


def add_scenario_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``vsql scenario run PATH... [--engine-only] [--actual-out DIR]``."""
    commands = parser.add_subparsers(dest="scenario_command", required=True)
    run = commands.add_parser("run", help="run scenario files or folders of them")
    run.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    run.add_argument(
        "--engine-only", action="store_true", help="feed inputs to the engine directly, no Kafka"
    )
    run.add_argument("--actual-out", type=Path, metavar="DIR", help="write each scenario's actual rows here")


def scenario_command(args: argparse.Namespace, stream: TextIO) -> int:
    """``vsql scenario run``: see ``run_suite``."""
    return run_suite(args.paths, stream=stream, actual_out=args.actual_out, engine_only=args.engine_only)


def run_suite(
    paths: Sequence[str | Path], *, stream: TextIO, actual_out: Path | None = None, engine_only: bool = False
) -> int:
    """Run scenario files, writing one line per scenario (and its diff on failure).

    Args:
        paths: files and folders.
        stream: where the report goes.
        actual_out: when given, each scenario's actual rows go to ``actual_out/<name>.ndjson``.
        engine_only: feed inputs to the engine directly; otherwise through an embedded Kafka
            broker (scenarios marked ``replay: engine-only`` always run engine-only).

    Returns:
        The exit code (``EXIT_OK``, ``EXIT_FAILED`` or ``EXIT_INVALID``).
    """
    try:
        files = discover(paths)
    except ScenarioFileError as error:
        stream.write(f"INVALID {error}\n")
        return EXIT_INVALID
    counts = {"pass": 0, "fail": 0, "invalid": 0}
    for file in files:
        try:
            result = run_scenario(load_scenario(file), through_kafka=not engine_only)
        except ScenarioFileError as error:
            counts["invalid"] += 1
            stream.write(f"INVALID {error}\n")
            continue
        if actual_out is not None:
            _write_actual(result, actual_out)
        if result.passed:
            counts["pass"] += 1
            stream.write(f"PASS    {result.scenario.name}\n")
        else:
            counts["fail"] += 1
            stream.write(f"FAIL    {result.scenario.name} ({file})\n")
            for problem in result.problems:
                stream.write("  " + problem.replace("\n", "\n  ") + "\n")
    stream.write(f"{counts['pass']} passed, {counts['fail']} failed, {counts['invalid']} invalid\n")
    if counts["invalid"]:
        return EXIT_INVALID
    return EXIT_FAILED if counts["fail"] else EXIT_OK


def _write_actual(result: ScenarioResult, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{result.scenario.name}.ndjson"
    target.write_text("".join(format_row(row) + "\n" for row in result.rows), encoding="utf-8")
    logger.info("wrote %s", target)
