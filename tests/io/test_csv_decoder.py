"""CsvDecoder: same output contract as the JSON decoder."""

from __future__ import annotations

import pyarrow as pa

from vsql.engine.columns import KEY, OFFSET, PARTITION, REASON, TIMESTAMP
from vsql.io.formats.csv import CsvDecoder
from vsql.io.formats.decoded import RAW


def test_header_types_and_system_columns() -> None:
    decoded = CsvDecoder().decode_block(b"symbol,price,_timestamp,_key\nA,1,5,k\nB,2.5,6,\n")
    batch = decoded.batch
    assert batch.schema.names == ["symbol", "price", KEY, TIMESTAMP, PARTITION, OFFSET]
    assert batch.schema.field("price").type == pa.float64()
    assert batch.to_pydict()[TIMESTAMP] == [5, 6]
    assert batch.to_pydict()[KEY] == ["k", None]
    assert batch.to_pydict()[OFFSET] == [0, 1]


def test_later_blocks_reuse_the_header_and_types() -> None:
    decoder = CsvDecoder()
    decoder.decode_block(b"symbol,qty\nA,1\n")
    decoded = decoder.decode_block(b"B,2\nC,3.5\n")
    assert decoded.batch.column("qty").to_pylist() == [2.0, 3.5]
    assert decoded.batch.column(OFFSET).to_pylist() == [1, 2]


def test_mistyped_values_and_short_rows_are_dead_letters() -> None:
    decoder = CsvDecoder()
    decoder.decode_block(b"symbol,qty\nA,1\n")
    decoded = decoder.decode_block(b"B,x\nC,3\nD\n")
    assert decoded.batch.column("symbol").to_pylist() == ["C"]
    reasons = decoded.dead_letters.column(REASON).to_pylist()
    assert reasons == ["field 'qty': expected int64, got 'x'", "expected 2 fields, got 1"]


def test_projection_skips_other_columns() -> None:
    decoded = CsvDecoder(projection={"Symbol"}).decode_block(b"symbol,qty\nA,x\n")
    assert decoded.batch.schema.names == ["symbol", KEY, TIMESTAMP, PARTITION, OFFSET]
    assert decoded.dead_letters.num_rows == 0


def test_a_word_among_numbers_in_a_new_column_is_a_dead_letter() -> None:
    rows = [f"A,{price}" for price in range(10)]
    rows.insert(4, "B,abc")
    decoded = CsvDecoder().decode_block(("symbol,price\n" + "\n".join(rows) + "\n").encode())
    assert decoded.batch.schema.field("price").type == pa.int64()
    assert decoded.batch.column("price").to_pylist() == list(range(10))
    assert decoded.dead_letters.column(REASON).to_pylist() == ["field 'price': expected int64, got 'abc'"]
    assert decoded.dead_letters.column(OFFSET).to_pylist() == [4]


def test_a_new_column_of_integers_and_fractions_with_a_word_is_float64() -> None:
    decoded = CsvDecoder().decode_block(b"price\n1\n2.5\nabc\n3\n")
    assert decoded.batch.column("price").to_pylist() == [1.0, 2.5, 3.0]
    assert decoded.dead_letters.column(REASON).to_pylist() == ["field 'price': expected double, got 'abc'"]


def test_a_column_of_mostly_words_stays_text() -> None:
    decoded = CsvDecoder().decode_block(b"code\nA1\n7\nB2\n")
    assert decoded.batch.schema.field("code").type == pa.string()
    assert decoded.batch.column("code").to_pylist() == ["A1", "7", "B2"]
    assert decoded.dead_letters.num_rows == 0


def test_an_int_column_meeting_a_fraction_and_a_word_widens_and_rejects_the_word() -> None:
    decoder = CsvDecoder()
    decoder.decode_block(b"symbol,qty\nA,1\n")
    decoded = decoder.decode_block(b"B,x\nC,2.5\nD,y\n")
    assert decoded.batch.column("qty").to_pylist() == [2.5]
    assert decoder.schema.field("qty").type == pa.float64()
    reasons = decoded.dead_letters.column(REASON).to_pylist()
    assert reasons == ["field 'qty': expected double, got 'x'", "field 'qty': expected double, got 'y'"]


def test_a_value_that_is_not_utf8_is_a_dead_letter_with_its_bytes_escaped() -> None:
    decoder = CsvDecoder()
    first = decoder.decode_block(b"name,qty\nA,1\nCaf\xe9,2\nB,3\n")
    assert first.batch.schema.field("name").type == pa.string()
    assert first.batch.column("name").to_pylist() == ["A", "B"]
    assert first.dead_letters.column(RAW).to_pylist() == ["Caf\\xe9,2"]
    reasons = first.dead_letters.column(REASON).to_pylist()
    assert reasons == ["field 'name': expected UTF-8 text, got 'Caf\\xe9'"]
    later = decoder.decode_block(b"D\xff,4\nE,5\n")
    assert later.batch.column("name").to_pylist() == ["E"]
    assert later.dead_letters.column(OFFSET).to_pylist() == [3]


def test_a_byte_order_mark_before_the_header_is_not_part_of_the_first_name() -> None:
    decoded = CsvDecoder().decode_block(b"\xef\xbb\xbfsymbol,qty\nA,1\n")
    assert decoded.batch.column("symbol").to_pylist() == ["A"]


def test_an_integer_beyond_int64_in_an_int64_column_is_a_dead_letter_with_its_value_cut_short() -> None:
    decoder = CsvDecoder()
    decoder.decode_block(b"qty\n1\n2\n")
    huge = "9" * 5_000
    decoded = decoder.decode_block(f"3\n{huge}\n9223372036854775807\n-9223372036854775809\n".encode())
    assert decoded.batch.column("qty").to_pylist() == [3, 9223372036854775807]
    reasons = decoded.dead_letters.column(REASON).to_pylist()
    assert len(reasons) == 2 and all(reason.startswith("field 'qty': expected int64") for reason in reasons)
    assert max(len(reason) for reason in reasons) < 120


def test_a_column_half_numbers_is_numeric_and_the_rest_are_dead_letters() -> None:
    decoded = CsvDecoder().decode_block(b"qty\n1\nabc\n")
    assert decoded.batch.column("qty").to_pylist() == [1]
    assert decoded.dead_letters.num_rows == 1


def test_empty_fields_beside_a_bad_value_are_nulls_not_a_crash() -> None:
    decoded = CsvDecoder().decode_block(b"symbol,qty\nA,1\n,\nB,x\nC,2\n")
    assert decoded.batch.column("qty").to_pylist() == [1, None, 2]
    assert decoded.dead_letters.column(REASON).to_pylist() == ["field 'qty': expected int64, got 'x'"]
