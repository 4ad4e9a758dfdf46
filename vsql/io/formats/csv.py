"""CSV with a header line to one Arrow RecordBatch per block, plus dead letters.

Same output contract as the JSON decoder: value columns, then ``_key``, ``_timestamp``,
``_partition``, ``_offset``; header columns with those names are the system columns. Fast path:
``pyarrow.csv.read_csv`` with the types learnt so far. A block whose values do not convert, or
that brings a column whose values are not all of one type, is read again as text and checked
column by column with vectorized patterns; rows that fail become dead letters naming the field,
the type and value. A row with the wrong number of fields is a dead letter too, and so is a row
with a value that is not UTF-8 (its raw text shows such bytes as ``\\xNN``). Empty fields are
NULL.

A column's type is decided by the first block holding values in it: int64 or float64 when at
least half of them are numbers (float64 when one has a fraction or an exponent), boolean when more
than half are true/false, else string. Later, an int64 column meeting a fraction widens to
float64; other types stay, and a value that does not fit is a dead letter.
"""

from __future__ import annotations

import codecs
import csv as csv_text
import io
from collections.abc import Callable, Collection

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.types as pat

from vsql.engine.columns import KEY, OFFSET, PARTITION, TIMESTAMP
from vsql.io.formats.decoded import SYSTEM_FIELDS, Decoded, OffsetCounter, assemble_batch, dead_letter_table
from vsql.io.formats.inference import normalize_type

__all__ = ["CsvDecoder"]

_NUMBER = r"^\s*[+-]?((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|inf|infinity|nan)\s*$"
_INTEGER = r"^\s*[+-]?\d+\s*$"
_BOOLEAN = r"^\s*(true|false|1|0)\s*$"


