"""A query's input: the file bound to its source name, else the topic of that name, and the fields
it holds (the names a query may use, checked before the query runs)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path

import pyarrow as pa

from vsql.engine.sql.plan import LogicalPlan
from vsql.io.files import read_file
from vsql.io.formats.decoded import SYSTEM_FIELDS
from vsql.io.kafka.brokers import Broker
from vsql.runtime.topics import sample_topic_schema

__all__ = ["SCHEMA_TTL_S", "SourceSchemas", "bind_input", "sample_schema"]

SCHEMA_TTL_S = 30.0
"""How long a topic's sampled schema is trusted before the next query samples it again."""


def bind_input(plan: LogicalPlan, inputs: Mapping[str, Path]) -> Path | None:
    """The file bound to the plan's source (names compare case-insensitively), or None."""
    bound = {name.lower(): path for name, path in inputs.items()}
    return bound.get(plan.source.name.lower())


def sample_schema(path: Path) -> pa.Schema | None:
    """The value fields of the input's first block: names a query may use. None for an empty input.

    A field that first appears after the first block is unknown to the sample; the planner then
    rejects a query naming it, which in practice catches typos before a query runs.
    """
    for decoded in read_file(path):
        fields = [field for field in decoded.batch.schema if field.name not in SYSTEM_FIELDS]
        return pa.schema(fields)
    return None


class SourceSchemas:
    """The fields of a plan's source: its bound file's, or a sample of its topic's, kept for
    ``ttl_s`` (an empty topic is sampled again next time).

    Args:
        inputs: source name -> bound file.
        broker: the session's broker, None when there is none (opened on first call).
        ttl_s: how long a topic's sample is trusted.
        clock: monotonic seconds.
    """

    def __init__(
        self,
        inputs: Mapping[str, Path],
        broker: Callable[[], Broker | None],
        *,
        ttl_s: float = SCHEMA_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._inputs = inputs
        self._broker = broker
        self._ttl_s = ttl_s
        self._clock = clock
        self._sampled: dict[str, tuple[float, pa.Schema]] = {}

    def of(self, plan: LogicalPlan) -> pa.Schema | None:
        """The fields of ``plan``'s source; None when nothing is known about them."""
        path = bind_input(plan, self._inputs)
        if path is not None:
            return sample_schema(path)
        broker = self._broker()
        if broker is None:
            return None
        topic = plan.settings.topic_of(plan.source.name)
        cached = self._sampled.get(topic)
        if cached is not None and self._clock() - cached[0] < self._ttl_s:
            return cached[1]
        schema = sample_topic_schema(broker, topic)
        if schema is not None:
            self._sampled[topic] = (self._clock(), schema)
        return schema
