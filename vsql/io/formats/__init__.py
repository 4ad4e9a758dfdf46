"""Decoders from raw bytes to one Arrow RecordBatch plus dead letters."""

from vsql.io.formats.csv import CsvDecoder
from vsql.io.formats.decoded import DEAD_LETTER_SCHEMA, Decoded
from vsql.io.formats.json import JsonDecoder

__all__ = ["DEAD_LETTER_SCHEMA", "CsvDecoder", "Decoded", "JsonDecoder"]
