"""Reading a topic outside any query: checking it exists, sampling its schema (DESCRIBE, and the
columns a query may name) and tailing it (PRINT).

Sampling and tailing read with a consumer in a throwaway group that never commits, so they leave
no trace in the offsets of any query's group. Both poll with short timeouts and check their stop
condition between polls, so a cancel is seen within a fraction of a second.
"""

from __future__ import annotations

import difflib
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa

from vsql.engine.columns import KEY, OFFSET, PARTITION, TIMESTAMP
from vsql.io.errors import InputError
from vsql.io.formats.decoded import SYSTEM_FIELDS
from vsql.io.formats.decoder import Format, message_decoder
from vsql.io.kafka.brokers import Broker
from vsql.io.kafka.consumer import TopicConsumer

__all__ = [
    "DEFAULT_SAMPLE_SIZE",
    "FieldInfo",
    "describe_topic",
    "require_topic",
    "sample_topic_schema",
    "tail_topic",
]

logger = logging.getLogger(__name__)

DEFAULT_SAMPLE_SIZE = 500
_POLL_S = 0.2
_SAMPLE_WAIT_S = 3.0
_PRINT_ORDER = (TIMESTAMP, PARTITION, OFFSET, KEY)


@dataclass(frozen=True)
class FieldInfo:
    """A value field of a topic, inferred by sampling messages.

    Attributes:
        name: the field name.
        type: its Arrow type, as text (``int64``, ``string``, ...).
        null_fraction: the share of sampled messages where it is null or missing, 0.0 to 1.0.
        example: one sampled value, as text; None when every sample was null.
    """

    name: str
    type: str
    null_fraction: float
    example: str | None


def require_topic(broker: Broker, topic: str) -> None:
    """Check that ``topic`` exists on the broker.

    Raises:
        InputError: it does not; the message suggests the closest existing name.
    """
    names = sorted(broker.topics())
    if topic in names:
        return
    close = difflib.get_close_matches(topic, names, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    known = ", ".join(names) or "none"
    raise InputError(f"topic '{topic}' does not exist{hint} (topics: {known})")


def describe_topic(
    broker: Broker,
    topic: str,
    *,
    sample_size: int = DEFAULT_SAMPLE_SIZE,
    wait_s: float = _SAMPLE_WAIT_S,
) -> list[FieldInfo]:
    """The value fields of ``topic``, inferred from up to ``sample_size`` messages from its start.

    Reading stops at the sample size, when every partition is read to its end, or after ``wait_s``.
    Fields come in the order the decoder met them; an empty topic has no fields.

    Raises:
        InputError: the topic does not exist.
        BrokerError: the broker failed.
    """
    sample = _sample(broker, topic, sample_size=sample_size, wait_s=wait_s)
    if sample is None:
        return []
    return [_field_info(sample, name) for name in sample.column_names if name not in SYSTEM_FIELDS]


def sample_topic_schema(
    broker: Broker, topic: str, *, sample_size: int = DEFAULT_SAMPLE_SIZE, wait_s: float = _SAMPLE_WAIT_S
) -> pa.Schema | None:
    """The value fields of ``topic``'s first messages (see ``describe_topic``): the names a query over
    it may use. None for an empty topic, whose fields nobody can know yet.

    Raises:
        InputError: the topic does not exist.
        BrokerError: the broker failed.
    """
    sample = _sample(broker, topic, sample_size=sample_size, wait_s=wait_s)
    if sample is None:
        return None
    return pa.schema([field for field in sample.schema if field.name not in SYSTEM_FIELDS])


def tail_topic(
    broker: Broker,
    topic: str,
    *,
    from_beginning: bool,
    limit: int | None,
    on_rows: Callable[[pa.Table], None],
    cancel: threading.Event,
) -> None:
    """Hand ``on_rows`` the topic's messages as they arrive: timestamp, partition, offset, key, fields.

    Starts at the earliest retained message when ``from_beginning``, else at the end; returns after
    ``limit`` messages or once ``cancel`` is set.

    Raises:
        InputError: the topic does not exist.
        BrokerError: the broker failed.
    """
    require_topic(broker, topic)
    shown = 0
    with _throwaway_consumer(broker, topic, start="earliest" if from_beginning else "latest") as consumer:
        while not cancel.is_set() and (limit is None or shown < limit):
            decoded = consumer.poll(_POLL_S)
            if decoded is None or decoded.batch.num_rows == 0:
                continue
            rows = _print_order(pa.Table.from_batches([decoded.batch]))
            if limit is not None:
                rows = rows.slice(0, limit - shown)
            shown += rows.num_rows
            on_rows(rows)


def _sample(broker: Broker, topic: str, *, sample_size: int, wait_s: float) -> pa.Table | None:
    """Up to ``sample_size`` decoded messages from the topic's start; None when it has none.

    Raises:
        InputError: the topic does not exist.
    """
    require_topic(broker, topic)
    tables: list[pa.Table] = []
    rows = 0
    deadline = time.monotonic() + wait_s
    with _throwaway_consumer(broker, topic, start="earliest", batch_size=sample_size) as consumer:
        while rows < sample_size and time.monotonic() < deadline:
            decoded = consumer.poll(_POLL_S)
            if decoded is not None and decoded.batch.num_rows:
                tables.append(pa.Table.from_batches([decoded.batch]))
                rows += decoded.batch.num_rows
            if consumer.caught_up:
                break
    if not tables:
        return None
    return pa.concat_tables(tables, promote_options="permissive").slice(0, sample_size)


def _throwaway_consumer(broker: Broker, topic: str, *, start: str, batch_size: int = 10_000) -> TopicConsumer:
    return TopicConsumer(
        broker.consumer_config,
        topic,
        group_id=f"vsql-shell-{uuid.uuid4().hex[:12]}",
        decoder=message_decoder(Format.JSON),
        auto_offset_reset=start,
        batch_size=batch_size,
    )


def _field_info(sample: pa.Table, name: str) -> FieldInfo:
    column = sample.column(name)
    valid = column.drop_null()
    example = str(valid[0].as_py()) if len(valid) else None
    return FieldInfo(
        name=name,
        type=str(column.type),
        null_fraction=round(column.null_count / sample.num_rows, 4),
        example=example,
    )


def _print_order(rows: pa.Table) -> pa.Table:
    first = [name for name in _PRINT_ORDER if name in rows.column_names]
    rest = [name for name in rows.column_names if name not in first]
    return rows.select(first + rest)
