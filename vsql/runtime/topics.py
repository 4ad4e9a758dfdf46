"""Reading a topic outside any query: checking it exists, sampling its schema (DESCRIBE, and the
columns a query may name) and tailing it (PRINT).

Sampling and tailing read with a consumer in a throwaway group that never commits, so they leave
no trace in the offsets of any query's group. Both poll with short timeouts and check their stop
condition between polls, so a cancel is seen within a fraction of a second. Neither hides a
message the decoder rejects: DESCRIBE counts its values (``topic_fields``), PRINT shows it as a
row whose ``_error`` column holds the reason and the raw text.
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

from vsql.engine.columns import KEY, OFFSET, PARTITION, REASON, TIMESTAMP
from vsql.io.errors import InputError
from vsql.io.formats.decoded import RAW, SYSTEM_FIELDS, Decoded
from vsql.io.formats.decoder import Format, message_decoder
from vsql.io.kafka.brokers import Broker
from vsql.io.kafka.consumer import TopicConsumer
from vsql.runtime.topic_fields import FieldInfo, field_infos

__all__ = [
    "DEFAULT_SAMPLE_SIZE",
    "ERROR",
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
_RAW_SHOWN_CHARS = 200

ERROR = "_error"
"""PRINT's last column: why a message could not be decoded and its raw text; null for the others."""


@dataclass(frozen=True)
class _Sample:
    """The first messages of a topic, decoded: the good rows (None when none) and the rejected ones."""

    rows: pa.Table | None
    dead_letters: pa.Table


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
    Fields come in the order the decoder met them, then those only rejected messages hold; an
    empty topic has no fields. See ``topic_fields`` for the type and the shares shown.

    Raises:
        InputError: the topic does not exist.
        BrokerError: the broker failed.
    """
    sample = _sample(broker, topic, sample_size=sample_size, wait_s=wait_s)
    if sample is None:
        return []
    return field_infos(sample.rows, sample.dead_letters)


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
    if sample is None or sample.rows is None:
        return None
    return pa.schema([field for field in sample.rows.schema if field.name not in SYSTEM_FIELDS])


def tail_topic(
    broker: Broker,
    topic: str,
    *,
    from_beginning: bool,
    limit: int | None,
    on_rows: Callable[[pa.Table], None],
    cancel: threading.Event,
) -> None:
    """Hand ``on_rows`` the topic's messages as they arrive: timestamp, partition, offset, key,
    fields and ``_error``.

    A message the decoder rejects is a row with null fields and an ``_error`` holding the reason
    and the raw text (unprintable characters escaped, cut after 200); each batch handed over is
    then in partition and offset order. Starts at the earliest retained message when
    ``from_beginning``, else at the end; returns after ``limit`` messages or once ``cancel`` is set.

    Raises:
        InputError: the topic does not exist.
        BrokerError: the broker failed.
    """
    require_topic(broker, topic)
    shown = 0
    with _throwaway_consumer(broker, topic, start="earliest" if from_beginning else "latest") as consumer:
        while not cancel.is_set() and (limit is None or shown < limit):
            decoded = consumer.poll(_POLL_S)
            if decoded is None:
                continue
            rows = _shown_rows(decoded)
            if rows.num_rows == 0:
                continue
            if limit is not None:
                rows = rows.slice(0, limit - shown)
            shown += rows.num_rows
            on_rows(rows)


def _sample(broker: Broker, topic: str, *, sample_size: int, wait_s: float) -> _Sample | None:
    """Up to about ``sample_size`` decoded messages from the topic's start; None when it has none.

    Raises:
        InputError: the topic does not exist.
    """
    require_topic(broker, topic)
    tables: list[pa.Table] = []
    dead: list[pa.Table] = []
    messages = 0
    deadline = time.monotonic() + wait_s
    with _throwaway_consumer(broker, topic, start="earliest", batch_size=sample_size) as consumer:
        while messages < sample_size and time.monotonic() < deadline:
            decoded = consumer.poll(_POLL_S)
            if decoded is not None:
                if decoded.batch.num_rows:
                    tables.append(pa.Table.from_batches([decoded.batch]))
                dead.append(decoded.dead_letters)
                messages += decoded.batch.num_rows + decoded.dead_letters.num_rows
            if consumer.caught_up:
                break
    if messages == 0:
        return None
    rows = pa.concat_tables(tables, promote_options="permissive").slice(0, sample_size) if tables else None
    return _Sample(rows=rows, dead_letters=pa.concat_tables(dead))


def _throwaway_consumer(broker: Broker, topic: str, *, start: str, batch_size: int = 10_000) -> TopicConsumer:
    return TopicConsumer(
        broker.consumer_config,
        topic,
        group_id=f"vsql-shell-{uuid.uuid4().hex[:12]}",
        decoder=message_decoder(Format.JSON),
        auto_offset_reset=start,
        batch_size=batch_size,
    )


def _shown_rows(decoded: Decoded) -> pa.Table:
    """PRINT's rows of one batch: the decoded messages, and the rejected ones marked in ``_error``."""
    rows = pa.Table.from_batches([decoded.batch])
    rows = rows.append_column(ERROR, pa.nulls(rows.num_rows, pa.string()))
    dead = decoded.dead_letters
    if dead.num_rows:
        raws, reasons = dead.column(RAW).to_pylist(), dead.column(REASON).to_pylist()
        errors = [f"{reason}; raw: {_escaped(raw or '')}" for raw, reason in zip(raws, reasons, strict=True)]
        marked = dead.select([KEY, TIMESTAMP, PARTITION, OFFSET]).append_column(ERROR, pa.array(errors))
        rows = pa.concat_tables([rows, marked], promote_options="default")
        rows = rows.sort_by([(PARTITION, "ascending"), (OFFSET, "ascending")])
    return _print_order(rows)


def _escaped(text: str) -> str:
    """``text`` on one line: unprintable characters (line breaks, controls) as escapes, cut after
    ``_RAW_SHOWN_CHARS``."""
    shown = text[:_RAW_SHOWN_CHARS]
    if not shown.isprintable():
        shown = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in shown)
    return shown + ("..." if len(text) > _RAW_SHOWN_CHARS else "")


def _print_order(rows: pa.Table) -> pa.Table:
    first = [name for name in _PRINT_ORDER if name in rows.column_names]
    rest = [name for name in rows.column_names if name not in first]
    return rows.select(first + rest)
