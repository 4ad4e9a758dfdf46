"""``vsql tui``: open the dashboard on the broker the connection options name (embedded by default)."""

from __future__ import annotations

import argparse

from vsql.io.kafka.brokers import Broker, EmbeddedBroker
from vsql.io.kafka.commands import broker_from_args
from vsql.tui.app import VsqlApp
from vsql.tui.workbench import BrokerOpener, Workbench

__all__ = ["broker_opener", "run_tui"]


def broker_opener(args: argparse.Namespace) -> BrokerOpener:
    """Opens the broker a switch asks for: a new embedded broker for None, else the Kafka cluster
    at that address with the command line's other connection options (``--kafka-config``, ``-X``)."""

    def open_broker(bootstrap: str | None) -> Broker:
        if bootstrap is None:
            return EmbeddedBroker(timeout_s=args.connect_timeout)
        options = {**vars(args), "bootstrap": bootstrap, "testcontainers": False}
        return broker_from_args(argparse.Namespace(**options))

    return open_broker


def run_tui(args: argparse.Namespace) -> int:
    """Run the dashboard until the user quits; returns the exit code 0.

    Args:
        args: the parsed command line: connection options (``add_connection_arguments``: the
            embedded broker unless ``--bootstrap``, ``VSQL_BOOTSTRAP`` or ``--testcontainers``)
            and ``no_demo`` (no demo trades on the embedded broker).
    """
    opener = broker_opener(args)
    app = VsqlApp(lambda: Workbench(broker_from_args(args), open_broker=opener, demo=not args.no_demo))
    app.run()
    return 0
