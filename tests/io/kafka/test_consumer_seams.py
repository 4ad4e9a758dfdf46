"""The consumer's seams: the decoder it is given, and the one reader of the group's commits."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import pyarrow as pa
import pytest

from vsql.engine.settings import ConsumerTier
from vsql.io.formats.decoded import Decoded, assemble_batch, dead_letter_table
from vsql.io.formats.decoder import MessageDecoder
from vsql.io.formats.json import JsonDecoder
from vsql.io.kafka.brokers import EmbeddedBroker
from vsql.io.kafka.committed import Committed
from vsql.io.kafka.consumer import TopicConsumer
from vsql.io.kafka.producer import JsonProducer


class TextDecoder:
    """A decoder double: every value becomes a ``text`` row (so nothing is a dead letter, unlike
    JSON), and each call is recorded with its offsets and the thread that made it."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[int], str]] = []

    @property
    def schema(self) -> pa.Schema:
        return pa.schema([("text", pa.string())])

    def decode_messages(
        self,
        values: Sequence[bytes | None],
        *,
        keys: Sequence[bytes | str | None],
        timestamps: Sequence[int | None],
        partitions: Sequence[int],
        offsets: Sequence[int],
    ) -> Decoded:
        self.calls.append(([int(o) for o in offsets], threading.current_thread().name))
        texts = pa.array([None if v is None else v.decode() for v in values], pa.string())
        batch = assemble_batch(
            [("text", texts)],
            keys=pa.array([None if k is None else bytes(k).decode() for k in keys], pa.string()),
            timestamps=pa.array(timestamps, pa.int64()),
            partitions=pa.array(partitions, pa.int32()),
            offsets=pa.array(offsets, pa.int64()),
        )
        return Decoded(batch, dead_letter_table([], [], partitions=[], offsets=[]))


@pytest.mark.parametrize("tier", list(ConsumerTier))
def test_the_consumer_decodes_with_the_decoder_it_is_given(
    broker: EmbeddedBroker, topic_factory: Callable[[int], str], tier: ConsumerTier
) -> None:
    topic = topic_factory(1)
    producer = JsonProducer(broker.client_config)
    producer.produce_values(topic, [b"plain", b"not json", b"text"], keys=["a", "b", "c"])
    producer.flush()
    decoder = TextDecoder()
    assert isinstance(decoder, MessageDecoder)
    with TopicConsumer(
        broker.consumer_config, topic, group_id=f"g-{topic}", decoder=decoder, tier=tier, batch_size=2
    ) as consumer:
        decoded = list(consumer.batches(until_caught_up=True))
    rows = pa.Table.from_batches([d.batch for d in decoded])
    assert rows.column("text").to_pylist() == ["plain", "not json", "text"]
    assert rows.column("_key").to_pylist() == ["a", "b", "c"]
    assert sum(d.dead_letters.num_rows for d in decoded) == 0
    delivered = [offset for offsets, _ in decoder.calls for offset in offsets]
    assert delivered == [0, 1, 2]
    threads = {thread for offsets, thread in decoder.calls if offsets}
    caller = threading.current_thread().name
    assert threads == ({"vsql-kafka-prefetch"} if tier is ConsumerTier.DEDICATED else {caller})


@pytest.mark.parametrize("tier", [ConsumerTier.BUFFERED, ConsumerTier.DEDICATED])
def test_committed_gives_offsets_and_metadata_of_all_or_some_partitions(
    broker: EmbeddedBroker, topic_factory: Callable[[int], str], tier: ConsumerTier
) -> None:
    topic = topic_factory(3)
    producer = JsonProducer(broker.client_config)
    producer.produce_values(topic, [b'{"n": 1}'] * 6, partitions=[0, 0, 1, 1, 2, 2])
    producer.flush()
    with TopicConsumer(
        broker.consumer_config, topic, group_id=f"g-{topic}", decoder=JsonDecoder(), tier=tier
    ) as consumer:
        list(consumer.batches(until_caught_up=True))
        assert consumer.committed() == {}
        consumer.commit({0: 2}, metadata="vsql:watermark_ms=10")
        consumer.commit({2: 1})
        assert consumer.committed() == {0: Committed(2, "vsql:watermark_ms=10"), 2: Committed(1)}
        assert consumer.committed([2, 1]) == {2: Committed(1)}
        assert consumer.committed([]) == {}
