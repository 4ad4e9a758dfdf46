"""``vsql bench peers``: its arguments, the run, and its table and JSON outputs.

Exit codes: 0 when every available peer computed vsql's windows (missing peers are skipped and
say why), 1 when a peer's windows differed from vsql's (its ratio would compare different work).
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console
from rich.table import Table

from vsql.bench.peers.base import Setup
from vsql.bench.peers.engine import VsqlEngine
from vsql.bench.peers.runner import PEER_WORKLOADS, PeerResult, PeerStatus, run_peers_side_by_side

__all__ = ["add_peers_arguments", "run_peers", "write_peers_json", "write_peers_table"]

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_DIFFERS = 1


def add_peers_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``vsql bench peers``' options to ``parser``: ``--records``, ``--repeat``,
    ``--workloads`` and ``--json``."""
    parser.add_argument(
        "--records", type=_positive, default=1_000_000, help="records per timed run (default 1000000)"
    )
    parser.add_argument("--repeat", type=_positive, default=3, help="timed runs per engine (default 3)")
    parser.add_argument(
        "--workloads",
        type=_workloads,
        default=list(PEER_WORKLOADS),
        metavar="NAME[,NAME]",
        help=f"comma-separated workloads (default {','.join(PEER_WORKLOADS)})",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results as JSON")


def run_peers(args: argparse.Namespace, stream: TextIO, errors: TextIO | None = None) -> int:
    """Run the peers as ``args`` says, write the table to ``stream`` (and JSON to ``args.json``).

    Fits ``vsql bench``'s handler signature ``(args, stream, errors)``.

    Args:
        args: parsed by a parser ``add_peers_arguments`` set up.
        stream: receives the table.
        errors: receives one progress line per step (``peers: ...``); None sends them to this
            package's logger instead.

    Returns:
        ``EXIT_OK``, or ``EXIT_DIFFERS`` when a peer's windows differed from vsql's.
    """
    results = run_peers_side_by_side(
        args.workloads, records=args.records, repeat=args.repeat, progress=_progress(errors)
    )
    write_peers_table(results, stream)
    if args.json is not None:
        with args.json.open("w", encoding="utf-8") as out:
            write_peers_json(results, out)
    return EXIT_DIFFERS if any(result.status is PeerStatus.DIFFERS for result in results) else EXIT_OK


def write_peers_table(results: list[PeerResult], stream: TextIO) -> None:
    """A table of the measured peers (records/s, vsql's in the same setup, vsql/peer), then how
    vsql ran in each setup, then every peer not measured with its reason."""
    table = Table(title="vsql and its peers, same data, same run", title_justify="left")
    for header in ("peer", "setup", "workload"):
        table.add_column(header)
    for header in ("records/s", "vsql records/s", "vsql/peer"):
        table.add_column(header, justify="right")
    measured = [result for result in results if result.status is PeerStatus.MEASURED]
    for result in measured:
        table.add_row(
            result.peer,
            f"{result.setup.value}: {result.detail}",
            result.workload,
            f"{result.records_per_s:,.0f}",
            f"{result.vsql_records_per_s:,.0f}",
            f"{result.ratio:.2f}x",
        )
    console = Console(file=stream, width=None if stream.isatty() else 160, highlight=False)
    console.print(table)
    records = results[0].records if results else 0
    console.print(f"{records:,} records per run; medians of the timed runs; check on a small input first")
    for setup in sorted({result.setup for result in measured}, key=list(Setup).index):
        console.print(f"vsql {setup.value}: {VsqlEngine(setup).detail}")
    seen: set[tuple[str, str | None]] = set()
    for result in results:
        if result.status is not PeerStatus.MEASURED and (result.peer, result.reason) not in seen:
            seen.add((result.peer, result.reason))
            label = "skipped" if result.status is PeerStatus.UNAVAILABLE else f"differs on {result.workload}"
            console.print(f"{label}: {result.peer}: {result.reason}", markup=False)


def write_peers_json(results: list[PeerResult], out: TextIO) -> None:
    """The results as one JSON document: a list of objects, ``ratio`` included."""
    json.dump([_document(result) for result in results], out, indent=2)
    out.write("\n")


def _document(result: PeerResult) -> dict[str, Any]:
    return {
        **asdict(result),
        "setup": result.setup.value,
        "status": result.status.value,
        "ratio": result.ratio,
    }


def _progress(errors: TextIO | None) -> Callable[[str], None]:
    if errors is None:
        return logger.info
    return lambda line: errors.write(f"peers: {line}\n")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or more, got {value}")
    return value


def _workloads(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in PEER_WORKLOADS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown peer workload {', '.join(unknown) or repr(text)}; known: {', '.join(PEER_WORKLOADS)}"
        )
    return names