class CsvDecoder:
    """Decodes blocks of one CSV file (the first block starts with the header line).

    Args:
        projection: names of the columns to decode (case-insensitive); None decodes all.
    """

    def __init__(self, *, projection: Collection[str] | None = None) -> None:
        self._projection = None if projection is None else frozenset(n.lower() for n in projection)
        self._names: list[str] | None = None
        self._types: dict[str, pa.DataType] = {}
        self._offsets = OffsetCounter()

    @property
    def schema(self) -> pa.Schema:
        """The value columns learnt so far (system columns excluded)."""
        return pa.schema(list(self._types.items()))

    def decode_block(self, block: bytes) -> Decoded:
        """Decode a block of whole CSV lines; the first block of a file must start with the header."""
        skip_header = 0
        if self._names is None:
            block = block.removeprefix(codecs.BOM_UTF8)
            header = block.split(b"\n", 1)[0].decode("utf-8", errors="replace").strip()
            self._names = next(csv_text.reader([header]), [])
            skip_header = 1
        invalid: list[pa_csv.InvalidRow] = []
        table = self._read_typed(block, skip=skip_header, invalid=invalid)
        if table is None:
            invalid.clear()
            return self._decode_checked(block, skip=skip_header, invalid=invalid)
        dead = _invalid_rows(invalid)
        return Decoded(self._assemble(table, offsets=None), dead)

    def _read_typed(self, block: bytes, *, skip: int, invalid: list) -> pa.Table | None:
        """The block with the learnt types, pyarrow inferring new columns' types; None when a value
        does not fit its column's type or a new column is not of one type (the checked path runs)."""
        try:
            table = self._read(block, skip=skip, types=self._column_types(), invalid=invalid)
        except pa.ArrowInvalid:
            return None
        learnt = self._new_types(table)
        if learnt is None:
            return None
        self._types.update(learnt)
        if all(table.schema.field(name).type == kept for name, kept in learnt.items()):
            return table
        invalid.clear()
        try:
            return self._read(block, skip=skip, types=self._column_types(), invalid=invalid)
        except pa.ArrowInvalid:
            return None

    def _read(self, block: bytes, *, skip: int, types: dict[str, pa.DataType], invalid: list) -> pa.Table:
        def keep_invalid(row: pa_csv.InvalidRow) -> str:
            invalid.append(row)
            return "skip"

        return pa_csv.read_csv(
            io.BytesIO(block),
            read_options=pa_csv.ReadOptions(column_names=self._names, skip_rows=skip, use_threads=False),
            parse_options=pa_csv.ParseOptions(invalid_row_handler=keep_invalid),
            convert_options=pa_csv.ConvertOptions(
                column_types=types, include_columns=self._included(), strings_can_be_null=True
            ),
        )

    def _new_types(self, table: pa.Table) -> dict[str, pa.DataType] | None:
        """The kept types of the columns pyarrow inferred; None when one read as text holds mostly
        values of another type (pyarrow falls back to text when a single value does not convert)."""
        learnt: dict[str, pa.DataType] = {}
        for column in table.schema:
            if column.name in SYSTEM_FIELDS or column.name in self._types:
                continue
            if pat.is_binary(column.type):
                return None
            if pat.is_string(column.type) and not pat.is_string(_text_type(table[column.name])):
                return None
            kept = normalize_type(column.type)
            if not pat.is_null(kept):
                learnt[column.name] = kept
        return learnt

    def _read_text(self, block: bytes, *, skip: int, invalid: list) -> tuple[pa.Table, dict[int, list[str]]]:
        """The block with every value as text, and why each row holding bytes that are not UTF-8
        is rejected (the table shows those bytes as ``\\xNN``)."""
        names = self._included()
        try:
            return self._read(block, skip=skip, types=dict.fromkeys(names, pa.string()), invalid=invalid), {}
        except pa.ArrowInvalid:
            invalid.clear()
        table = self._read(block, skip=skip, types=dict.fromkeys(names, pa.binary()), invalid=invalid)
        not_utf8: dict[int, list[str]] = {}
        columns = [_utf8_column(name, table[name], not_utf8) for name in table.column_names]
        return pa.table(columns, names=table.column_names), not_utf8

    def _settle_types(self, table: pa.Table) -> None:
        """Decide the types of the new columns of a block read as text, widen known int64 ones."""
        for name in table.column_names:
            if name in SYSTEM_FIELDS:
                continue
            known = self._types.get(name)
            settled = _text_type(table[name]) if known is None else _widened(known, table[name])
            if not pat.is_null(settled):
                self._types[name] = settled

    def _decode_checked(self, block: bytes, *, skip: int, invalid: list) -> Decoded:
        """The slow path: read as text, keep the rows whose every value converts."""
        table, not_utf8 = self._read_text(block, skip=skip, invalid=invalid)
        self._settle_types(table)
        bad, reasons = _check(table, self._target)
        for row, found in not_utf8.items():
            bad[row] = True
            reasons[row] = found + reasons.get(row, [])
        good_table = table.filter(pa.array(~bad))
        converted = pa.table(
            {name: _convert(good_table[name], self._target(name)) for name in good_table.column_names}
        )
        partitions = _partitions(table, bad=bad)
        offsets = self._offsets.assign(partitions)
        batch = self._assemble(converted, offsets=offsets[~bad])
        rows = np.flatnonzero(bad)
        raws = _raw_rows(table.take(pa.array(rows, pa.int64())))
        dead = dead_letter_table(
            raws,
            ["; ".join(reasons[int(row)]) for row in rows],
            partitions=partitions[rows].tolist(),
            offsets=offsets[rows].tolist(),
        )
        return Decoded(batch, pa.concat_tables([dead, _invalid_rows(invalid)]))

    def _assemble(self, table: pa.Table, *, offsets: np.ndarray | None) -> pa.RecordBatch:
        size = table.num_rows
        present = set(table.column_names)

        def column(name: str, data_type: pa.DataType) -> pa.Array:
            return table[name].combine_chunks() if name in present else pa.nulls(size, data_type)

        partitions = pc.fill_null(column(PARTITION, pa.int32()).cast(pa.int32()), 0)
        if offsets is None:
            offsets = self._offsets.assign(partitions.to_numpy(zero_copy_only=False))
        values = [(name, column(name, t)) for name, t in self._types.items() if self._is_projected(name)]
        values += [
            (name, table[name].combine_chunks())
            for name in table.column_names
            if name not in self._types and name not in SYSTEM_FIELDS
        ]
        return assemble_batch(
            values,
            keys=column(KEY, pa.string()),
            timestamps=column(TIMESTAMP, pa.int64()),
            partitions=partitions,
            offsets=pa.array(offsets, pa.int64()),
        )

    def _target(self, name: str) -> pa.DataType:
        return SYSTEM_FIELDS.get(name) or self._types.get(name, pa.string())

    def _column_types(self) -> dict[str, pa.DataType]:
        return {**self._types, **_system_types()}

    def _included(self) -> list[str]:
        names = self._names or []
        return [n for n in names if n != OFFSET and (n in SYSTEM_FIELDS or self._is_projected(n))]

    def _is_projected(self, name: str) -> bool:
        return self._projection is None or name.lower() in self._projection


def _system_types() -> dict[str, pa.DataType]:
    return {name: SYSTEM_FIELDS[name] for name in (KEY, TIMESTAMP, PARTITION)}


def _text_type(column: pa.ChunkedArray) -> pa.DataType:
    """The type of a new column from its text values (see the module doc): numeric when at least
    half of them are numbers, boolean when more than half are true/false, else string; null when
    the column has no values."""
    values = len(column) - column.null_count
    if values == 0:
        return pa.null()
    numbers = _matches(column, _NUMBER)
    if 2 * numbers >= values:
        return pa.int64() if _matches(column, _INTEGER) == numbers else pa.float64()
    if 2 * _matches(column, _BOOLEAN) > values:
        return pa.bool_()
    return pa.string()


def _widened(known: pa.DataType, column: pa.ChunkedArray) -> pa.DataType:
    """``known`` widened to the text values of a block: an int64 column meeting a fraction is float64."""
    if pat.is_integer(known) and _matches(column, _NUMBER) > _matches(column, _INTEGER):
        return pa.float64()
    return known


