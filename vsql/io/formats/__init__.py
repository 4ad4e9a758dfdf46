"""Decoders from raw bytes to one Arrow RecordBatch plus dead letters, behind the protocols and the
format selection of ``decoder.py``."""

from vsql.io.formats.csv import CsvDecoder
from vsql.io.formats.decoded import DEAD_LETTER_SCHEMA, Decoded
from vsql.io.formats.decoder import (
    BlockDecoder,
    Decoder,
    Format,
    MessageDecoder,
    block_decoder,
    message_decoder,
)
from vsql.io.formats.json import JsonDecoder

__all__ = [
    "DEAD_LETTER_SCHEMA",
    "BlockDecoder",
    "CsvDecoder",
    "Decoded",
    "Decoder",
    "Format",
    "JsonDecoder",
    "MessageDecoder",
    "block_decoder",
    "message_decoder",
]
