"""Producer to consumer round trips through the embedded broker, for every consumer tier."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

import pyarrow as pa
import pytest
from confluent_kafka import Consumer, KafkaError

from vsql.engine.settings import ConsumerTier
from vsql.io.formats.json import JsonDecoder
from vsql.io.kafka import consumer as consumer_module
from vsql.io.kafka.brokers import EmbeddedBroker
from vsql.io.kafka.committed import Committed
from vsql.io.kafka.consumer import TopicConsumer, _commit_error
from vsql.io.kafka.errors import BrokerError, RebalancingError, TopicNotFoundError
from vsql.io.kafka.producer import JsonProducer
from vsql.io.kafka.tiers import DedicatedFetcher
from vsql.io.partitioner import key_partition


def read_all(consumer: TopicConsumer) -> tuple[pa.Table, pa.Table]:
    """Every row and dead letter until caught up. Batches fetched before a field was first seen
    lack its column (partitions are fetched in no fixed order), so columns are unified by name."""
    decoded = list(consumer.batches(until_caught_up=True))
    tables = [pa.Table.from_batches([d.batch]) for d in decoded]
    rows = pa.concat_tables(tables, promote_options="permissive") if decoded else pa.table({})
    dead = pa.concat_tables([d.dead_letters for d in decoded]) if decoded else pa.table({})
    return rows, dead


@pytest.mark.parametrize("tier", list(ConsumerTier))
def test_every_tier_reads_back_all_messages_with_their_metadata(
    broker: EmbeddedBroker,
    topic_factory: Callable[[int], str],
    trades_factory: Callable[[int], pa.RecordBatch],
    tier: ConsumerTier,
) -> None:
    topic = topic_factory(4)
    producer = JsonProducer(broker.client_config)
    producer.produce_batch(topic, trades_factory(500))
    producer.produce_values(topic, [b"not json", b'{"qty": "many"}'], keys=["bad", "bad"], timestamps=[7, 8])
    producer.flush()
    schema = pa.schema([("symbol", pa.string()), ("price", pa.float64()), ("qty", pa.int64())])
    with TopicConsumer(
        broker.consumer_config,
        topic,
        group_id=f"g-{topic}",
        decoder=JsonDecoder(schema=schema),
        tier=tier,
        batch_size=64,
    ) as consumer:
        rows, dead = read_all(consumer)
        assert consumer.caught_up
    assert rows.num_rows == 500
    assert rows.column_names == ["symbol", "price", "qty", "_key", "_timestamp", "_partition", "_offset"]
    by_qty = rows.sort_by("qty").to_pydict()
    assert by_qty["qty"] == list(range(500))
    assert by_qty["_key"] == [f"K{i % 5}" for i in range(500)]
    assert by_qty["_timestamp"] == [1_000 + i for i in range(500)]
    assert by_qty["price"] == [10.0 + i / 4 for i in range(500)]
    assert by_qty["_partition"] == [key_partition(f"K{i % 5}".encode(), 4) for i in range(500)]
    for partition in range(4):
        offsets = rows.filter(pa.compute.equal(rows["_partition"], partition))["_offset"].to_pylist()
        assert offsets == list(range(len(offsets)))
    assert sorted(dead["_raw"].to_pylist()) == ["not json", '{"qty": "many"}']
    assert all(reason for reason in dead["_reason"].to_pylist())


def test_explicit_partitions_timestamps_and_tombstones(
    broker: EmbeddedBroker, topic_factory: Callable[[int], str]
) -> None:
    topic = topic_factory(3)
    batch = pa.record_batch(
        {
            "_partition": pa.array([2, 0, 1, 2], pa.int32()),
            "ts": pa.array([5_000, 6_000, 7_000, 8_000], pa.int64()),
            "name": ["a", "b", "c", "d"],
        }
    )
    producer = JsonProducer(broker.client_config)
    producer.produce_batch(
        topic, batch, key_column="name", timestamp_column="ts", tombstones=[False, False, True, False]
    )
    producer.flush()
    with TopicConsumer(
        broker.consumer_config, topic, group_id=f"g-{topic}", decoder=JsonDecoder()
    ) as consumer:
        rows, dead = read_all(consumer)
    got = rows.sort_by("_timestamp").to_pydict()
    assert got["name"] == ["a", "b", "d"]
    assert got["_partition"] == [2, 0, 2]
    assert got["_timestamp"] == [5_000, 6_000, 8_000]
    assert dead.to_pydict()["_key"] == ["c"]
    assert dead.to_pydict()["_partition"] == [1]


def test_commit_then_a_new_member_of_the_group_resumes_there(
    broker: EmbeddedBroker,
    topic_factory: Callable[[int], str],
    trades_factory: Callable[[int], pa.RecordBatch],
) -> None:
    topic = topic_factory(2)
    producer = JsonProducer(broker.client_config)
    producer.produce_batch(topic, trades_factory(100), partition_column=None, key_column=None)
    producer.produce_values(topic, [b'{"qty": 1000}', b'{"qty": 1001}'], partitions=[0, 1])
    producer.flush()
    group = f"g-{topic}"
    with TopicConsumer(broker.consumer_config, topic, group_id=group, decoder=JsonDecoder()) as first:
        rows, _ = read_all(first)
        ends = first.positions()
        assert sum(ends.values()) == 102
        first.commit({p: end - 1 for p, end in ends.items()})
        assert first.committed() == {p: Committed(end - 1) for p, end in ends.items()}
    with TopicConsumer(broker.consumer_config, topic, group_id=group, decoder=JsonDecoder()) as second:
        resumed, _ = read_all(second)
    assert sorted(resumed["qty"].to_pylist()) == [1000, 1001]
    assert rows.num_rows == 102


def test_dedicated_tier_queue_is_bounded(
    broker: EmbeddedBroker,
    topic_factory: Callable[[int], str],
    trades_factory: Callable[[int], pa.RecordBatch],
) -> None:
    topic = topic_factory(1)
    producer = JsonProducer(broker.client_config)
    producer.produce_batch(topic, trades_factory(2_000))
    producer.flush()
    with TopicConsumer(
        broker.consumer_config,
        topic,
        group_id=f"g-{topic}",
        decoder=JsonDecoder(),
        tier=ConsumerTier.DEDICATED,
        batch_size=10,
        queue_chunks=3,
    ) as consumer:
        fetcher = consumer._fetcher
        assert isinstance(fetcher, DedicatedFetcher)
        deadline = time.monotonic() + 10
        while fetcher.queued < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)
        assert fetcher.queued == 3
        assert consumer.lag(cached=False) == {0: 2_000}
        rows, _ = read_all(consumer)
        assert consumer.lag() == {0: 0}
    assert rows.num_rows == 2_000
    assert not fetcher._thread.is_alive()


def test_missing_topic_fails_clearly_and_can_be_waited_for(broker: EmbeddedBroker) -> None:
    with pytest.raises(
        TopicNotFoundError, match=f"topic 'absent' does not exist on the broker at {broker.bootstrap}"
    ):
        TopicConsumer(broker.consumer_config, "absent", group_id="g-absent", decoder=JsonDecoder())
    assert "absent" not in broker.topics()
    with pytest.raises(TopicNotFoundError):
        TopicConsumer(
            broker.consumer_config, "absent", group_id="g-absent", decoder=JsonDecoder(), wait_for_topic_s=0.3
        )
    broker.create_topic("appears", 2)
    with TopicConsumer(
        broker.consumer_config, "appears", group_id="g-appears", decoder=JsonDecoder(), wait_for_topic_s=5
    ) as consumer:
        assert consumer.partition_count == 2


def test_records_expired_before_they_were_read_are_counted(
    broker: EmbeddedBroker, topic_factory: Callable[[int], str]
) -> None:
    topic = topic_factory(1)
    producer = JsonProducer(broker.client_config, overrides={"compression.type": "none", "linger.ms": "0"})
    producer.produce_values(topic, [b'{"n": 0}'])
    producer.flush()
    group = f"g-{topic}"
    with TopicConsumer(broker.consumer_config, topic, group_id=group, decoder=JsonDecoder()) as first:
        read_all(first)
        first.commit(first.positions())
    payload = b'{"pad": "' + os.urandom(5_000).hex().encode() + b'"}'
    for _ in range(60):
        producer.produce_values(topic, [payload] * 10)
        producer.flush()
    low, high = _watermarks(broker, topic)
    assert low > 1
    with TopicConsumer(broker.consumer_config, topic, group_id=group, decoder=JsonDecoder()) as second:
        rows, _ = read_all(second)
        assert second.expired() == {0: low - 1}
        assert second.expired_count == low - 1
    assert rows.num_rows == high - low


def _watermarks(broker: EmbeddedBroker, topic: str) -> tuple[int, int]:
    from confluent_kafka import TopicPartition  # noqa: PLC0415

    probe = Consumer({**broker.client_config, "group.id": "probe"})
    try:
        return probe.get_watermark_offsets(TopicPartition(topic, 0), timeout=5)
    finally:
        probe.close()


class _StuckClient:
    """Stands in for a librdkafka client whose close hangs: until released, or 5 s at most (so a
    close that waits for it fails the test instead of hanging it)."""

    def __init__(self, client: Consumer) -> None:
        self.client = client
        self.release = threading.Event()

    def close(self) -> None:
        self.release.wait(5.0)
        self.client.close()


def test_close_gives_up_on_a_client_that_never_leaves_its_group(
    broker: EmbeddedBroker,
    topic_factory: Callable[[int], str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(consumer_module, "CLOSE_WAIT_S", 0.2)
    topic = topic_factory(1)
    consumer = TopicConsumer(broker.consumer_config, topic, group_id=f"g-{topic}", decoder=JsonDecoder())
    stuck = _StuckClient(consumer._consumer)
    consumer._consumer = stuck
    started = time.monotonic()
    consumer.close()
    try:
        assert time.monotonic() - started < 2.0
        assert f"consumer of {topic} did not leave its group" in caplog.text
    finally:
        stuck.release.set()


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (KafkaError.REBALANCE_IN_PROGRESS, RebalancingError),
        (KafkaError.ILLEGAL_GENERATION, RebalancingError),
        (KafkaError.UNKNOWN_MEMBER_ID, RebalancingError),
        (KafkaError.OFFSET_METADATA_TOO_LARGE, BrokerError),
        (KafkaError._TRANSPORT, BrokerError),
    ],
)
def test_a_commit_refused_by_a_rebalancing_group_is_told_apart(code: int, kind: type[BrokerError]) -> None:
    """Workers log those at INFO: during a rebalance they are expected, and the next owner resumes."""
    assert _commit_error(KafkaError(code)) is kind
