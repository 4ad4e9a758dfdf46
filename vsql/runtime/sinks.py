"""Where results go: a callback (renderers), a Kafka topic, an NDJSON/CSV file; and dead letters.

Sinks receive each ``StepOutput`` in emission order. ``flush`` makes everything written so far
durable; the run loop flushes before it commits input offsets, so a committed input offset never
runs ahead of the results it produced (at-least-once).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol, TextIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vsql.engine.columns import KEY, OFFSET, OP, PARTITION, REASON, SYSTEM_COLUMNS, TIMESTAMP, WINDOW_END
from vsql.engine.errors import PlanError
from vsql.engine.pipeline import StepOutput
from vsql.engine.settings import QuerySettings
from vsql.engine.sql.plan import SinkSpec
from vsql.io.errors import InputError
from vsql.io.formats.decoded import RAW
from vsql.io.formats.writers import CsvWriter, JsonLinesWriter
from vsql.io.kafka.brokers import Broker, ensure_topic
from vsql.io.kafka.encode import json_values
from vsql.io.kafka.producer import JsonProducer

__all__ = [
    "FILE_FORMATS",
    "KEY_SEPARATOR",
    "REASON_HEADER",
    "CallbackSink",
    "DeadLetterSink",
    "FileSink",
    "KafkaSink",
    "ResultSink",
    "StreamSink",
    "message_keys",
    "open_sink",
]

KEY_SEPARATOR = "|"
"""Joins the values of a compound message key (several PRIMARY KEY or GROUP BY columns)."""

REASON_HEADER = "reason"
"""The header of a dead-letter message that says why the record was rejected."""

_FILE_WRITERS: dict[str, type[JsonLinesWriter | CsvWriter]] = {"json": JsonLinesWriter, "csv": CsvWriter}
FILE_FORMATS = tuple(_FILE_WRITERS)


class ResultSink(Protocol):
    """Receives a query's results."""

    def write(self, output: StepOutput) -> None:
        """Take the rows of one engine step (possibly none)."""

    def flush(self) -> None:
        """Make every row written so far durable."""

    def close(self) -> None:
        """Flush and release."""


class CallbackSink:
    """Hands non-empty result tables to a callback (a renderer, a test)."""

    def __init__(self, on_rows: Callable[[pa.Table], None]) -> None:
        self._on_rows = on_rows

    def write(self, output: StepOutput) -> None:
        if output.rows.num_rows:
            self._on_rows(output.rows)

    def flush(self) -> None:
        """Callbacks are synchronous."""

    def close(self) -> None:
        """Nothing to release."""


class StreamSink:
    """Writes results to a text stream as NDJSON (``json``) or CSV; ``flush`` (before each commit)
    and ``close`` flush it, and the stream stays open (standard output, say).

    Raises:
        PlanError: the format is neither ``json`` nor ``csv``.
    """

    def __init__(self, stream: TextIO, *, file_format: str = "json") -> None:
        self._stream = stream
        self._writer = _FILE_WRITERS[_checked_format(file_format)](stream)

    def write(self, output: StepOutput) -> None:
        if output.rows.num_rows:
            self._writer.write(output.rows)

    def flush(self) -> None:
        self._stream.flush()

    def close(self) -> None:
        self._writer.close()


class FileSink(StreamSink):
    """Appends results to an NDJSON (``json``) or CSV file, closed with the sink.

    Raises:
        PlanError: the format is neither ``json`` nor ``csv``.
    """

    def __init__(self, path: Path, *, file_format: str = "json") -> None:
        _checked_format(file_format)  # before the file is created
        path.parent.mkdir(parents=True, exist_ok=True)
        super().__init__(path.open("a", encoding="utf-8"), file_format=file_format)

    def close(self) -> None:
        super().close()
        self._stream.close()


def _checked_format(file_format: str) -> str:
    if file_format not in FILE_FORMATS:
        raise PlanError(f"unknown file sink format {file_format!r}; formats are {', '.join(FILE_FORMATS)}")
    return file_format


def open_sink(spec: SinkSpec, settings: QuerySettings, *, broker: Broker | None) -> ResultSink:
    """The sink ``CREATE STREAM|TABLE name AS SELECT ... WITH (...)`` asks for.

    ``'<name>.type'`` is ``kafka_sink`` (the default: topic ``'<name>.topic'``, else ``name``,
    created with one partition when missing, see ``ensure_topic``; JSON values) or
    ``file_sink`` (``'<name>.path'``, ``'<name>.format'`` ``json`` or ``csv``).

    Raises:
        PlanError: an unknown type or format, or a file sink without a path.
        InputError: a Kafka sink without a broker. BrokerError: the topic cannot be created.
    """
    name = spec.name
    kind = (settings.source_property(name, "type") or "kafka_sink").lower()
    file_format = (settings.source_property(name, "format") or "json").lower()
    if kind == "file_sink":
        path = settings.source_property(name, "path")
        if path is None:
            raise PlanError(f"file sink '{name}' needs a path: WITH ('{name}.path' = 'out.ndjson')")
        return FileSink(Path(path), file_format=file_format)
    if kind != "kafka_sink":
        raise PlanError(f"unknown sink type {kind!r} for '{name}'; expected kafka_sink or file_sink")
    if file_format != "json":
        raise PlanError(f"unknown Kafka sink format {file_format!r} for '{name}'; Kafka sinks write json")
    topic = settings.topic_of(name)
    if broker is None:
        raise InputError(f"sink '{name}' writes to Kafka topic '{topic}', but no broker is connected")
    ensure_topic(broker, topic)
    return KafkaSink(JsonProducer(broker.client_config), topic, primary_key=spec.primary_key)


