"""JsonDecoder: fast path, schema learning, int/float widening, dead letters, projection."""

from __future__ import annotations

import pyarrow as pa
import pytest

from vsql.engine.columns import KEY, OFFSET, PARTITION, REASON, TIMESTAMP
from vsql.io.formats.decoded import DEAD_LETTER_SCHEMA, RAW
from vsql.io.formats.json import JsonDecoder


def _lines(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def test_fast_path_decodes_values_and_system_columns() -> None:
    decoded = JsonDecoder().decode_block(
        _lines(
            '{"_timestamp": 5, "_key": "k1", "symbol": "A", "price": 1.5}',
            '{"symbol": "B", "price": 2.5, "_partition": 1}',
        )
    )
    batch = decoded.batch
    assert batch.schema.names == ["symbol", "price", KEY, TIMESTAMP, PARTITION, OFFSET]
    assert batch.schema.field(KEY).type == pa.string()
    assert batch.schema.field(TIMESTAMP).type == pa.int64()
    assert batch.schema.field(PARTITION).type == pa.int32()
    assert batch.schema.field(OFFSET).type == pa.int64()
    assert batch.to_pydict() == {
        "symbol": ["A", "B"],
        "price": [1.5, 2.5],
        KEY: ["k1", None],
        TIMESTAMP: [5, None],
        PARTITION: [0, 1],
        OFFSET: [0, 0],
    }
    assert decoded.dead_letters.num_rows == 0
    assert decoded.dead_letters.schema == DEAD_LETTER_SCHEMA


def test_offsets_count_lines_per_partition_across_blocks() -> None:
    decoder = JsonDecoder()
    first = decoder.decode_block(_lines('{"a": 1}', '{"a": 2, "_partition": 1}', '{"a": 3}'))
    second = decoder.decode_block(_lines('{"a": 4, "_partition": 1}', '{"a": 5}'))
    assert first.batch.column(OFFSET).to_pylist() == [0, 0, 1]
    assert second.batch.column(OFFSET).to_pylist() == [1, 2]


def test_blank_lines_and_empty_blocks_are_skipped() -> None:
    decoder = JsonDecoder()
    assert decoder.decode_block(b"\n  \n").batch.num_rows == 0
    decoded = decoder.decode_block(b'{"a": 1}\n\n\r\n{"a": 2}')
    assert decoded.batch.column("a").to_pylist() == [1, 2]
    assert decoded.batch.column(OFFSET).to_pylist() == [0, 1]


def test_schema_is_inferred_from_the_first_block_and_kept() -> None:
    decoder = JsonDecoder()
    decoder.decode_block(_lines('{"symbol": "A", "qty": 1, "ok": true}'))
    assert decoder.schema == pa.schema([("symbol", pa.string()), ("qty", pa.int64()), ("ok", pa.bool_())])
    later = decoder.decode_block(_lines('{"qty": 2}'))
    assert later.batch.schema.names[:3] == ["symbol", "qty", "ok"]
    assert later.batch.column("symbol").to_pylist() == [None]


def test_a_field_first_seen_later_extends_the_schema() -> None:
    decoder = JsonDecoder()
    decoder.decode_block(_lines('{"symbol": "A"}'))
    decoded = decoder.decode_block(_lines('{"symbol": "B", "venue": "X"}'))
    assert decoder.schema.names == ["symbol", "venue"]
    assert decoded.batch.column("venue").to_pylist() == ["X"]


def test_ints_and_floats_in_one_block_become_float64() -> None:
    decoded = JsonDecoder().decode_block(_lines('{"price": 1}', '{"price": 1.5}'))
    assert decoded.batch.schema.field("price").type == pa.float64()
    assert decoded.batch.column("price").to_pylist() == [1.0, 1.5]


def test_an_int_column_widens_to_float64_when_a_later_block_has_floats() -> None:
    decoder = JsonDecoder()
    decoder.decode_block(_lines('{"price": 1}'))
    decoded = decoder.decode_block(_lines('{"price": 2.5}', '{"price": 3}'))
    assert decoder.schema.field("price").type == pa.float64()
    assert decoded.batch.column("price").to_pylist() == [2.5, 3.0]
    assert decoded.dead_letters.num_rows == 0


def test_iso_timestamps_stay_strings() -> None:
    decoded = JsonDecoder().decode_block(_lines('{"at": "2024-01-01T00:00:00"}'))
    assert decoded.batch.column("at").to_pylist() == ["2024-01-01T00:00:00"]


def test_bad_lines_become_dead_letters_and_good_lines_survive() -> None:
    decoder = JsonDecoder()
    decoder.decode_block(_lines('{"symbol": "A", "qty": 1}'))
    decoded = decoder.decode_block(
        _lines(
            '{"symbol": "B", "qty": 2}',
            "this is not json",
            "[1, 2]",
            '{"symbol": "C", "qty": "five"}',
            '{"symbol": "D", "qty": 4}',
            '{"symbol": ',
        )
    )
    assert decoded.batch.column("symbol").to_pylist() == ["B", "D"]
    assert decoded.batch.column(OFFSET).to_pylist() == [1, 5]
    dead = decoded.dead_letters.to_pylist()
    assert [row[RAW] for row in dead] == [
        "this is not json",
        "[1, 2]",
        '{"symbol": "C", "qty": "five"}',
        '{"symbol": ',
    ]
    assert [row[OFFSET] for row in dead] == [2, 3, 4, 6]
    assert dead[0][REASON].startswith("not JSON")
    assert dead[1][REASON] == "not a JSON object (got array)"
    assert dead[2][REASON] == "field 'qty': expected int64, got string"
    assert all(row[PARTITION] == 0 for row in dead)


def test_first_block_with_a_conflict_takes_the_type_most_values_fit() -> None:
    decoded = JsonDecoder().decode_block(_lines('{"qty": 1}', '{"qty": "x"}', '{"qty": 2.5}'))
    assert decoded.batch.column("qty").to_pylist() == [1.0, 2.5]
    assert decoded.dead_letters.column(REASON).to_pylist() == ["field 'qty': expected double, got string"]


def test_a_stray_string_on_the_first_line_is_the_one_dead_letter() -> None:
    decoded = JsonDecoder().decode_block(_lines('{"qty": "x"}', *(f'{{"qty": {i}}}' for i in range(5))))
    assert decoded.batch.column("qty").to_pylist() == [0, 1, 2, 3, 4]
    assert decoded.dead_letters.column(REASON).to_pylist() == ["field 'qty': expected int64, got string"]
    assert decoded.dead_letters.column(OFFSET).to_pylist() == [0]


def test_bad_system_fields_are_dead_letters() -> None:
    decoded = JsonDecoder().decode_block(
        _lines('{"a": 1, "_timestamp": "noon"}', '{"a": 2, "_partition": -1}', '{"a": 3, "_key": 7}')
    )
    assert decoded.batch.column("a").to_pylist() == [3]
    assert decoded.batch.column(KEY).to_pylist() == ["7"]
    reasons = decoded.dead_letters.column(REASON).to_pylist()
    assert "'_timestamp'" in reasons[0]
    assert "'_partition'" in reasons[1]


def test_projection_decodes_only_the_named_fields_case_insensitively() -> None:
    decoder = JsonDecoder(projection={"SYMBOL"})
    decoded = decoder.decode_block(_lines('{"symbol": "A", "price": 1}', '{"symbol": "B", "price": "bad"}'))
    assert decoded.batch.schema.names == ["symbol", KEY, TIMESTAMP, PARTITION, OFFSET]
    assert decoded.batch.column("symbol").to_pylist() == ["A", "B"]
    assert decoded.dead_letters.num_rows == 0
    again = decoder.decode_block(_lines('{"symbol": "C", "price": []}'))
    assert again.batch.column("symbol").to_pylist() == ["C"]


def test_projection_still_rejects_a_mistyped_projected_field() -> None:
    decoder = JsonDecoder(projection={"qty"})
    decoder.decode_block(_lines('{"qty": 1, "x": 1}'))
    decoded = decoder.decode_block(_lines('{"qty": "five", "x": "y"}', '{"qty": 2, "x": 2}'))
    assert decoded.batch.column("qty").to_pylist() == [2]
    assert decoded.dead_letters.column(REASON).to_pylist() == ["field 'qty': expected int64, got string"]


def test_messages_take_system_columns_from_metadata_except_a_timestamp_in_the_value() -> None:
    decoded = JsonDecoder().decode_messages(
        [b'{"symbol": "A", "_timestamp": 1, "_partition": 9}', b'{"symbol": "B"}'],
        keys=[b"k", None],
        timestamps=[10, 20],
        partitions=[2, 3],
        offsets=[100, 7],
    )
    assert decoded.batch.to_pydict() == {
        "symbol": ["A", "B"],
        KEY: ["k", None],
        TIMESTAMP: [1, 20],
        PARTITION: [2, 3],
        OFFSET: [100, 7],
    }


def test_bad_messages_are_dead_letters_with_their_metadata() -> None:
    decoded = JsonDecoder().decode_messages(
        [b'{"symbol": "A"}', None, b'{"symbol":\n "Z"}', b"oops"],
        keys=["a", "b", "c", "d"],
        timestamps=[1, 2, 3, 4],
        partitions=[0, 1, 0, 1],
        offsets=[5, 6, 7, 8],
    )
    assert decoded.batch.column("symbol").to_pylist() == ["A", "Z"]
    assert decoded.batch.column(OFFSET).to_pylist() == [5, 7]
    dead = decoded.dead_letters.to_pylist()
    assert [(row[KEY], row[PARTITION], row[OFFSET]) for row in dead] == [("b", 1, 6), ("d", 1, 8)]
    assert dead[0][REASON] == "empty value"


@pytest.mark.parametrize("rows", [1, 7, 50])
def test_output_does_not_depend_on_how_lines_are_cut_into_blocks(rows: int) -> None:
    lines = [f'{{"i": {i}, "v": {i * 0.5 if i % 3 else i}, "_partition": {i % 2}}}' for i in range(50)]
    lines[13] = "garbage"
    decoder = JsonDecoder()
    batches, dead = [], []
    for start in range(0, len(lines), rows):
        decoded = decoder.decode_block(_lines(*lines[start : start + rows]))
        batches.append(decoded.batch)
        dead.append(decoded.dead_letters)
    table = pa.Table.from_batches(
        [b.select(["i", PARTITION, OFFSET]) for b in batches if b.num_columns and "i" in b.schema.names]
    )
    assert table.column("i").to_pylist() == [i for i in range(50) if i != 13]
    whole = JsonDecoder().decode_block(_lines(*lines))
    assert table.column(OFFSET).to_pylist() == whole.batch.column(OFFSET).to_pylist()
    assert sum(t.num_rows for t in dead) == 1


def test_messages_with_a_bad_value_keep_the_value_timestamps_of_the_good_ones() -> None:
    decoded = JsonDecoder().decode_messages(
        [b'{"symbol": "A", "_timestamp": 0}', b"not json", b'{"symbol": "B"}'],
        keys=[None, None, None],
        timestamps=[10, 20, 30],
        partitions=[0, 0, 0],
        offsets=[0, 1, 2],
    )
    assert decoded.batch.column(TIMESTAMP).to_pylist() == [0, 30]
    assert decoded.dead_letters.num_rows == 1


def test_a_value_that_is_not_utf8_is_a_dead_letter_with_its_bytes_escaped() -> None:
    decoded = JsonDecoder().decode_messages(
        [b'{"a": "x"}', b'{"a": "\xff"}'],
        keys=[None, None],
        timestamps=[1, 2],
        partitions=[0, 0],
        offsets=[0, 1],
    )
    assert decoded.batch.to_pydict()["a"] == ["x"]
    dead = decoded.dead_letters.to_pylist()
    assert [(row[RAW], row[OFFSET]) for row in dead] == [('{"a": "\\xff"}', 1)]
    assert "UTF-8" in dead[0][REASON]
    assert JsonDecoder().decode_block(b'{"a": "x"}\n{"a": "\xff"}\n').batch.to_pydict()["a"] == ["x"]


def test_a_byte_order_mark_at_the_start_of_a_file_is_skipped_on_the_line_by_line_path_too() -> None:
    decoded = JsonDecoder().decode_block(b'\xef\xbb\xbf{"a": 1}\nnot json\n')
    assert (decoded.batch.column("a").to_pylist(), decoded.dead_letters.num_rows) == ([1], 1)


@pytest.mark.parametrize("depth", [65, 1_000])
def test_a_record_nested_too_deeply_is_a_dead_letter_and_its_neighbours_decode(depth: int) -> None:
    deep = '{"a": 1, "b": ' + "[" * depth + "]" * depth + "}"
    decoded = JsonDecoder().decode_block(_lines('{"a": 2}', deep, '{"a": 3}'))
    assert decoded.batch.column("a").to_pylist() == [2, 3]
    assert decoded.dead_letters.column(REASON).to_pylist() == ["nested deeper than 64 levels"]
