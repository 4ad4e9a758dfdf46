"""Choosing a decoder by format: one table, typed protocols, clear errors for what is not there."""

from __future__ import annotations

import pyarrow as pa
import pytest

from vsql.engine.errors import UnsupportedError
from vsql.io.errors import InputError
from vsql.io.formats import BlockDecoder, CsvDecoder, Format, JsonDecoder, MessageDecoder
from vsql.io.formats.decoder import block_decoder, message_decoder


@pytest.mark.parametrize(
    ("name", "kind"), [("json", JsonDecoder), ("ndjson", JsonDecoder), (" CSV ", CsvDecoder)]
)
def test_each_file_format_gets_its_block_decoder(name: str, kind: type) -> None:
    decoder = block_decoder(name, projection={"a"})
    assert type(decoder) is kind
    assert isinstance(decoder, BlockDecoder)


def test_block_decoders_decode_their_format_with_the_projection() -> None:
    csv = block_decoder(Format.CSV, projection={"a"}).decode_block(b"a,b\n1,2\n")
    json = block_decoder(Format.JSON, projection={"a"}).decode_block(b'{"a": 1, "b": 2}\n')
    assert csv.batch.column("a").to_pylist() == json.batch.column("a").to_pylist() == [1]
    assert "b" not in csv.batch.schema.names
    assert "b" not in json.batch.schema.names


def test_a_message_decoder_takes_the_known_schema() -> None:
    schema = pa.schema([("price", pa.float64())])
    decoder = message_decoder(Format.JSON, projection={"price"}, schema=schema)
    assert isinstance(decoder, MessageDecoder)
    decoded = decoder.decode_messages(
        [b'{"price": 1, "qty": 2}'], keys=[None], timestamps=[5], partitions=[0], offsets=[9]
    )
    assert decoded.batch.schema.field("price").type == pa.float64()
    assert decoder.schema == schema


@pytest.mark.parametrize("select", [block_decoder, message_decoder])
def test_an_unknown_format_names_the_formats(select: object) -> None:
    with pytest.raises(InputError, match=r"unknown input format 'avro'; formats are json, csv"):
        select("avro")  # type: ignore[operator]


def test_csv_values_from_kafka_are_refused_when_the_decoder_is_chosen() -> None:
    with pytest.raises(
        UnsupportedError, match=r"CSV values are not supported for Kafka topics yet; supported: json"
    ):
        message_decoder("csv", projection={"a"})
    assert not isinstance(CsvDecoder(), MessageDecoder)
