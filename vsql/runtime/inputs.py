"""A query's input: the file bound to its source name, else the topic of that name, and the fields
it holds (the names a query may use, checked before the query runs).

A bound file (``--input TOPIC=PATH``) is read once: its first block, decoded to learn the fields
when the statement is prepared, is kept and replayed as the run's first block.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from pathlib import Path

import pyarrow as pa

from vsql.engine.settings import QuerySettings
from vsql.io.files import DEFAULT_BLOCK_BYTES, format_of, read_blocks
from vsql.io.formats.decoded import SYSTEM_FIELDS, Decoded
from vsql.io.formats.decoder import Format, block_decoder
from vsql.io.kafka.brokers import Broker
from vsql.io.readahead import read_ahead
from vsql.runtime.topics import sample_topic_schema

__all__ = ["SCHEMA_TTL_S", "BoundFile", "SourceSchemas", "bound_files", "source_format"]

SCHEMA_TTL_S = 30.0
"""How long a topic's sampled schema is trusted before the next query samples it again."""


class BoundFile:
    """An NDJSON or CSV file bound to a source name, replayed as a finite input.

    Args:
        path: the file; its suffix gives its format unless a setting names one (``.csv`` is
            CSV, anything else NDJSON).
        block_bytes: the approximate size of a block.
    """

    def __init__(self, path: Path, *, block_bytes: int = DEFAULT_BLOCK_BYTES) -> None:
        self.path = path
        self.file_format = format_of(path)
        self._block_bytes = block_bytes
        self._head: bytes | None = None
        self._schemas: dict[Format, pa.Schema | None] = {}
        self._lock = threading.Lock()

    def schema(self, file_format: Format | None = None) -> pa.Schema | None:
        """The value fields of the file's first block: names a query may use; None when it holds
        no good row (an empty file, or only dead letters), and then names are not checked.

        A field that first appears after the first block is unknown to the sample; the planner
        then rejects a query naming it, which in practice catches typos before a query runs.

        Raises:
            InputError: the file cannot be read.
        """
        chosen = file_format or self.file_format
        with self._lock:
            if chosen not in self._schemas:
                head = self._read_head()
                decoded = block_decoder(chosen).decode_block(head) if head else None
                if decoded is None or not decoded.batch.num_rows:
                    self._schemas[chosen] = None  # no good row yet: nothing is known of its fields
                else:
                    fields = [field for field in decoded.batch.schema if field.name not in SYSTEM_FIELDS]
                    self._schemas[chosen] = pa.schema(fields)
            return self._schemas[chosen]

    def blocks(
        self, *, file_format: Format | None = None, projection: Collection[str] | None = None
    ) -> Iterator[Decoded]:
        """The file decoded block by block, in file order (its first block from memory); the next
        blocks are read and decoded ahead, in a thread, while the caller works on this one.

        Raises:
            InputError: the file cannot be read.
        """
        return read_ahead(self._decoded(file_format, projection), name="vsql-file-read-ahead")

    def _decoded(self, file_format: Format | None, projection: Collection[str] | None) -> Iterator[Decoded]:
        with self._lock:
            head = self._read_head()
        decoder = block_decoder(file_format or self.file_format, projection=projection)
        if head:
            yield decoder.decode_block(head)
        for block in read_blocks(self.path, block_bytes=self._block_bytes, start=len(head)):
            yield decoder.decode_block(block)

    def _read_head(self) -> bytes:
        if self._head is None:
            self._head = next(read_blocks(self.path, block_bytes=self._block_bytes), b"")
        return self._head


def source_format(settings: QuerySettings, source: str, bound: BoundFile | None) -> Format:
    """The format of a source's values: ``'<source>.format'`` when set, else the bound file's
    (by its suffix), else JSON for a topic.

    Raises:
        InputError: the setting names no format.
    """
    written = settings.source_property(source, "format")
    if written:
        return Format.named(written)
    return bound.file_format if bound is not None else Format.JSON


def bound_files(inputs: Mapping[str, Path]) -> dict[str, BoundFile]:
    """The bound files by lower-cased source name (names compare case-insensitively)."""
    return {name.lower(): BoundFile(path) for name, path in inputs.items()}


class SourceSchemas:
    """The fields of a query's source: its bound file's, or a sample of its topic's, kept for
    ``ttl_s`` (an empty topic is sampled again next time).

    Args:
        files: bound files by lower-cased source name.
        broker: the session's broker, None when there is none (opened on first call).
        ttl_s: how long a topic's sample is trusted.
        clock: monotonic seconds.
    """

    def __init__(
        self,
        files: Mapping[str, BoundFile],
        broker: Callable[[], Broker | None],
        *,
        ttl_s: float = SCHEMA_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._files = files
        self._broker = broker
        self._ttl_s = ttl_s
        self._clock = clock
        self._sampled: dict[str, tuple[float, pa.Schema]] = {}

    def of(self, source: str, settings: QuerySettings) -> pa.Schema | None:
        """The fields of ``source`` (as a query names it); None when nothing is known about them.

        Raises:
            InputError: the source's topic does not exist, or its file cannot be read.
        """
        bound = self._files.get(source.lower())
        if bound is not None:
            return bound.schema(source_format(settings, source, bound))
        broker = self._broker()
        if broker is None:
            return None
        topic = settings.topic_of(source)
        cached = self._sampled.get(topic)
        if cached is not None and self._clock() - cached[0] < self._ttl_s:
            return cached[1]
        schema = sample_topic_schema(broker, topic)
        if schema is not None:
            self._sampled[topic] = (self._clock(), schema)
        return schema
