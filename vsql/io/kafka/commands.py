"""The ``vsql broker`` and ``vsql datagen`` commands, and the broker options every command shares.

``vsql broker`` runs an embedded broker until Ctrl-C or SIGTERM and prints ``bootstrap=host:port``
on its first line of output; ``vsql datagen --bootstrap host:port`` produces to it (or to any
broker) from another terminal. Without a broker option, ``vsql datagen`` starts its own embedded
broker, produces, prints the bootstrap line and keeps serving until interrupted (the data lives
only as long as that process).
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from vsql.datagen import KINDS, EventSpec
from vsql.io.kafka.admin import DEFAULT_TIMEOUT_S
from vsql.io.kafka.brokers import Broker, EmbeddedBroker, ensure_topic, open_broker
from vsql.io.kafka.config import load_properties, parse_overrides
from vsql.io.kafka.datagen import produce_events
from vsql.io.kafka.producer import JsonProducer

__all__ = [
    "add_broker_arguments",
    "add_connection_arguments",
    "add_datagen_arguments",
    "broker_from_args",
    "run_broker",
    "run_datagen",
]

logger = logging.getLogger(__name__)


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


def broker_from_args(args: argparse.Namespace) -> Broker:
    """The broker the connection options ask for (see ``open_broker``).

    Raises:
        InputError: the properties file is unreadable or a ``-X`` pair malformed.
        BrokerError: the broker cannot be started or reached.
    """
    extra = load_properties(args.kafka_config) if args.kafka_config is not None else {}
    extra.update(parse_overrides(args.kafka_properties))
    return open_broker(
        bootstrap=args.bootstrap,
        extra_config=extra,
        testcontainers=args.testcontainers,
        timeout_s=args.connect_timeout,
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


def add_datagen_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``vsql datagen`` (connection options included)."""
    parser.add_argument("kind", choices=KINDS, help="what to generate")
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


def run_broker(
    *, partitions: int, topics: list[str], stream: TextIO, stop: threading.Event | None = None
) -> int:
    """Run an embedded broker until SIGINT/SIGTERM (or ``stop``); returns the exit code 0.

    Prints ``bootstrap=host:port`` first, then one ``topic=NAME partitions=N`` line per topic.

    Raises:
        BrokerError: the broker cannot start or a topic cannot be created.
    """
    with EmbeddedBroker() as broker:
        for topic in topics:
            broker.create_topic(topic, partitions, exist_ok=True)
        stream.write(f"bootstrap={broker.bootstrap}\n")
        for topic in topics:
            stream.write(f"topic={topic} partitions={partitions}\n")
        stream.flush()
        _wait_for_stop(stop)
    return 0


def run_datagen(args: argparse.Namespace, *, stream: TextIO, stop: threading.Event | None = None) -> int:
    """Produce generated events as ``vsql datagen`` does; returns the exit code 0.

    Prints ``produced=N topic=T``; with an embedded broker of its own, prints ``bootstrap=...``
    first and serves until SIGINT/SIGTERM (or ``stop``) after producing.

    Raises:
        InputError, BrokerError: bad connection options, an unreachable broker, failed delivery.
        ValueError: invalid generator settings.
    """
    spec = EventSpec(
        kind=args.kind,
        count=args.count,
        keys=args.keys,
        out_of_order=args.out_of_order,
        seed=args.seed,
        start_ms=args.start_ms if args.start_ms is not None else int(time.time() * 1000),
    )
    with _closing(broker_from_args(args)) as broker:
        embedded = isinstance(broker, EmbeddedBroker)
        if embedded:
            stream.write(f"bootstrap={broker.bootstrap}\n")
            stream.flush()
        ensure_topic(broker, args.topic, partitions=args.partitions)
        producer = JsonProducer(broker.client_config)
        produced = produce_events(producer, args.topic, spec, rate_per_s=args.rate)
        stream.write(f"produced={produced} topic={args.topic}\n")
        stream.flush()
        if embedded:
            _wait_for_stop(stop)
    return 0


@contextmanager
def _closing(broker: Broker) -> Iterator[Broker]:
    try:
        yield broker
    finally:
        broker.close()


def _wait_for_stop(stop: threading.Event | None) -> None:
    """Block until SIGINT/SIGTERM, or until ``stop`` is set when given (tests)."""
    if stop is not None:
        stop.wait()
        return
    done = threading.Event()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        signal.signal(sig, lambda *_: done.set())
    try:
        while not done.wait(0.5):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
