"""Quix Streams through Kafka: an ``Application`` reading the trades topic of the embedded broker.

The application consumes the topic vsql's ``kafka_e2e`` run reads (16 partitions, JSON values
keyed by symbol, message timestamp = event time), deserializes JSON values, and aggregates
``tumbling_window`` (or ``hopping_window``) ``.agg(Count, Sum, Mean, Min, Max).final()`` per
message key, with its RocksDB window state and no changelog topics. Its consumer gets the same
tuning vsql's consumers get on the mock broker (``fetch.queue.backoff.ms``, session timeout).

The clock runs from the first processed message to the last one (Quix's
``on_message_processed`` callback counts them and stops the application), as vsql's Kafka run
starts after its first batch: joining the group is not timed. Quix has no end of input, so the
windows still open after each key's last record are never emitted (``flushes_at_end`` False).
vsql's Kafka figure also covers detecting the end of its input and its last commit, which Quix
never does: a bias against vsql, small at a million records.

librdkafka's mock cluster answers no DescribeConfigs request, which Quix's ``TopicAdmin`` uses
to read topic settings: the application gets a topic admin reading partition counts from
metadata, with the mock's retention (unbounded time, 5 MiB per partition).
"""

from __future__ import annotations

import tempfile
import time
import uuid
import warnings
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from vsql.bench.peers.base import PeerData, Setup, WindowShape, missing_module, result_table
from vsql.io.kafka.config import CONSUMER_DEFAULTS

if TYPE_CHECKING:
    from quixstreams import Application

    from vsql.bench.workloads import Workload

__all__ = ["QuixPeer"]

_MOCK_RETENTION = {"retention.ms": "-1", "retention.bytes": str(5 * 2**20)}
_TUNING = ("fetch.queue.backoff.ms",)
_IDLE_TIMEOUT_S = 30.0
"""The application stops when no message came for this long: a topic short of records fails the
run instead of hanging it."""


class QuixPeer:
    """Quix Streams from the embedded broker; implements the ``Peer`` protocol."""

    name = "quix"
    setup = Setup.KAFKA
    detail = "kafka_e2e's topic, JSON values, RocksDB window state, 1 consumer"
    flushes_at_end = False

    def available(self) -> str | None:
        """None when ``quixstreams`` imports (its dependencies' deprecation warnings on import are
        silenced: they are not vsql's to act on)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return missing_module("quixstreams", package="quixstreams")

    def run(self, work: Workload, data: PeerData) -> float:
        """Records/s after the first processed message, until every record is processed."""
        progress = self._execute(work, data, emitted=None)
        return progress.rate

    def results(self, work: Workload, data: PeerData) -> pa.Table:
        """The windows the application emitted (those a later record of their key closed)."""
        emitted: list[tuple[str, dict]] = []
        self._execute(work, data, emitted=emitted)
        return result_table(
            {
                "symbol": [key for key, _ in emitted],
                "window_start": [value["start"] for _, value in emitted],
                "window_end": [value["end"] for _, value in emitted],
                **{
                    name: [value[name] for _, value in emitted]
                    for name in ("trades", "volume", "avg_price", "low", "high")
                },
            }
        )

    def _execute(self, work: Workload, data: PeerData, *, emitted: list | None) -> _Progress:
        if data.kafka is None or data.topic is None:
            raise ValueError("the Quix peer reads a Kafka topic: data.kafka and data.topic are required")
        reason = self.available()
        if reason is not None:
            raise RuntimeError(reason)
        progress = _Progress(data.records)
        with tempfile.TemporaryDirectory(prefix="vsql-quix-") as state_dir:
            app = _application(data, state_dir=state_dir, progress=progress)
            progress.app = app
            _windowed(app, data.topic, WindowShape.of(work), emitted=emitted)
            app.run(timeout=_IDLE_TIMEOUT_S, collect=False)
        if progress.count != data.records:
            raise RuntimeError(f"quix processed {progress.count} of {data.records} records")
        return progress


class _Progress:
    """Counts processed messages (Quix's ``on_message_processed`` callback), stopping the
    application at the last one and noting when the first and last were processed."""

    def __init__(self, records: int) -> None:
        self.records = records
        self.count = 0
        self.first = self.last = 0.0
        self.app: Application | None = None

    def __call__(self, topic: str, partition: int, offset: int) -> None:
        self.count += 1
        if self.count == 1:
            self.first = time.perf_counter()
        if self.count >= self.records:
            self.last = time.perf_counter()
            if self.app is not None:
                self.app.stop()

    @property
    def rate(self) -> float:
        """Records per second from the first processed message to the last, the first not counted."""
        seconds = self.last - self.first
        return (self.count - 1) / seconds if seconds > 0 else float("inf")


def _application(data: PeerData, *, state_dir: str, progress: _Progress) -> Application:
    from quixstreams import Application  # noqa: PLC0415 - an optional dependency
    from quixstreams.models.topics import TopicManager  # noqa: PLC0415

    assert data.kafka is not None
    broker = data.kafka.broker
    bootstrap = broker.client_config["bootstrap.servers"]
    tuning = {
        **{key: value for key, value in broker.consumer_config.items() if key != "bootstrap.servers"},
        **{key: CONSUMER_DEFAULTS[key] for key in _TUNING},
    }
    group = f"vsql-peer-quix-{uuid.uuid4().hex}"
    return Application(
        broker_address=bootstrap,
        consumer_group=group,
        auto_offset_reset="earliest",
        consumer_extra_config=tuning,
        state_dir=state_dir,
        on_message_processed=progress,
        loglevel=None,
        auto_create_topics=False,
        use_changelog_topics=False,
        topic_manager=TopicManager(
            topic_admin=_metadata_admin(bootstrap), consumer_group=group, auto_create_topics=False
        ),
    )


def _metadata_admin(bootstrap: str) -> Any:
    """A Quix ``TopicAdmin`` that reads topic settings from metadata only (see the module doc)."""
    from quixstreams.models.topics import TopicAdmin, TopicConfig  # noqa: PLC0415

    class MetadataTopicAdmin(TopicAdmin):
        def inspect_topics(self, topic_names: list[str], timeout: float = 30) -> dict[str, Any]:
            cluster = self.list_topics(timeout=timeout)
            return {
                name: TopicConfig(
                    num_partitions=len(cluster[name].partitions),
                    replication_factor=1,
                    extra_config=dict(_MOCK_RETENTION),
                )
                if name in cluster
                else None
                for name in topic_names
            }

    return MetadataTopicAdmin(broker_address=bootstrap)


def _windowed(app: Application, topic_name: str, shape: WindowShape, *, emitted: list | None) -> None:
    """The dataframe: windows of ``shape`` over the topic, closed windows appended to ``emitted``
    as (key, value) pairs when it is a list."""
    from quixstreams.dataframe.windows import Count, Max, Mean, Min, Sum  # noqa: PLC0415

    frame = app.dataframe(app.topic(topic_name, value_deserializer="json", key_deserializer="str"))
    if shape.panes_per_window == 1:
        windows = frame.tumbling_window(duration_ms=shape.size_ms)
    else:
        windows = frame.hopping_window(duration_ms=shape.size_ms, step_ms=shape.advance_ms)
    frame = windows.agg(
        trades=Count(), volume=Sum("qty"), avg_price=Mean("price"), low=Min("price"), high=Max("price")
    ).final()
    if emitted is not None:
        frame.update(lambda value, key, _timestamp, _headers: emitted.append((key, value)), metadata=True)
