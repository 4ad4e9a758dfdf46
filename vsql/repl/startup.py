"""Opening the interactive shell: configuration, broker, session, demo data, then the prompt.

``vsql`` with no statement to run lands here. The broker comes from the configuration (flags over
``VSQL_*`` variables over the config file): vsql's embedded broker by default, where a demo
generator fills the topic ``trades`` so a new user has live data at the first prompt. On a broker
vsql does not own, nothing is produced unless the user asks (``DATAGEN``).
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import TextIO

from vsql import __version__
from vsql.display.errors import format_error
from vsql.io.errors import InputError
from vsql.io.kafka.brokers import Broker, EmbeddedBroker
from vsql.io.kafka.commands import broker_from_args
from vsql.repl.config import Config, ConfigError, load_config
from vsql.repl.shell import run_shell
from vsql.runtime import DEMO_RATE, DEMO_TOPIC, Runtime

__all__ = ["open_shell"]

logger = logging.getLogger(__name__)

_EXIT_USAGE = 2


def open_shell(
    args: argparse.Namespace, *, stream: TextIO | None = None, errors: TextIO | None = None
) -> int:
    """Run the shell as the command line asks; returns the exit code.

    Args:
        args: the parsed command line (connection options, ``--tier``, ``--format``, ``--no-demo``).
        stream: where the greeting goes (stdout when None).
        errors: where startup errors go (stderr when None).

    Returns:
        The shell's exit code, or 2 when the configuration is invalid or the broker cannot be used.
    """
    stream = stream or sys.stdout
    errors = errors or sys.stderr
    try:
        config = load_config(flags={"broker": args.bootstrap, "tier": args.tier, "format": args.format})
        broker = _open_broker(args, config)
    except (ConfigError, InputError) as error:
        errors.write(format_error(error) + "\n")
        return _EXIT_USAGE
    runtime = Runtime(broker=broker, properties={"consumer.tier": config.tier.value})
    try:
        stream.write(f"vsql {__version__} on the {runtime.broker_label}\n")
        if not args.no_demo and isinstance(broker, EmbeddedBroker):
            query_id = runtime.start_demo()
            stream.write(
                f"demo data: {DEMO_RATE:,} trades/s into topic '{DEMO_TOPIC}' "
                f"(TERMINATE {query_id} stops it)\n"
            )
        stream.write("Try SHOW TOPICS; DESCRIBE trades; or HELP. Ctrl-C stops a query, Ctrl-D exits.\n")
        stream.flush()
        return run_shell(runtime, config)
    except InputError as error:
        errors.write(format_error(error) + "\n")
        return _EXIT_USAGE
    finally:
        runtime.close()
        broker.close()


def _open_broker(args: argparse.Namespace, config: Config) -> Broker:
    """The configured broker: embedded unless an address (or ``--testcontainers``) is given.

    Raises:
        InputError: bad connection options. BrokerError: the broker cannot be started or reached.
    """
    if config.is_embedded_broker and not args.testcontainers:
        return EmbeddedBroker(timeout_s=args.connect_timeout)
    return broker_from_args(argparse.Namespace(**{**vars(args), "bootstrap": config.broker}))
