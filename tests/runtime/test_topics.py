"""Reading a topic outside a query: DESCRIBE's field statistics and PRINT's rows, bad messages included."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pyarrow as pa

from vsql.engine.columns import KEY, OFFSET, PARTITION, TIMESTAMP
from vsql.io.kafka.brokers import EmbeddedBroker
from vsql.runtime.topics import ERROR, describe_topic, tail_topic


def test_describe_shows_the_share_of_values_of_another_type(
    broker: EmbeddedBroker, topic_factory: Callable[..., str]
) -> None:
    values: list[dict | bytes] = [
        {"symbol": "A", "price": 10 + i if i % 2 == 0 else f"p{i}", "venue": None if i < 3 else "X"}
        for i in range(10)
    ]
    topic = topic_factory(1, {0: [*values, b"not json"]})
    fields = {field.name: field for field in describe_topic(broker, topic)}
    assert fields["price"].type == "int64 (50% string)"
    assert fields["price"].null_fraction == 0.0
    assert fields["price"].example == "10"
    assert (fields["venue"].type, fields["venue"].null_fraction) == ("string", 0.3)
    assert (fields["symbol"].type, fields["symbol"].null_fraction) == ("string", 0.0)


def test_print_shows_undecodable_messages_where_they_sit(
    broker: EmbeddedBroker, topic_factory: Callable[..., str]
) -> None:
    topic = topic_factory(1, {0: [{"a": "x"}, b"not json\n", b'{"a": "\xff"}', {"a": "y"}]})
    shown: list[pa.Table] = []
    last_seen = threading.Event()

    def on_rows(rows: pa.Table) -> None:
        shown.append(rows)
        if 3 in rows.column(OFFSET).to_pylist():
            last_seen.set()

    tail_topic(broker, topic, from_beginning=True, limit=None, on_rows=on_rows, cancel=last_seen)
    rows = pa.concat_tables(shown, promote_options="permissive")
    assert rows.column_names == [TIMESTAMP, PARTITION, OFFSET, KEY, "a", ERROR]
    assert rows.column(OFFSET).to_pylist() == [0, 1, 2, 3]
    assert rows.column("a").to_pylist() == ["x", None, None, "y"]
    errors = rows.column(ERROR).to_pylist()
    assert errors[0] is None and errors[3] is None
    assert errors[1].startswith("not JSON: ") and errors[1].endswith("; raw: not json\\n")
    assert "UTF-8" in errors[2] and errors[2].endswith('; raw: {"a": "\\xff"}')
