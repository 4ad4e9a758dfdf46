"""CsvDecoder: same output contract as the JSON decoder."""

from __future__ import annotations

import pyarrow as pa

from vsql.engine.columns import KEY, OFFSET, PARTITION, REASON, TIMESTAMP
from vsql.io.formats.csv import CsvDecoder


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
