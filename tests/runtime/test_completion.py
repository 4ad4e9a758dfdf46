"""GroupCompletion: a bounded read is complete once the group committed every partition's end."""

from __future__ import annotations

from vsql.io.formats.json import JsonDecoder
from vsql.io.kafka.brokers import EmbeddedBroker
from vsql.io.kafka.consumer import TopicConsumer
from vsql.io.kafka.producer import JsonProducer
from vsql.runtime.workers.completion import GroupCompletion


def test_done_only_once_every_partition_is_committed_to_its_end(broker: EmbeddedBroker) -> None:
    broker.create_topic("bounded", 2)
    producer = JsonProducer(broker.client_config)
    producer.produce_values("bounded", [b'{"n": 1}'] * 3, partitions=[0, 0, 1])
    producer.flush()
    completion = GroupCompletion(broker.consumer_config, "bounded", group_id="readers")
    try:
        with TopicConsumer(
            broker.consumer_config, "bounded", group_id="readers", decoder=JsonDecoder()
        ) as consumer:
            list(consumer.batches(until_caught_up=True))
            assert not completion.is_done()
            consumer.commit({0: 2})
            assert not completion.is_done()
            consumer.commit({1: 1})
            assert completion.is_done()
    finally:
        completion.close()
