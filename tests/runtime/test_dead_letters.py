"""Dead letters through Kafka: bad records and late rows go to the ``dlq.topic`` topic with their
reason in a header, and the query keeps running."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa

from vsql.io.kafka.brokers import EmbeddedBroker
from vsql.io.kafka.producer import JsonProducer
from vsql.runtime import JobState, Runtime
from vsql.runtime.sinks import REASON_HEADER

QUERY = (
    "SELECT symbol, COUNT(*) AS n, SUM(price) AS total FROM {topic} GROUP BY symbol WINDOW TUMBLING(ts, 1s)"
)


def _trades_with_bad_records(topic_factory: Callable[..., str]) -> str:
    return topic_factory(
        1,
        {
            0: [
                {"symbol": "A", "price": 1.0, "ts": 1_000},
                b"not json",
                {"symbol": "B", "price": "high", "ts": 1_500},
                {"symbol": "A", "price": 2.0, "ts": 5_000},
                {"symbol": "A", "price": 3.0, "ts": 1_200},
                {"symbol": "B", "price": 4.0, "ts": 6_000},
            ]
        },
    )


def test_rejected_records_go_to_the_dlq_topic_with_their_reason(
    topic_factory: Callable[..., str], read_topic: Callable[[str], list[Any]], broker: EmbeddedBroker
) -> None:
    topic = _trades_with_bad_records(topic_factory)
    runtime = Runtime(broker=broker, properties={"scan.bounded.mode": "latest-offset"})
    tables: list[pa.Table] = []
    runtime.run(runtime.prepare(f"SET 'dlq.topic' = '{topic}_bad'"))
    stats = runtime.run(runtime.prepare(QUERY.format(topic=topic)), on_rows=tables.append).counters
    runtime.close()

    rows = pa.concat_tables(tables).to_pylist()
    assert rows == [
        {"symbol": "A", "n": 1, "total": 1.0},
        {"symbol": "A", "n": 1, "total": 2.0},
        {"symbol": "B", "n": 1, "total": 4.0},
    ]
    assert stats is not None
    assert (stats.records_in, stats.dead_letter_count, stats.late_count) == (4, 3, 1)

    dead = read_topic(f"{topic}_bad")
    assert len(dead) == stats.dead_letter_count
    assert [message.value for message in dead[:2]] == [
        b"not json",
        b'{"symbol": "B", "price": "high", "ts": 1500}',
    ]
    assert dead[2].fields == {"symbol": "A", "price": 3.0, "ts": 1200}
    reasons = [message.headers[REASON_HEADER].decode() for message in dead]
    assert reasons[0].startswith("not JSON")
    assert "price" in reasons[1]
    assert reasons[2].startswith("late")
    assert [message.headers["source.offset"] for message in dead] == [b"1", b"2", b"4"]
    assert [message.key for message in dead] == ["k1", "k2", "k4"]


def test_background_query_with_dlq_topic_in_with_dead_letters_and_keeps_writing(
    topic_factory: Callable[..., str], read_topic: Callable[[str], list[Any]], broker: EmbeddedBroker
) -> None:
    topic = _trades_with_bad_records(topic_factory)
    runtime = Runtime(broker=broker, properties={"scan.bounded.mode": "latest-offset"})
    select = QUERY.format(topic=topic)
    outcome = runtime.run(
        runtime.prepare(f"CREATE STREAM {topic}_out AS {select} WITH ('dlq.topic' = '{topic}_dlq')")
    )
    assert outcome.job_id is not None and runtime.wait_for(outcome.job_id, 30)
    job = runtime.job(outcome.job_id)
    runtime.close()
    assert job is not None and job.state is JobState.DONE
    assert job.counters.dead_letter_count == 3
    assert len(read_topic(f"{topic}_out")) == 3
    assert [m.headers[REASON_HEADER].decode()[:4] for m in read_topic(f"{topic}_dlq")] == [
        "not ",
        "fiel",
        "late",
    ]


def test_produce_values_sends_headers_per_message(
    topic_factory: Callable[..., str], read_topic: Callable[[str], list[Any]], broker: EmbeddedBroker
) -> None:
    topic = topic_factory(1)
    producer = JsonProducer(broker.client_config)
    producer.produce_values(topic, [b"1", b"2"], headers=[[("reason", b"why"), ("n", b"1")], None])
    producer.flush()
    assert [message.headers for message in read_topic(topic)] == [{"reason": b"why", "n": b"1"}, {}]
