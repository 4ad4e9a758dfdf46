"""A query's input: the bound file or the topic, and the fields a query may name from it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa

from vsql.engine.settings import QuerySettings
from vsql.io.kafka.brokers import EmbeddedBroker
from vsql.io.kafka.producer import JsonProducer
from vsql.runtime.inputs import SCHEMA_TTL_S, BoundFile, SourceSchemas, bound_files

SETTINGS = QuerySettings()


def test_bound_files_match_source_names_case_insensitively(tmp_path: Path) -> None:
    files = bound_files({"TRADES": tmp_path / "t.ndjson"})
    assert list(files) == ["trades"] and files["trades"].path == tmp_path / "t.ndjson"


def test_a_bound_file_gives_its_first_blocks_value_fields(tmp_path: Path) -> None:
    path = tmp_path / "trades.ndjson"
    path.write_text('{"symbol": "A", "price": 1.5}\n')
    schemas = SourceSchemas(bound_files({"trades": path}), lambda: None)
    schema = schemas.of("Trades", SETTINGS)
    assert schema is not None and schema.names == ["symbol", "price"]


def test_a_bound_file_replays_its_first_block_from_memory_and_reads_the_rest_once(tmp_path: Path) -> None:
    path = tmp_path / "trades.ndjson"
    lines = [f'{{"_timestamp": {index}, "symbol": "S{index % 3}"}}\n' for index in range(200)]
    path.write_text("".join(lines))
    bound = BoundFile(path, block_bytes=1_000)
    assert bound.schema() is not None
    path.write_text("".join(lines[:5]))  # had the file been read again from its start, this shows
    blocks = list(bound.blocks(projection={"symbol"}))
    table = pa.Table.from_batches([decoded.batch for decoded in blocks])
    assert table.num_rows > 5 and blocks[0].batch.num_rows == table.num_rows, "the first block only"


def test_the_rest_of_a_bound_file_follows_its_first_block(tmp_path: Path) -> None:
    path = tmp_path / "trades.ndjson"
    path.write_text("".join(f'{{"_timestamp": {index}, "n": {index}}}\n' for index in range(200)))
    blocks = list(BoundFile(path, block_bytes=1_000).blocks())
    values = [value for decoded in blocks for value in decoded.batch.column("n").to_pylist()]
    assert len(blocks) > 1 and values == list(range(200))


def test_without_file_or_broker_nothing_is_known() -> None:
    assert SourceSchemas({}, lambda: None).of("trades", SETTINGS) is None


def test_a_topics_sample_is_kept_for_the_ttl_then_taken_again(
    broker: EmbeddedBroker, topic_factory: Callable[..., str]
) -> None:
    topic = topic_factory(1, {0: [{"symbol": "A"}]})
    now = [0.0]
    schemas = SourceSchemas({}, lambda: broker, clock=lambda: now[0])
    assert _names(schemas, topic) == ["symbol"]

    producer = JsonProducer(broker.client_config)
    producer.produce_values(topic, [json.dumps({"symbol": "B", "venue": "X"}).encode()])
    producer.flush()
    now[0] = SCHEMA_TTL_S - 1
    assert _names(schemas, topic) == ["symbol"], "a fresh sample is not taken again"
    now[0] = SCHEMA_TTL_S + 1
    assert _names(schemas, topic) == ["symbol", "venue"]


def _names(schemas: SourceSchemas, source: str) -> list[str]:
    schema = schemas.of(source, SETTINGS)
    assert schema is not None
    return schema.names


def test_a_first_block_of_dead_letters_tells_nothing_of_the_fields(tmp_path: Path) -> None:
    path = tmp_path / "trades.ndjson"
    path.write_text("not json\n")
    assert BoundFile(path).schema() is None, "no good row: no name is rejected for it"
