"""Command-line options of the Kafka layer: connection, ``vsql broker`` and ``vsql datagen``.

Defining options imports no Kafka client, so ``vsql --help`` and a script over files start fast.
"""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "add_broker_arguments",
    "add_connection_arguments",
    "add_datagen_arguments",
]

DEFAULT_TIMEOUT_S = 10.0
"""Seconds to wait for the broker: connecting, metadata, commits."""


def add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--bootstrap``, ``--kafka-config``, ``-X`` and ``--testcontainers`` to a parser."""
    parser.add_argument(
        "--bootstrap",
        metavar="HOST:PORT",
        help="a running Kafka cluster (default: $VSQL_BOOTSTRAP, else embedded)",
    )
    parser.add_argument(
        "--kafka-config", type=Path, metavar="FILE", help="librdkafka properties file (SASL, SSL, ...)"
    )
    parser.add_argument(
        "-X",
        dest="kafka_properties",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a librdkafka property; repeatable",
    )
    parser.add_argument("--testcontainers", action="store_true", help="start Apache Kafka in Docker")
    parser.add_argument(
        "--connect-timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        metavar="S",
        help=f"seconds to wait for the broker (default {DEFAULT_TIMEOUT_S:g})",
    )


def add_broker_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``vsql broker``."""
    parser.add_argument("--partitions", type=int, default=1, help="partitions of each --topic (default 1)")
    parser.add_argument(
        "--topic",
        dest="topics",
        action="append",
        default=[],
        metavar="T",
        help="create this topic at start; repeatable",
    )


def add_datagen_arguments(parser: argparse.ArgumentParser, *, kinds: tuple[str, ...]) -> None:
    """Add the options of ``vsql datagen`` (connection options included); ``kinds`` are the
    generators it offers."""
    parser.add_argument("kind", choices=kinds, help="what to generate")
    parser.add_argument("--topic", required=True, help="target topic")
    parser.add_argument("--count", type=int, default=100_000, help="events to produce (default 100000)")
    parser.add_argument(
        "--rate", type=float, metavar="R", help="events per second (default: as fast as possible)"
    )
    parser.add_argument("--keys", type=int, default=100, help="distinct keys (default 100)")
    parser.add_argument(
        "--out-of-order",
        type=float,
        default=0.0,
        metavar="F",
        help="fraction of events displaced back in time (default 0)",
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument(
        "--partitions", type=int, default=4, help="partitions when the topic is created (default 4)"
    )
    parser.add_argument(
        "--start-ms", type=int, metavar="MS", help="event time of the first event, epoch ms (default: now)"
    )
    add_connection_arguments(parser)
