"""NDJSON and JSON Kafka values to one Arrow RecordBatch per block, plus dead letters.

Fast path: ``pyarrow.json.read_json`` over the whole block with the schema learnt so far
(``explicit_schema``); new fields are inferred and added, an integer column that meets floats
widens to float64. Only a block the fast path rejects is parsed line by line (``json_lines``) to
isolate its bad lines; its good lines are still decoded. The fast path takes only valid UTF-8
(pyarrow's reader does not check string values), so a value with other bytes is a dead letter.

Output: the value fields (in the order first seen) followed by the system columns ``_key``,
``_timestamp``, ``_partition`` and ``_offset`` (``decoded.SYSTEM_FIELDS``). In NDJSON the fields
``_key``, ``_timestamp`` and ``_partition`` of an object are the system columns and ``_offset`` is
the line's index within its partition; Kafka messages carry them as metadata instead.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Collection, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json
import pyarrow.types as pat

from vsql.engine.columns import KEY, OFFSET, PARTITION, TIMESTAMP
from vsql.io.formats.decoded import (
    SYSTEM_FIELDS,
    Decoded,
    OffsetCounter,
    assemble_batch,
    dead_letter_table,
)
from vsql.io.formats.inference import MAX_NESTING, merge_types, nesting_depth, normalize_type
from vsql.io.formats.json_lines import ParsedLines, parse_lines

__all__ = ["JsonDecoder"]

_READ_BLOCK_BYTES = 1 << 19
_JSON_SYSTEM_FIELDS = (KEY, TIMESTAMP, PARTITION)


class JsonDecoder:
    """Decodes blocks of NDJSON (or batches of Kafka JSON values) into Arrow, learning the schema.

    A ``BlockDecoder`` and a ``MessageDecoder`` (``decoder.py`` states the contract). One decoder
    serves one input; it keeps the schema and the per-partition line counters between blocks, so
    successive batches agree on column types (an int column may widen to float64).

    Args:
        projection: names of the fields to decode (matched case-insensitively), e.g. the columns a
            query references; other fields are neither decoded nor type-checked. None decodes all.
        schema: value fields known in advance; more are learnt from the data.
    """

    def __init__(self, *, projection: Collection[str] | None = None, schema: pa.Schema | None = None) -> None:
        self._projection = None if projection is None else frozenset(n.lower() for n in projection)
        self._fields: dict[str, pa.DataType] = {}
        if schema is not None:
            self._fields = {f.name: normalize_type(f.type) for f in schema if f.name not in SYSTEM_FIELDS}
        self._offsets = OffsetCounter()

    @property
    def schema(self) -> pa.Schema:
        """The value fields learnt so far (system columns excluded)."""
        return pa.schema(list(self._fields.items()))

    def decode_block(self, block: bytes) -> Decoded:
        """Decode a block of whole NDJSON lines; blank lines are skipped.

        Args:
            block: UTF-8 NDJSON, cut at a line end.

        Returns:
            The good rows as one batch and the bad lines as dead letters, each numbered with the
            ``_offset`` of its line within its partition.
        """
        block = block.removeprefix(codecs.BOM_UTF8)
        if not block.strip():
            return self._empty()
        table = self._read_fast(block, system=True)
        if table is None:
            return self._decode_slow(block.split(b"\n"))
        size = table.num_rows
        partitions = pc.fill_null(_column(table, PARTITION, size).cast(pa.int32()), 0)
        if size and pc.min(partitions).as_py() < 0:
            return self._decode_slow(block.split(b"\n"))
        offsets = self._offsets.assign(partitions.to_numpy(zero_copy_only=False))
        batch = assemble_batch(
            self._value_columns(table),
            keys=_column(table, KEY, size),
            timestamps=_column(table, TIMESTAMP, size),
            partitions=partitions,
            offsets=pa.array(offsets),
        )
        return Decoded(batch, dead_letter_table([], [], partitions=[], offsets=[]))

    def decode_messages(
        self,
        values: Sequence[bytes | None],
        *,
        keys: Sequence[bytes | str | None],
        timestamps: Sequence[int | None],
        partitions: Sequence[int],
        offsets: Sequence[int],
    ) -> Decoded:
        """Decode Kafka message values, one JSON object each; system columns come from metadata.

        The key, partition and offset are the message's own. The timestamp is the value's
        ``_timestamp`` field when it has one (vsql's producers write the exact event time there,
        since librdkafka cannot send a message timestamp of 0), else the message timestamp.

        Args:
            values: message values (an empty or null value is a dead letter).
            keys: message keys, UTF-8.
            timestamps: message timestamps, epoch ms.
            partitions: message partitions.
            offsets: message offsets.
        """
        meta = _Metadata(
            keys=_keys(keys),
            timestamps=pa.array(timestamps, pa.int64()),
            partitions=pa.array(partitions, pa.int32()),
            offsets=pa.array(offsets, pa.int64()),
        )
        if not values:
            return self._empty()
        table = None
        try:
            block = b"\n".join(values)
        except TypeError:
            block = None
        if block is not None:
            table = self._read_fast(block, system=True)
        if table is None or table.num_rows != len(values):
            return self._decode_slow([b"" if value is None else value for value in values], meta=meta)
        batch = assemble_batch(
            self._value_columns(table),
            keys=meta.keys,
            timestamps=pc.coalesce(
                _column(table, TIMESTAMP, table.num_rows).cast(pa.int64()), meta.timestamps
            ),
            partitions=meta.partitions,
            offsets=meta.offsets,
        )
        return Decoded(batch, dead_letter_table([], [], partitions=[], offsets=[]))

    def _read_fast(self, block: bytes, *, system: bool) -> pa.Table | None:
        """The block as one table with the learnt schema, or None when the slow path must run."""
        if not _is_utf8(block):
            return None
        try:
            table = self._read(block, system=system)
        except pa.ArrowInvalid:
            if not self._widen(block, system=system):
                return None
            try:
                table = self._read(block, system=system)
            except pa.ArrowInvalid:
                return None
        if any(nesting_depth(field.type) > MAX_NESTING for field in table.schema):
            return None
        if self._learn(table.schema):
            try:
                table = self._read(block, system=system)
            except pa.ArrowInvalid:
                return None
        return table

    def _read(self, block: bytes, *, system: bool) -> pa.Table:
        fields = [pa.field(name, t) for name, t in self._fields.items()]
        if system:
            fields += [pa.field(name, SYSTEM_FIELDS[name]) for name in _JSON_SYSTEM_FIELDS]
        resolved = self._is_resolved()
        behavior = "ignore" if resolved else "infer"
        options = pa_json.ParseOptions(explicit_schema=pa.schema(fields), unexpected_field_behavior=behavior)
        # With every field's type known, blocks parse in parallel; while inferring, one block keeps
        # the inferred types consistent across the whole input block.
        block_size = _READ_BLOCK_BYTES if resolved else max(_READ_BLOCK_BYTES, len(block) + 1)
        read_options = pa_json.ReadOptions(block_size=block_size)
        return pa_json.read_json(io.BytesIO(block), read_options=read_options, parse_options=options)

    def _widen(self, block: bytes, *, system: bool) -> bool:
        """Infer the block's own schema and widen the learnt one to it; False on a conflict."""
        try:
            inferred = pa_json.read_json(io.BytesIO(block)).schema
        except pa.ArrowInvalid:
            return False
        updates: dict[str, pa.DataType] = {}
        for inferred_field in inferred:
            name, found = inferred_field.name, normalize_type(inferred_field.type)
            if name in SYSTEM_FIELDS:
                if system and not _fits_system_field(name, found):
                    return False
                continue
            if not self._is_projected(name):
                continue
            known = self._fields.get(name)
            merged = found if known is None else merge_types(known, found)
            if merged is None:
                return False
            if not pat.is_null(merged):
                updates[name] = merged
        self._fields.update(updates)
        return True

    def _learn(self, schema: pa.Schema) -> bool:
        """Add the new projected fields of a decoded table; True when a re-read is needed because
        an inferred type was normalized (a timestamp kept as text)."""
        must_reread = False
        for new_field in schema:
            name = new_field.name
            if name in SYSTEM_FIELDS or name in self._fields or not self._is_projected(name):
                continue
            kept = normalize_type(new_field.type)
            if pat.is_null(kept):
                continue
            self._fields[name] = kept
            must_reread = must_reread or kept != new_field.type
        return must_reread

    def _decode_slow(self, lines: Sequence[bytes], *, meta: _Metadata | None = None) -> Decoded:
        parsed = parse_lines(
            lines,
            types=self._fields,
            is_projected=self._is_projected,
            read_system_fields=True,
            skip_blank=meta is None,
        )
        for name, found in parsed.types.items():
            if not pat.is_null(found):
                self._fields[name] = found
        if meta is None:
            return self._assemble_slow(parsed)
        good = pa.array(parsed.good_positions, pa.int64())
        bad = parsed.bad_positions
        batch = assemble_batch(
            self._record_columns(parsed),
            keys=meta.keys.take(good),
            timestamps=pc.coalesce(pa.array(parsed.timestamps, pa.int64()), meta.timestamps.take(good)),
            partitions=meta.partitions.take(good),
            offsets=meta.offsets.take(good),
        )
        dead = dead_letter_table(
            parsed.bad_raws,
            parsed.bad_reasons,
            partitions=[meta.partitions[i].as_py() for i in bad],
            offsets=[meta.offsets[i].as_py() for i in bad],
            keys=[meta.keys[i].as_py() for i in bad],
            timestamps=[meta.timestamps[i].as_py() for i in bad],
        )
        return Decoded(batch, dead)

    def _assemble_slow(self, parsed: ParsedLines) -> Decoded:
        line_partitions = np.zeros(parsed.line_count, dtype=np.int32)
        line_partitions[parsed.good_positions] = parsed.partitions
        line_partitions[parsed.bad_positions] = parsed.bad_partitions
        offsets = self._offsets.assign(line_partitions)
        batch = assemble_batch(
            self._record_columns(parsed),
            keys=pa.array(parsed.keys, pa.string()),
            timestamps=pa.array(parsed.timestamps, pa.int64()),
            partitions=pa.array(parsed.partitions, pa.int32()),
            offsets=pa.array(offsets[parsed.good_positions]),
        )
        dead = dead_letter_table(
            parsed.bad_raws,
            parsed.bad_reasons,
            partitions=parsed.bad_partitions,
            offsets=offsets[parsed.bad_positions].tolist(),
        )
        return Decoded(batch, dead)

    def _record_columns(self, parsed: ParsedLines) -> list[tuple[str, pa.Array]]:
        names = list(self._fields) + [n for n in parsed.types if n not in self._fields]
        return [
            (name, pa.array([record.get(name) for record in parsed.records], parsed.types[name]))
            for name in names
            if name in parsed.types
        ]

    def _value_columns(self, table: pa.Table) -> list[tuple[str, pa.Array]]:
        size = table.num_rows
        present = set(table.column_names)
        columns = [
            (name, table[name].combine_chunks() if name in present else pa.nulls(size, data_type))
            for name, data_type in self._fields.items()
        ]
        for name in table.column_names:
            if name not in self._fields and name not in SYSTEM_FIELDS and self._is_projected(name):
                columns.append((name, table[name].combine_chunks()))
        return columns

    def _empty(self) -> Decoded:
        columns = [(name, pa.array([], data_type)) for name, data_type in self._fields.items()]
        batch = assemble_batch(
            columns,
            keys=pa.array([], pa.string()),
            timestamps=pa.array([], pa.int64()),
            partitions=pa.array([], pa.int32()),
            offsets=pa.array([], pa.int64()),
        )
        return Decoded(batch, dead_letter_table([], [], partitions=[], offsets=[]))

    def _is_projected(self, name: str) -> bool:
        return self._projection is None or name.lower() in self._projection

    def _is_resolved(self) -> bool:
        """True when every projected name is a learnt field, so unknown fields can be ignored."""
        if self._projection is None:
            return False
        known = {name.lower() for name in self._fields} | {name.lower() for name in SYSTEM_FIELDS}
        return self._projection <= known


