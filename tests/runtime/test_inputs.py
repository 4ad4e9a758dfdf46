"""A query's input: the bound file or the topic, and the fields a query may name from it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from vsql.engine.sql.plan import LogicalPlan
from vsql.engine.sql.statements import compile_query
from vsql.io.kafka.brokers import EmbeddedBroker
from vsql.io.kafka.producer import JsonProducer
from vsql.runtime import bind_input
from vsql.runtime.inputs import SCHEMA_TTL_S, SourceSchemas

SQL = "SELECT symbol, COUNT(*) AS n FROM trades GROUP BY symbol WINDOW TUMBLING(1s) EMIT FINAL"


def test_bind_input_matches_topic_names_case_insensitively(tmp_path: Path) -> None:
    plan = compile_query(SQL)
    assert bind_input(plan, {"TRADES": tmp_path}) == tmp_path
    assert bind_input(plan, {"orders": tmp_path}) is None


def test_a_bound_file_gives_its_first_blocks_value_fields(tmp_path: Path) -> None:
    path = tmp_path / "trades.ndjson"
    path.write_text('{"symbol": "A", "price": 1.5}\n')
    schemas = SourceSchemas({"trades": path}, lambda: None)
    schema = schemas.of(compile_query(SQL))
    assert schema is not None and schema.names == ["symbol", "price"]


def test_without_file_or_broker_nothing_is_known() -> None:
    assert SourceSchemas({}, lambda: None).of(compile_query(SQL)) is None


def test_a_topics_sample_is_kept_for_the_ttl_then_taken_again(
    broker: EmbeddedBroker, topic_factory: Callable[..., str]
) -> None:
    topic = topic_factory(1, {0: [{"symbol": "A"}]})
    now = [0.0]
    schemas = SourceSchemas({}, lambda: broker, clock=lambda: now[0])
    plan = compile_query(SQL.replace("FROM trades", f"FROM {topic}"))
    assert _names(schemas, plan) == ["symbol"]

    producer = JsonProducer(broker.client_config)
    producer.produce_values(topic, [json.dumps({"symbol": "B", "venue": "X"}).encode()])
    producer.flush()
    now[0] = SCHEMA_TTL_S - 1
    assert _names(schemas, plan) == ["symbol"], "a fresh sample is not taken again"
    now[0] = SCHEMA_TTL_S + 1
    assert _names(schemas, plan) == ["symbol", "venue"]


def _names(schemas: SourceSchemas, plan: LogicalPlan) -> list[str]:
    schema = schemas.of(plan)
    assert schema is not None
    return schema.names
