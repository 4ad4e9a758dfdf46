"""Tasks: the work of one input partition inside a worker, as Kafka Streams has them.

A worker keeps one task per partition the group assigned to it. A task owns everything that
partition's rows built (the engine's window state, the offset ledger, the watermark) and commits
its own safe offset together with its own watermark, so a partition can move to another worker
and resume there from what was committed for it alone.

- ``QueryTask`` runs the query's engine through a ``QueryDriver``. Reading the repartition topic
  (``restore=True``), it gives the engine each row as it was read from the source (see
  ``repartition.py``): duplicates
  written by a replayed first stage are dropped, the watermark runs per source partition, and
  progress markers move it for source partitions whose rows went elsewhere.
- ``RepartitionTask`` writes rows to the repartition topic, and for windowed queries a progress
  marker to each of its partitions after every batch; it holds no state.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pyarrow as pa

from vsql.engine.batch import column_or_nulls, event_time_ms
from vsql.engine.columns import OFFSET, PARTITION
from vsql.engine.sql.plan import LogicalPlan
from vsql.io.formats.decoded import Decoded
from vsql.runtime.counters import Counters
from vsql.runtime.driver import Positions, QueryDriver
from vsql.runtime.sinks import DeadLetterSink, ResultSink
from vsql.runtime.workers.repartition import (
    ORIGIN_OFFSET,
    ORIGIN_PARTITION,
    PROGRESS,
    OriginFilter,
    RepartitionWriter,
    restore_origin,
)

__all__ = ["CommitPoint", "QueryTask", "RepartitionTask", "Task"]

CommitPoint = tuple[int, int | None]
"""The next offset to read of a task's partition and the watermark its results had reached."""


class Task(Protocol):
    """The work of one partition."""

    partition: int
    finished: bool

    def process(self, decoded: Decoded) -> None:
        """Take the next rows (and dead letters) of the partition, in offset order."""

    def release_idle(self) -> None:
        """Let source partitions silent for the idle timeout stop holding the watermark back."""

    def finish(self) -> None:
        """End of a bounded input: emit everything still held."""

    def commit_point(self) -> CommitPoint | None:
        """What may be committed now (the caller has flushed every sink), or None for nothing."""

    def counters(self) -> Counters:
        """What the task has done so far."""


def _ints(table: pa.RecordBatch | pa.Table, name: str) -> np.ndarray:
    return np.asarray(table.column(name).fill_null(0), dtype=np.int64)


def _last_offset(dead_letters: pa.Table) -> int | None:
    if not dead_letters.num_rows:
        return None
    return int(_ints(dead_letters, OFFSET).max())


