"""One worker: a consumer-group member running one stage of a query over its share of partitions.

The loop polls the stage's input topic and hands each partition's rows to that partition's task
(``tasks.py``). Every ``commit_interval_s`` it flushes the sinks, then commits each task's safe
offset with the task's watermark in the commit metadata (at-least-once).

Rebalancing: when the group's assignment changes (a worker joined, left, or was killed and its
session timed out), the worker drops every task, discards the batch in hand (it may hold rows
fetched before the change), seeks each assigned partition back to its committed offset and
builds fresh tasks that resume from there with the committed watermark. Replayed rows rebuild
the windows that were open at the commit; windows closed by then are not emitted again.

A bounded run (``'scan.bounded.mode' = 'latest-offset'``) finishes its tasks once caught up
with its partitions (the second stage of a shuffled query waits for the first stage to have
committed everything first), then stays in the group until the group has committed every
partition to its end (``completion.py``), so partitions of a dead worker are still taken over.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import TextIO, TypeVar

import numpy as np
import pyarrow as pa
from confluent_kafka import OFFSET_BEGINNING

from vsql.engine.columns import PARTITION
from vsql.engine.settings import ConsumerTier, ScanBoundedMode
from vsql.engine.sql.plan import LogicalPlan
from vsql.io.formats.decoded import Decoded
from vsql.io.formats.decoder import Format, message_decoder
from vsql.io.kafka.brokers import Broker, ensure_topic
from vsql.io.kafka.consumer import TopicConsumer
from vsql.io.kafka.errors import BrokerError, log_level
from vsql.io.kafka.producer import JsonProducer
from vsql.runtime.counters import Counters
from vsql.runtime.sinks import DeadLetterSink, ResultSink, StreamSink, open_sink
from vsql.runtime.sources import parse_watermark_metadata, watermark_metadata
from vsql.runtime.workers.completion import GroupCompletion
from vsql.runtime.workers.repartition import ORIGIN_FIELDS, ORIGIN_SCHEMA, RepartitionWriter
from vsql.runtime.workers.stages import Topology
from vsql.runtime.workers.tasks import QueryTask, RepartitionTask, Task

__all__ = ["PROGRESS_EVERY_S", "PROGRESS_SAMPLES", "Role", "WorkerStats", "run_worker"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

_POLL_S = 0.2
_DONE_CHECK_S = 0.25
PROGRESS_EVERY_S = 0.05
PROGRESS_SAMPLES = 4096


class Role(Enum):
    """The stage a worker runs."""

    QUERY = "query"
    """The query itself, over the source topic (no shuffle needed)."""
    REPARTITION = "repartition"
    """The first stage of a shuffled query: source rows to the repartition topic."""
    AGGREGATE = "aggregate"
    """The second stage of a shuffled query: the query over the repartition topic."""


@dataclass
class WorkerStats:
    """What one worker process has done (its progress hook gets it after every poll).

    Attributes:
        counters: its tasks' counters summed, those dropped at rebalances included (replayed rows
            count again); the watermark is the lowest of the query tasks it owns now (None before
            any, and for the repartition stage).
        duplicates_dropped: repartitioned rows dropped as written twice by the first stage.
        rebalances: assignment changes seen.
        partitions: the partitions assigned now.
        first_record_s: wall-clock time (epoch s) of the first row, None before it.
        last_record_s: wall-clock time (epoch s) of the latest row.
        settles: wall-clock times (epoch s) of the latest assignment changes, oldest first.
        progress: (epoch s, records in) samples at least ``PROGRESS_EVERY_S`` apart, oldest
            first: when each row was read, for measuring the group's throughput over a span
            (the latest ``PROGRESS_SAMPLES`` at most).
    """

    counters: Counters = field(default_factory=Counters)
    duplicates_dropped: int = 0
    rebalances: int = 0
    partitions: tuple[int, ...] = ()
    first_record_s: float | None = None
    last_record_s: float | None = None
    settles: list[float] = field(default_factory=list)
    progress: list[tuple[float, int]] = field(default_factory=list)
    _retired: tuple[Counters, int] = field(default=(Counters(), 0), repr=False)

    def refresh(self, tasks: Iterable[Task]) -> None:
        """Sum the counters of ``tasks`` (those owned now) with those of tasks retired before."""
        counters, duplicates = self._retired
        marks: list[int] = []
        for task in tasks:
            task_counters = task.counters()
            counters = counters.plus(task_counters)
            if isinstance(task, QueryTask):
                duplicates += task.duplicates_dropped
                if task_counters.watermark_ms is not None:
                    marks.append(task_counters.watermark_ms)
        self.counters = replace(counters, watermark_ms=min(marks, default=None))
        self.duplicates_dropped = duplicates

    def retire(self, tasks: Iterable[Task]) -> None:
        """``tasks`` are dropped (a rebalance): keep what they counted."""
        self.refresh(tasks)
        self._retired = (self.counters, self.duplicates_dropped)

    def sample(self, now_s: float) -> None:
        """Record the records in at ``now_s`` (epoch s) unless the latest sample is too recent."""
        if self.progress and now_s - self.progress[-1][0] < PROGRESS_EVERY_S:
            return
        _append_capped(self.progress, (now_s, self.counters.records_in))

    def settle(self, now_s: float) -> None:
        """Record an assignment change at ``now_s`` (epoch s)."""
        _append_capped(self.settles, now_s)


def _append_capped(items: list[T], item: T) -> None:
    """Append, dropping the older half once more than ``PROGRESS_SAMPLES`` are kept."""
    items.append(item)
    if len(items) > PROGRESS_SAMPLES:
        del items[: PROGRESS_SAMPLES // 2]


def run_worker(
    plan: LogicalPlan,
    topology: Topology,
    role: Role,
    *,
    broker: Broker,
    out: TextIO,
    cancel: threading.Event | None = None,
    commit_interval_s: float = 1.0,
    on_progress: Callable[[WorkerStats], None] | None = None,
) -> WorkerStats:
    """Run one worker of ``role`` until cancelled, or until a bounded run is complete.

    Args:
        plan: the compiled query.
        topology: its stages (see ``stages.py``).
        role: the stage this worker runs.
        broker: the cluster.
        out: where a plain SELECT's rows go, as NDJSON lines.
        cancel: set it to stop (SIGTERM); the worker commits what is safe and leaves the group.
        commit_interval_s: how often sinks are flushed and offsets committed.
        on_progress: called with the counters after every poll.

    Raises:
        BrokerError: the broker failed. ExecutionError: the engine failed.
    """
    worker = _Worker(plan, topology, role, broker=broker, out=out)
    try:
        return worker.run(cancel or threading.Event(), commit_interval_s, on_progress)
    finally:
        worker.close()


class _Worker:
    """The state of one worker: consumer, sinks, tasks by partition."""

    def __init__(
        self, plan: LogicalPlan, topology: Topology, role: Role, *, broker: Broker, out: TextIO
    ) -> None:
        self._plan = plan
        self._role = role
        self.stats = WorkerStats()
        settings = plan.settings
        self._bounded = settings.scan_bounded_mode is ScanBoundedMode.LATEST_OFFSET
        reads_repartition = role is Role.AGGREGATE
        topic = topology.repartition_topic if reads_repartition else topology.source_topic
        group = topology.aggregate_group_id if reads_repartition else topology.group_id
        projection = plan.input_columns
        if reads_repartition and projection is not None:
            projection = projection | set(ORIGIN_FIELDS)
        tier = (
            ConsumerTier.STANDARD
            if settings.consumer_tier is ConsumerTier.STANDARD
            else ConsumerTier.BUFFERED
        )
        self._consumer = TopicConsumer(
            broker.consumer_config,
            topic,
            group_id=group,
            decoder=message_decoder(
                Format.JSON, projection=projection, schema=ORIGIN_SCHEMA if reads_repartition else None
            ),
            tier=tier,
            wait_for_topic_s=30.0 if reads_repartition else None,
        )
        self._dead_letters = self._dead_letter_sink(broker)
        self._writer: RepartitionWriter | None = None
        self._sink: ResultSink | None = None
        self._producer: JsonProducer | None = None
        if role is Role.REPARTITION:
            self._producer = JsonProducer(broker.client_config)
            repartition = broker.topics().get(topology.repartition_topic)
            self._writer = RepartitionWriter(
                self._producer,
                topology.repartition_topic,
                topology.shuffle_keys or (),
                partitions=repartition.partitions if repartition is not None else 1,
            )
        elif plan.sink is not None:
            self._sink = open_sink(plan.sink, settings, broker=broker)
        else:
            self._sink = StreamSink(out)
        self._source_partitions = 0
        self._upstream: GroupCompletion | None = None
        if reads_repartition:
            self._upstream = GroupCompletion(
                broker.consumer_config, topology.source_topic, group_id=topology.group_id
            )
            source = broker.topics().get(topology.source_topic)
            self._source_partitions = source.partitions if source is not None else 0
        self._own = GroupCompletion(broker.consumer_config, topic, group_id=group)
        self._tasks: dict[int, Task] = {}
        self._committed: dict[int, int] = {}
        self._seen_rebalances = self._consumer.rebalance_count
        self._last_done_check = 0.0

    def run(
        self,
        cancel: threading.Event,
        commit_interval_s: float,
        on_progress: Callable[[WorkerStats], None] | None,
    ) -> WorkerStats:
        last_commit = time.monotonic()
        while not cancel.is_set():
            decoded = self._consumer.poll(_POLL_S)
            if self._consumer.rebalance_count != self._seen_rebalances:
                self._reassign()
                continue
            if decoded is not None and (decoded.batch.num_rows or decoded.dead_letters.num_rows):
                self._route(decoded)
            if self._upstream is not None:
                for task in self._tasks.values():
                    task.release_idle()
            if self._bounded and self._should_finish():
                for task in self._tasks.values():
                    task.finish()
                self._commit()
                last_commit = time.monotonic()
            elif time.monotonic() - last_commit >= commit_interval_s:
                self._commit()
                last_commit = time.monotonic()
            self.stats.refresh(self._tasks.values())
            self.stats.sample(time.time())
            if on_progress is not None:
                on_progress(self.stats)
            if self._bounded and self._is_complete():
                break
        self._commit()
        self.stats.refresh(self._tasks.values())
        return self.stats

    def _route(self, decoded: Decoded) -> None:
        """Hand each partition's rows to its task."""
        for partition, part in _by_partition(decoded).items():
            task = self._tasks.get(partition)
            if task is None:
                logger.debug("rows of partition %d, which is not assigned here, dropped", partition)
                continue
            task.process(part)
        if decoded.batch.num_rows:
            now = time.time()
            self.stats.last_record_s = now
            if self.stats.first_record_s is None:
                self.stats.first_record_s = now

    def _reassign(self) -> None:
        """The assignment changed: fresh tasks for the assigned partitions, from their commits."""
        self._seen_rebalances = self._consumer.rebalance_count
        self.stats.retire(self._tasks.values())
        self._tasks.clear()
        self._committed.clear()
        assigned = self._consumer.assigned
        committed = self._consumer.committed(assigned)
        try:
            self._consumer.seek(
                {p: committed[p].offset if p in committed else OFFSET_BEGINNING for p in assigned}
            )
        except BrokerError as error:
            # A newer rebalance took the partition away; the next poll sees it and reassigns.
            logger.info("seek after a rebalance failed: %s", error)
        for partition in sorted(assigned):
            metadata = committed[partition].metadata if partition in committed else ""
            self._tasks[partition] = self._task(partition, parse_watermark_metadata(metadata))
            if partition in committed:
                self._committed[partition] = committed[partition].offset
        self.stats.rebalances += 1
        self.stats.refresh(self._tasks.values())
        self.stats.settle(time.time())
        self.stats.partitions = tuple(sorted(assigned))
        logger.info("%s worker assigned partitions %s", self._role.value, list(self.stats.partitions))

    def _task(self, partition: int, resume_watermark_ms: int | None) -> Task:
        if self._writer is not None:
            return RepartitionTask(
                partition,
                writer=self._writer,
                dead_letters=self._dead_letters,
                event_time_column=self._plan.event_time_column if self._plan.window is not None else None,
            )
        assert self._sink is not None
        return QueryTask(
            self._plan,
            partition,
            sink=self._sink,
            dead_letters=self._dead_letters,
            resume_watermark_ms=resume_watermark_ms,
            restore=self._role is Role.AGGREGATE,
            source_partitions=self._source_partitions,
        )

    def _should_finish(self) -> bool:
        """Whether the tasks may finish: caught up with every assigned partition, and, reading the
        repartition topic, the first stage is complete and nothing it wrote is left unread."""
        if not self._tasks or all(task.finished for task in self._tasks.values()):
            return False
        if not self._consumer.caught_up:
            return False
        if self._upstream is None:
            return True
        if not self._upstream.is_done():
            return False
        return not any(self._consumer.lag(cached=False).values())

    def _is_complete(self) -> bool:
        """A bounded run ends when this worker's tasks are finished and the group (and the first
        stage, reading the repartition topic) committed every partition to its end."""
        if any(not task.finished for task in self._tasks.values()):
            return False
        now = time.monotonic()
        if now - self._last_done_check < _DONE_CHECK_S:
            return False
        self._last_done_check = now
        upstream_done = self._upstream is None or self._upstream.is_done()
        return upstream_done and self._own.is_done()

    def _commit(self) -> None:
        """Flush every sink, then commit each task's safe offset with its watermark."""
        for flushable in (self._sink, self._producer, self._dead_letters):
            if flushable is not None:
                flushable.flush()
        for partition, task in self._tasks.items():
            point = task.commit_point()
            if point is None or self._committed.get(partition) == point[0]:
                continue
            offset, watermark_ms = point
            try:
                self._consumer.commit({partition: offset}, metadata=watermark_metadata(watermark_ms))
            except BrokerError as error:
                # Not fatal: a later commit covers these offsets, or the partition moved and its
                # new owner replays from the previous commit (at-least-once).
                logger.log(log_level(error), "commit of partition %d failed: %s", partition, error)
                continue
            self._committed[partition] = offset

    def _dead_letter_sink(self, broker: Broker) -> DeadLetterSink | None:
        topic = self._plan.settings.dlq_topic
        if topic is None:
            return None
        ensure_topic(broker, topic)
        return DeadLetterSink(JsonProducer(broker.client_config), topic)

    def close(self) -> None:
        self._consumer.close()
        for closable in (self._sink, self._producer):
            if closable is not None:
                closable.close()
        for completion in (self._own, self._upstream):
            if completion is not None:
                completion.close()


def _by_partition(decoded: Decoded) -> dict[int, Decoded]:
    """Split a decoded batch (and its dead letters) by partition, keeping each one's order."""
    batch, dead = decoded.batch, decoded.dead_letters
    partitions = (
        np.asarray(batch.column(PARTITION), dtype=np.int64) if batch.num_rows else np.zeros(0, np.int64)
    )
    dead_partitions = (
        np.asarray(dead.column(PARTITION), dtype=np.int64) if dead.num_rows else np.zeros(0, np.int64)
    )
    present = np.union1d(partitions, dead_partitions).tolist()
    if len(present) == 1:
        return {present[0]: decoded}
    return {
        partition: Decoded(
            batch.filter(pa.array(partitions == partition)),
            dead.filter(pa.array(dead_partitions == partition)),
        )
        for partition in present
    }
