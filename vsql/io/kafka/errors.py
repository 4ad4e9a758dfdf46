"""Errors of the Kafka layer: a broker that cannot be reached or used, a topic that is missing.

Both are ``InputError``s (and so ``VsqlError``s): like an unreadable file, they stop a query before
or while it reads its input, and the CLI reports them as input errors (exit code 2).
"""

from __future__ import annotations

import logging

from vsql.io.errors import InputError

__all__ = ["BrokerError", "RebalancingError", "TopicNotFoundError", "log_level"]


class BrokerError(InputError):
    """A broker cannot be started, reached, or asked to do something (create a topic, commit)."""


class RebalancingError(BrokerError):
    """A commit the group refused while it rebalances (a member joined or left). Expected, not a
    fault: the partition's next owner resumes from the previous commit (at-least-once)."""


def log_level(error: BrokerError) -> int:
    """How loudly to log a broker error that is not fatal: INFO for a rebalance's refusal (expected),
    WARNING for any other."""
    return logging.INFO if isinstance(error, RebalancingError) else logging.WARNING


class TopicNotFoundError(InputError):
    """A topic a query reads does not exist on the broker.

    Args:
        topic: the missing topic's name.
        bootstrap: the broker's bootstrap address, for the message.
    """

    def __init__(self, topic: str, *, bootstrap: str) -> None:
        super().__init__(f"topic '{topic}' does not exist on the broker at {bootstrap}")
        self.topic = topic
        self.bootstrap = bootstrap