class _Metadata:
    """System columns of a batch of Kafka messages."""

    def __init__(self, *, keys: pa.Array, timestamps: pa.Array, partitions: pa.Array, offsets: pa.Array):
        self.keys = keys
        self.timestamps = timestamps
        self.partitions = partitions
        self.offsets = offsets


def _keys(keys: Sequence[bytes | str | None]) -> pa.Array:
    try:
        return pa.array(keys, pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array(
            [k.decode("utf-8", errors="replace") if isinstance(k, bytes) else k for k in keys], pa.string()
        )


def _column(table: pa.Table, name: str, size: int) -> pa.Array:
    if name in table.column_names:
        return table[name].combine_chunks()
    return pa.nulls(size, SYSTEM_FIELDS[name])


def _is_utf8(block: bytes) -> bool:
    """Whether ``block`` is valid UTF-8, checked by Arrow over the bytes in place."""
    offsets = pa.py_buffer(np.array([0, len(block)], dtype=np.int64))
    try:
        pa.LargeStringArray.from_buffers(1, offsets, pa.py_buffer(block)).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _fits_system_field(name: str, found: pa.DataType) -> bool:
    if pat.is_null(found) or name == OFFSET:
        return True
    if name == KEY:
        return pat.is_string(found)
    return pat.is_integer(found)
