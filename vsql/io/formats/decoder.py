"""The decoder seam: what every input format's decoder promises, and the one place that picks a
decoder for a format.

A decoder turns the bytes of one batch of input into one Arrow RecordBatch (the value fields, then
the system columns ``_key``, ``_timestamp``, ``_partition``, ``_offset``) plus a table of dead
letters (``decoded.DEAD_LETTER_SCHEMA``). Inputs arrive in two shapes, so there are two protocols:

- ``BlockDecoder``: a block of a file, cut at line ends (``files.read_file``).
- ``MessageDecoder``: the values of a batch of Kafka messages, with their metadata
  (``kafka.consumer.TopicConsumer``).

A format may serve one shape only; ``block_decoder`` and ``message_decoder`` say so at selection
time with an ``UnsupportedError``, before anything is read. Both read the same table of formats.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Protocol, runtime_checkable

import pyarrow as pa

from vsql.engine.errors import UnsupportedError
from vsql.io.errors import InputError
from vsql.io.formats.csv import CsvDecoder
from vsql.io.formats.decoded import Decoded
from vsql.io.formats.json import JsonDecoder

__all__ = [
    "BlockDecoder",
    "Decoder",
    "Format",
    "MessageDecoder",
    "block_decoder",
    "check_readable",
    "message_decoder",
]


class Format(Enum):
    """The formats an input's values can have."""

    JSON = "json"
    """One JSON object per line of a file (NDJSON) or per Kafka message value."""
    CSV = "csv"
    """A header line, then one record per line (files only)."""

    @classmethod
    def named(cls, name: str) -> Format:
        """The format called ``name`` (case-insensitive; ``ndjson`` is JSON).

        Raises:
            InputError: no format has that name; the message lists the formats.
        """
        text = name.strip().lower()
        try:
            return cls(_ALIASES.get(text, text))
        except ValueError:
            raise InputError(f"unknown input format {name!r}; formats are {_names(cls)}") from None


_ALIASES = {"ndjson": Format.JSON.value}


class Decoder(Protocol):
    """What every decoder shares.

    Contract (both shapes):

    - One decoder serves one input (a file, or one consumer's share of a topic) and is called from
      one thread at a time: the reading thread for files; for Kafka, whichever thread prepares
      fetched batches (the ``poll`` caller with the standard and buffered tiers, the consumer's
      fetch thread with the dedicated tier). Never share a decoder between inputs.
    - Calls come in input order (file order; fetch order, offsets rising within a partition).
    - The decoder keeps what it learnt across calls: the schema (successive batches agree on
      column types; an integer column may widen to float64) and, for files, the per-partition
      line numbering that becomes ``_offset``.
    - Bad input never raises: an undecodable or mistyped record becomes a dead-letter row with its
      raw text and a reason; the good records of the same batch are still decoded.
    """

    @property
    def schema(self) -> pa.Schema:
        """The value fields learnt so far (system columns excluded)."""
        ...


@runtime_checkable
class BlockDecoder(Decoder, Protocol):
    """Decodes the blocks of one file, in file order (see ``Decoder`` for the contract)."""

    def decode_block(self, block: bytes) -> Decoded:
        """Decode a block of whole lines (the first block of a file comes first).

        Args:
            block: UTF-8 text cut at a line end (the file's last block may lack its newline).

        Returns:
            The good rows as one batch and the rejected lines as dead letters; ``_offset`` numbers
            the lines of each partition across blocks.
        """
        ...


@runtime_checkable
class MessageDecoder(Decoder, Protocol):
    """Decodes batches of Kafka message values (see ``Decoder`` for the contract)."""

    def decode_messages(
        self,
        values: Sequence[bytes | None],
        *,
        keys: Sequence[bytes | str | None],
        timestamps: Sequence[int | None],
        partitions: Sequence[int],
        offsets: Sequence[int],
    ) -> Decoded:
        """Decode one fetched batch; the sequences are parallel, one item per message.

        Args:
            values: message values (an empty or null value is a dead letter).
            keys: message keys, UTF-8.
            timestamps: message timestamps, epoch ms (None when absent).
            partitions: message partitions.
            offsets: message offsets.

        Returns:
            The good rows as one batch and the rejected values as dead letters, each with its
            message's key, timestamp, partition and offset.
        """
        ...


_Projection = Collection[str] | None


@dataclass(frozen=True)
class _Codec:
    """How a format is decoded in each input shape; None where the format is not supported."""

    blocks: Callable[[_Projection], BlockDecoder] | None
    messages: Callable[[_Projection, pa.Schema | None], MessageDecoder] | None


_CODECS: dict[Format, _Codec] = {
    Format.JSON: _Codec(
        blocks=lambda projection: JsonDecoder(projection=projection),
        messages=lambda projection, schema: JsonDecoder(projection=projection, schema=schema),
    ),
    Format.CSV: _Codec(blocks=lambda projection: CsvDecoder(projection=projection), messages=None),
}


def block_decoder(file_format: Format | str, *, projection: Collection[str] | None = None) -> BlockDecoder:
    """A fresh decoder for the blocks of one file in ``file_format``.

    Args:
        file_format: the format, or its name.
        projection: the fields to decode (case-insensitive), None for all.

    Raises:
        InputError: an unknown format name.
        UnsupportedError: the format cannot be read from files.
    """
    chosen = _format(file_format)
    make = _CODECS[chosen].blocks
    if make is None:
        supported = _names(fmt for fmt, codec in _CODECS.items() if codec.blocks is not None)
        raise UnsupportedError(f"{chosen.name} input files are not supported yet; supported: {supported}")
    return make(projection)


def message_decoder(
    value_format: Format | str,
    *,
    projection: Collection[str] | None = None,
    schema: pa.Schema | None = None,
) -> MessageDecoder:
    """A fresh decoder for the message values of one Kafka consumer in ``value_format``.

    Args:
        value_format: the format of the values, or its name.
        projection: the fields to decode (case-insensitive), None for all.
        schema: value fields known in advance; more are learnt from the data.

    Raises:
        InputError: an unknown format name.
        UnsupportedError: the format cannot be read from Kafka topics (e.g. CSV).
    """
    chosen = _format(value_format)
    make = _CODECS[chosen].messages
    if make is None:
        supported = _names(fmt for fmt, codec in _CODECS.items() if codec.messages is not None)
        raise UnsupportedError(
            f"{chosen.name} values are not supported for Kafka topics yet; supported: {supported}"
        )
    return make(projection, schema)


def check_readable(value_format: Format, *, from_file: bool) -> None:
    """Check, before a query starts, that ``value_format`` can be read from a file or a topic.

    Raises:
        UnsupportedError: it cannot (the message names the formats that can).
    """
    if from_file:
        block_decoder(value_format)
    else:
        message_decoder(value_format)


def _format(value: Format | str) -> Format:
    return value if isinstance(value, Format) else Format.named(value)


def _names(formats: Iterable[Format]) -> str:
    return ", ".join(fmt.value for fmt in formats)
