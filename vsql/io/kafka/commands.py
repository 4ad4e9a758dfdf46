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
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from vsql.datagen import KINDS, EventSpec
from vsql.io.errors import InputError
from vsql.io.kafka.brokers import Broker, EmbeddedBroker, ensure_topic, open_broker
from vsql.io.kafka.config import load_properties, parse_overrides
from vsql.io.kafka.datagen import produce_events
from vsql.io.kafka.options import add_broker_arguments, add_datagen_arguments
from vsql.io.kafka.producer import JsonProducer

__all__ = [
    "add_broker_options",
    "add_datagen_options",
    "broker_command",
    "broker_from_args",
    "datagen_command",
    "run_broker",
    "run_datagen",
]

logger = logging.getLogger(__name__)

_EXIT_USAGE = 2


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


def add_broker_options(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``vsql broker``."""
    add_broker_arguments(parser)


def add_datagen_options(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``vsql datagen``, offering the generators ``vsql.datagen`` has."""
    add_datagen_arguments(parser, kinds=KINDS)


def broker_command(args: argparse.Namespace, stream: TextIO) -> int:
    """``vsql broker``: serve until Ctrl-C; exit code 2 for bad options."""
    try:
        return run_broker(partitions=args.partitions, topics=args.topics, stream=stream)
    except InputError as error:
        sys.stderr.write(f"error: {error}\n")
        return _EXIT_USAGE


def datagen_command(args: argparse.Namespace, stream: TextIO) -> int:
    """``vsql datagen``: produce, then serve an embedded broker until Ctrl-C; exit code 2 for bad
    options or generator settings."""
    try:
        return run_datagen(args, stream=stream)
    except (InputError, ValueError) as error:
        sys.stderr.write(f"error: {error}\n")
        return _EXIT_USAGE


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