def message_keys(output: StepOutput, primary_key: tuple[str, ...]) -> list[str | None]:
    """The message key of every result row: the PRIMARY KEY columns, else the GROUP BY keys, else
    the input record's key; compound keys joined with ``|``."""
    if primary_key:
        columns = [output.rows.column(name) for name in primary_key]
    else:
        columns = [
            output.context.column(name) for name in output.context.column_names if name.startswith("__key")
        ]
        if not columns and KEY in output.context.column_names:
            columns = [output.context.column(KEY)]
    if not columns:
        return [None] * output.rows.num_rows
    return joined_keys(columns)


def joined_keys(columns: Sequence[pa.Array | pa.ChunkedArray]) -> list[str]:
    """Per row, the key columns as text (NULL as empty) joined with ``KEY_SEPARATOR``."""
    texts = [pc.fill_null(column.cast(pa.string()), "") for column in columns]
    joined = texts[0] if len(texts) == 1 else pc.binary_join_element_wise(*texts, KEY_SEPARATOR)
    return joined.to_pylist()


def _timestamps(output: StepOutput) -> list[int]:
    """The window end of windowed results, else the input record's timestamp, else 0 (the produce
    time)."""
    for name in (WINDOW_END, TIMESTAMP):
        found = _ints(output.context, name)
        if found is not None:
            return found
    return [0] * output.rows.num_rows


class KafkaSink:
    """Writes results to a topic as JSON: key per ``message_keys``, timestamp the window end (or the
    input record's), and a tombstone (null value) for every ``_op = 'delete'`` row."""

    def __init__(self, producer: JsonProducer, topic: str, *, primary_key: tuple[str, ...] = ()) -> None:
        self._producer = producer
        self._topic = topic
        self._primary_key = primary_key

    def write(self, output: StepOutput) -> None:
        rows = output.rows
        if not rows.num_rows:
            return
        deletes = np.zeros(rows.num_rows, dtype=bool)
        if OP in rows.column_names:
            deletes = np.asarray(rows.column(OP).is_valid(), dtype=bool)
            rows = rows.drop([OP])
        values: list[bytes | None] = list(json_values(rows.combine_chunks().to_batches()[0]))
        for row in np.flatnonzero(deletes):
            values[row] = None
        self._producer.produce_values(
            self._topic, values, keys=message_keys(output, self._primary_key), timestamps=_timestamps(output)
        )

    def flush(self) -> None:
        self._producer.flush()

    def close(self) -> None:
        self._producer.flush()


class DeadLetterSink:
    """Writes dead letters to a topic: the raw value when the decoder rejected the record, else the
    row's value fields as JSON; the input record's key and timestamp; the reason in the ``reason``
    header, the input position in ``source.partition`` and ``source.offset``."""

    def __init__(self, producer: JsonProducer, topic: str) -> None:
        self._producer = producer
        self._topic = topic

    def write(self, dead_letters: pa.Table) -> None:
        """Queue one message per dead letter (a ``_reason`` column plus the record)."""
        if not dead_letters.num_rows:
            return
        names = dead_letters.column_names
        if RAW in names:
            values = [None if raw is None else raw.encode() for raw in dead_letters.column(RAW).to_pylist()]
        else:
            rows = dead_letters.drop([name for name in names if name in (REASON, *SYSTEM_COLUMNS)])
            values = list(json_values(rows.combine_chunks().to_batches()[0]))
        self._producer.produce_values(
            self._topic,
            values,
            keys=dead_letters.column(KEY).to_pylist() if KEY in names else None,
            timestamps=_ints(dead_letters, TIMESTAMP),
            headers=_headers(dead_letters),
        )

    def flush(self) -> None:
        self._producer.flush()


def _ints(table: pa.Table, name: str) -> list[int] | None:
    if name not in table.column_names:
        return None
    return np.asarray(pc.fill_null(table.column(name), 0), dtype=np.int64).tolist()


def _headers(dead_letters: pa.Table) -> list[list[tuple[str, bytes]]]:
    reasons = dead_letters.column(REASON).to_pylist()
    partitions = _ints(dead_letters, PARTITION)
    offsets = _ints(dead_letters, OFFSET)
    headers = [[(REASON_HEADER, (reason or "").encode())] for reason in reasons]
    if partitions is not None and offsets is not None:
        for header, partition, offset in zip(headers, partitions, offsets, strict=True):
            header += [("source.partition", str(partition).encode()), ("source.offset", str(offset).encode())]
    return headers
