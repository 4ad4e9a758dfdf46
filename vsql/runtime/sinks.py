"""Where results go: a callback (renderers), a Kafka topic, an NDJSON/CSV file; and dead letters.

Sinks receive each ``StepOutput`` in emission order. ``flush`` makes everything written so far
durable; the run loop flushes before it commits input offsets, so a committed input offset never
runs ahead of the results it produced (at-least-once).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TextIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vsql.engine.columns import KEY, OP, REASON, TIMESTAMP, WINDOW_END
from vsql.engine.pipeline import StepOutput
from vsql.io.formats.decoded import RAW
from vsql.io.kafka.encode import json_values
from vsql.io.kafka.producer import JsonProducer
from vsql.repl.render import make_renderer

__all__ = ["CallbackSink", "DeadLetterSink", "FileSink", "KafkaSink", "ResultSink", "message_keys"]

KEY_SEPARATOR = "|"
"""Joins the values of a compound message key (several PRIMARY KEY or GROUP BY columns)."""


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


class FileSink:
    """Appends results to an NDJSON (``json``) or CSV file."""

    def __init__(self, path: Path, *, file_format: str = "json") -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._stream: TextIO = path.open("a", encoding="utf-8")
        self._renderer = make_renderer(file_format, self._stream)

    def write(self, output: StepOutput) -> None:
        if output.rows.num_rows:
            self._renderer.write(output.rows)

    def flush(self) -> None:
        self._stream.flush()

    def close(self) -> None:
        self._renderer.close()
        self._stream.close()


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
    texts = [pc.fill_null(column.cast(pa.string()), "") for column in columns]
    joined = texts[0] if len(texts) == 1 else pc.binary_join_element_wise(*texts, KEY_SEPARATOR)
    return joined.to_pylist()


def _timestamps(output: StepOutput) -> list[int]:
    for name in (WINDOW_END, TIMESTAMP):
        if name in output.context.column_names:
            return np.asarray(pc.fill_null(output.context.column(name), 0), dtype=np.int64).tolist()
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
    """Writes dead letters to a topic: the raw value when the decoder rejected it, else the row as
    JSON; the reason in the ``reason`` header."""

    def __init__(self, producer: JsonProducer, topic: str) -> None:
        self._producer = producer
        self._topic = topic

    def write(self, dead_letters: pa.Table) -> None:
        if not dead_letters.num_rows:
            return
        reasons = dead_letters.column(REASON).to_pylist()
        if RAW in dead_letters.column_names:
            values = [None if raw is None else raw.encode() for raw in dead_letters.column(RAW).to_pylist()]
        else:
            rows = dead_letters.drop([REASON])
            values = list(json_values(rows.combine_chunks().to_batches()[0]))
        keys = dead_letters.column(KEY).to_pylist() if KEY in dead_letters.column_names else None
        self._producer.produce_values(
            self._topic,
            values,
            keys=keys,
            headers=[[("reason", (reason or "").encode())] for reason in reasons],
        )

    def flush(self) -> None:
        self._producer.flush()
