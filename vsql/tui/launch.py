"""``vsql tui``: open the dashboard on the broker the connection options name (embedded by default)."""

from __future__ import annotations

import argparse

from vsql.io.kafka.brokers import Broker, EmbeddedBroker
from vsql.io.kafka.commands import broker_from_args
from vsql.io.kafka.options import add_connection_arguments
from vsql.runtime import Runtime
from vsql.tui.app import VsqlApp
from vsql.tui.connection import RuntimeOpener

__all__ = ["run_tui", "runtime_opener"]


def runtime_opener(args: argparse.Namespace, *, demo: bool) -> RuntimeOpener:
    """Opens the session a broker switch asks for: on a new embedded broker for None, else on the
    Kafka cluster at that address with the command line's other connection options
    (``--kafka-config``, ``-X``). On an embedded broker the demo generator starts when ``demo``."""

    def open_runtime(bootstrap: str | None) -> Runtime:
        if bootstrap is None:
            return _session(EmbeddedBroker(timeout_s=args.connect_timeout), demo=demo)
        options = {**vars(args), "bootstrap": bootstrap, "testcontainers": False}
        return _session(broker_from_args(argparse.Namespace(**options)), demo=demo)

    return open_runtime


def _session(broker: Broker, *, demo: bool) -> Runtime:
    """A runtime that owns ``broker``, with the demo generator on an embedded one when ``demo``."""
    runtime = Runtime(broker=lambda: broker)
    if demo and isinstance(broker, EmbeddedBroker):
        runtime.start_demo()
    return runtime


def add_tui_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``vsql tui``: the connection options and ``--no-demo``."""
    add_connection_arguments(parser)
    parser.add_argument(
        "--no-demo",
        action="store_true",
        default=argparse.SUPPRESS,
        help="no demo trades on the embedded broker",
    )


def run_tui(args: argparse.Namespace, _stream: object = None) -> int:
    """Run the dashboard until the user quits; returns the exit code 0.

    Args:
        args: the parsed command line: connection options (``add_connection_arguments``: the
            embedded broker unless ``--bootstrap``, ``VSQL_BOOTSTRAP`` or ``--testcontainers``)
            and ``no_demo`` (no demo trades on the embedded broker).
    """
    demo = not args.no_demo
    app = VsqlApp(
        lambda: _session(broker_from_args(args), demo=demo), switch_runtime=runtime_opener(args, demo=demo)
    )
    app.run()
    return 0