def _utf8_column(name: str, column: pa.ChunkedArray, not_utf8: dict[int, list[str]]) -> pa.Array:
    """A binary column as text; each value that is not UTF-8 is escaped and its row noted."""
    try:
        return column.cast(pa.string()).combine_chunks()
    except pa.ArrowInvalid:
        pass
    texts: list[str | None] = []
    for row, value in enumerate(column.to_pylist()):
        text = None if value is None else value.decode("utf-8", errors="backslashreplace")
        if value is not None and text.encode() != value:
            not_utf8.setdefault(row, []).append(f"field '{name}': expected UTF-8 text, got '{text}'")
        texts.append(text)
    return pa.array(texts, pa.string())


def _matches(column: pa.ChunkedArray, pattern: str) -> int:
    return pc.sum(pc.match_substring_regex(column, pattern, ignore_case=True)).as_py() or 0


def _check(table: pa.Table, target: Callable[[str], pa.DataType]) -> tuple[np.ndarray, dict[int, list[str]]]:
    """Which rows of a text table hold a value that does not fit its column's type, and why."""
    bad = np.zeros(table.num_rows, dtype=bool)
    reasons: dict[int, list[str]] = {}
    for name in table.column_names:
        if name in (KEY, OFFSET):
            continue
        expected = target(name)
        pattern = _pattern(expected)
        if pattern is None:
            continue
        column = table[name].combine_chunks()
        fails = pc.and_(
            pc.is_valid(column), pc.invert(pc.match_substring_regex(column, pattern, ignore_case=True))
        )
        fails_np = np.asarray(pc.fill_null(fails, False), dtype=bool)
        if pat.is_integer(expected):
            fails_np = fails_np | _beyond_int64(column)
        for row in np.flatnonzero(fails_np):
            reasons.setdefault(int(row), []).append(
                f"field '{name}': expected {expected}, got {_shown(column[int(row)].as_py())}"
            )
        bad |= fails_np
    return bad, reasons


_INT64_DIGITS = 19
_SHOWN_CHARS = 80


def _beyond_int64(column: pa.Array) -> np.ndarray:
    """Which whole numbers of a text column do not fit int64 (only values of 19 digits or more are
    looked at one by one, and those are rare)."""
    beyond = np.zeros(len(column), dtype=bool)
    lengths = pc.fill_null(pc.utf8_length(pc.utf8_trim_whitespace(column)), 0).to_numpy(zero_copy_only=False)
    for row in np.flatnonzero(lengths >= _INT64_DIGITS):
        text = str(column[int(row)].as_py()).strip()
        digits = text.lstrip("+-").lstrip("0")
        if digits.isdigit():
            beyond[row] = len(digits) > _INT64_DIGITS or not -(2**63) <= int(text) < 2**63
    return beyond


def _shown(value: object) -> str:
    """A value as a dead letter's reason quotes it: at most ``_SHOWN_CHARS`` characters."""
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else f"{text[: _SHOWN_CHARS - 3]}..."


def _pattern(data_type: pa.DataType) -> str | None:
    if pat.is_integer(data_type):
        return _INTEGER
    if pat.is_floating(data_type):
        return _NUMBER
    if pat.is_boolean(data_type):
        return _BOOLEAN
    return None


def _convert(column: pa.ChunkedArray, data_type: pa.DataType) -> pa.Array:
    text = pc.utf8_trim_whitespace(column.combine_chunks())
    if pat.is_boolean(data_type):
        lowered = pc.utf8_lower(text)
        return pc.or_(pc.equal(lowered, "true"), pc.equal(lowered, "1"))
    if pat.is_string(data_type):
        return column.combine_chunks()
    return text.cast(data_type)


def _partitions(table: pa.Table, *, bad: np.ndarray) -> np.ndarray:
    if PARTITION not in table.column_names:
        return np.zeros(table.num_rows, dtype=np.int32)
    text = table[PARTITION].combine_chunks()
    usable = pc.fill_null(pc.match_substring_regex(text, _INTEGER), False).to_numpy(zero_copy_only=False)
    parsed = pc.if_else(usable, text, "0").cast(pa.int32())
    return np.where(bad & ~usable, 0, pc.fill_null(parsed, 0).to_numpy(zero_copy_only=False)).astype(np.int32)


def _raw_rows(table: pa.Table) -> list[str]:
    columns = [pc.fill_null(table[name].combine_chunks(), "") for name in table.column_names]
    if not columns:
        return []
    return pc.binary_join_element_wise(*columns, ",").to_pylist()


def _invalid_rows(invalid: list[pa_csv.InvalidRow]) -> pa.Table:
    return dead_letter_table(
        [row.text for row in invalid],
        [f"expected {row.expected_columns} fields, got {row.actual_columns}" for row in invalid],
        partitions=[0] * len(invalid),
        offsets=[None] * len(invalid),
    )