class QueryTask:
    """The query's engine over one partition, run by a ``QueryDriver``.

    Args:
        plan: the compiled query.
        partition: the partition this task owns.
        sink: where results go (shared by the worker's tasks).
        dead_letters: where dead letters go, or None (they are counted either way).
        resume_watermark_ms: the watermark committed for this partition by its previous owner.
        restore: the input is the repartition topic: restore each row's origin first.
        source_partitions: with ``restore``, the source topic's partition count. Each holds the
            watermark back until it has delivered rows or progress markers, or has sent nothing
            here for ``watermark.idle_timeout`` since the task started or since it last did.
    """

    def __init__(
        self,
        plan: LogicalPlan,
        partition: int,
        *,
        sink: ResultSink,
        dead_letters: DeadLetterSink | None,
        resume_watermark_ms: int | None,
        restore: bool = False,
        source_partitions: int = 0,
    ) -> None:
        self.partition = partition
        self.finished = False
        self.duplicates_dropped = 0
        self.driver = QueryDriver(plan, sink=sink, dead_letters=dead_letters)
        self._origins = OriginFilter() if restore else None
        if resume_watermark_ms is not None:
            self.driver.resume_after(resume_watermark_ms)
        if restore and plan.window is not None:
            self.driver.expect(range(source_partitions), watch_idle=True)

    def process(self, decoded: Decoded) -> None:
        batch = decoded.batch
        partitions, offsets = _ints(batch, PARTITION), _ints(batch, OFFSET)
        skipped = _last_offset(decoded.dead_letters)
        progress: pa.RecordBatch | None = None
        if self._origins is not None and batch.num_rows:
            markers = np.asarray(column_or_nulls(batch, PROGRESS).is_valid(), dtype=bool)
            if markers.any():
                skipped = max(int(offsets[markers].max()), skipped if skipped is not None else -1)
                progress, batch = batch.filter(pa.array(markers)), batch.filter(pa.array(~markers))
                partitions, offsets = partitions[~markers], offsets[~markers]
            fresh = self._origins.fresh(_ints(batch, ORIGIN_PARTITION), _ints(batch, ORIGIN_OFFSET))
            batch = restore_origin(batch)
            if not fresh.all():
                self.duplicates_dropped += int((~fresh).sum())
                skipped = max(int(offsets[~fresh].max()), skipped if skipped is not None else -1)
                batch = batch.filter(pa.array(fresh))
                partitions, offsets = partitions[fresh], offsets[fresh]
        positions = Positions(partitions, offsets, {} if skipped is None else {self.partition: skipped})
        self.driver.process(Decoded(batch, decoded.dead_letters), positions=positions)
        if progress is not None:
            self.driver.observe_progress(_ints(progress, ORIGIN_PARTITION), _ints(progress, PROGRESS))

    def release_idle(self) -> None:
        self.driver.release_idle()

    def finish(self) -> None:
        if not self.finished:
            self.driver.finish()
            self.finished = True

    def commit_point(self) -> CommitPoint | None:
        safe = self.driver.safe_offsets().get(self.partition)
        return None if safe is None else (safe, self.driver.pipeline.metrics.watermark_ms)

    def counters(self) -> Counters:
        return self.driver.counters()


class RepartitionTask:
    """Writes one source partition's rows to the repartition topic.

    Args:
        partition: the source partition this task owns.
        writer: the repartition writer (shared by the worker's tasks).
        dead_letters: where undecodable records go, or None (they are counted either way).
        event_time_column: the windowed query's event-time field: after each batch a progress
            marker tells every repartition partition the highest event time read so far. None
            for queries without windows (no watermark to forward).
    """

    def __init__(
        self,
        partition: int,
        *,
        writer: RepartitionWriter,
        dead_letters: DeadLetterSink | None,
        event_time_column: str | None = None,
    ) -> None:
        self.partition = partition
        self.finished = False
        self._writer = writer
        self._dead_letters = dead_letters
        self._records_in = 0
        self._rows_out = 0
        self._dead_letter_count = 0
        self._event_time_column = event_time_column
        self._progress_ms: int | None = None
        self._next_offset: int | None = None

    def process(self, decoded: Decoded) -> None:
        batch = decoded.batch
        rejected = _last_offset(decoded.dead_letters)
        last = max(
            int(_ints(batch, OFFSET).max()) if batch.num_rows else -1, -1 if rejected is None else rejected
        )
        self._records_in += batch.num_rows
        self._rows_out += self._writer.write(batch)
        if decoded.dead_letters.num_rows:
            self._dead_letter_count += decoded.dead_letters.num_rows
            if self._dead_letters is not None:
                self._dead_letters.write(decoded.dead_letters)
        if last >= 0:
            self._next_offset = max(self._next_offset or 0, last + 1)
        if self._event_time_column is not None and batch.num_rows:
            self._forward_progress(batch, last)

    def _forward_progress(self, batch: pa.RecordBatch, last_offset: int) -> None:
        event_ms, rejected = event_time_ms(batch, self._event_time_column or "")
        usable = event_ms if rejected is None else event_ms[rejected == None]  # noqa: E711
        if not len(usable):
            return
        highest = int(usable.max())
        self._progress_ms = highest if self._progress_ms is None else max(self._progress_ms, highest)
        self._writer.write_progress(self.partition, last_offset, self._progress_ms)

    def release_idle(self) -> None:
        """The first stage holds no watermark."""

    def finish(self) -> None:
        self.finished = True

    def commit_point(self) -> CommitPoint | None:
        return None if self._next_offset is None else (self._next_offset, None)

    def counters(self) -> Counters:
        return Counters(
            records_in=self._records_in, rows_out=self._rows_out, dead_letter_count=self._dead_letter_count
        )
