"""At-least-once delivery: a query killed with SIGKILL mid-topic and restarted in the same consumer
group produces, once exact duplicates are removed, the results of an uninterrupted run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

from vsql.datagen import EventSpec, generate
from vsql.io.formats.json import JsonDecoder
from vsql.io.kafka.brokers import EmbeddedBroker
from vsql.io.kafka.consumer import TopicConsumer
from vsql.io.kafka.producer import JsonProducer

SCRIPT = Path(__file__).with_name("killable_query.py")
RECORDS = 60_000
VALUE_FIELDS = ["symbol", "trades", "volume", "ws"]


@pytest.fixture(scope="module")
def broker() -> EmbeddedBroker:
    embedded = EmbeddedBroker()
    embedded.create_topic("trades", 3)
    producer = JsonProducer(embedded.client_config)
    for batch in generate(EventSpec(count=RECORDS, keys=20, seed=4, start_ms=1_000)):
        producer.produce_batch("trades", batch, key_column="symbol")
    producer.flush()
    yield embedded
    embedded.close()


class _Ended(NamedTuple):
    code: int
    records_read: int | None
    log: str


def _run(broker: EmbeddedBroker, sink: str, group: str, *, kill_after: int | None = None) -> _Ended:
    """How the query process ended: its exit code, how many records it read (when it ended
    normally) and what it logged."""
    command = [sys.executable, str(SCRIPT), broker.bootstrap, "trades", sink, group]
    if kill_after is not None:
        command += ["--kill-after", str(kill_after)]
    done = subprocess.run(command, check=False, timeout=120, capture_output=True, text=True)
    return _Ended(done.returncode, int(done.stdout) if done.returncode == 0 else None, done.stderr)


def _results(broker: EmbeddedBroker, topic: str) -> list[tuple]:
    consumer = TopicConsumer(broker.consumer_config, topic, group_id=f"reader-{topic}", decoder=JsonDecoder())
    rows = []
    for decoded in consumer.batches(until_caught_up=True):
        rows += [tuple(sorted(row.items())) for row in decoded.batch.select(VALUE_FIELDS).to_pylist()]
    consumer.close()
    return rows


def test_killed_and_restarted_query_loses_nothing(broker: EmbeddedBroker) -> None:
    assert _run(broker, "uninterrupted", "group-a")[:2] == (0, RECORDS)
    expected = _results(broker, "uninterrupted")
    assert len(expected) > 1000

    killed = _run(broker, "restarted", "group-b", kill_after=RECORDS // 2)
    assert killed[:2] == (-9, None), killed.log
    first_part = len(_results(broker, "restarted"))
    restarted = _run(broker, "restarted", "group-b")
    assert restarted.code == 0, restarted.log
    read_after_restart = restarted.records_read
    assert read_after_restart is not None and read_after_restart < RECORDS, (
        f"nothing was committed; killed run's log:\n{killed.log}\nrestarted run's log:\n{restarted.log}"
    )

    combined = _results(broker, "restarted")
    assert len(combined) > first_part
    assert sorted(set(combined)) == sorted(expected)
    assert len(set(expected)) == len(expected)
