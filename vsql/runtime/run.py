"""The run loop: batches from a source through the engine to a sink, with commits and idleness.

Per batch: the engine processes it, results go to the sink, dead letters to the dead-letter sink;
the offset ledger remembers the batch. Every ``commit_interval_s`` the sinks are flushed and the
offsets the engine no longer needs are committed (at-least-once). A partition that delivered
nothing for ``watermark.idle_timeout`` (processing time) stops holding the watermark back.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

import numpy as np
import pyarrow as pa

from vsql.engine.columns import OFFSET, PARTITION
from vsql.engine.pipeline import Pipeline, StepOutput
from vsql.engine.sql.plan import LogicalPlan
from vsql.io.formats.decoded import Decoded
from vsql.io.kafka.errors import BrokerError, log_level
from vsql.io.ledger import OffsetLedger
from vsql.runtime.sinks import CallbackSink, DeadLetterSink, ResultSink
from vsql.runtime.sources import BlockSource, Source
from vsql.runtime.stats import RunStats

__all__ = ["run_finite", "run_query"]

ProgressHook = Callable[[RunStats], None]
"""Called after every batch with a snapshot of the counters: the callee may keep it and read it
from another thread, as the run goes on."""

logger = logging.getLogger(__name__)


def run_query(
    plan: LogicalPlan,
    source: Source,
    *,
    sink: ResultSink,
    dead_letters: DeadLetterSink | None = None,
    finish: bool = True,
    cancel: threading.Event | None = None,
    commit_interval_s: float = 1.0,
    on_progress: ProgressHook | None = None,
) -> RunStats:
    """Run ``plan`` until the source ends, the LIMIT is reached, or ``cancel`` is set.

    Args:
        plan: the compiled query.
        source: its input.
        sink: where results go.
        dead_letters: where dead letters go (they are always counted).
        finish: at the end of a finite source, close every window (end of input); a cancelled
            run never finishes.
        cancel: set it to stop the run (Ctrl-C, TERMINATE).
        commit_interval_s: how often sinks are flushed and input offsets committed.
        on_progress: called with the counters after every batch and heartbeat.

    Raises:
        ExecutionError: the engine failed. BrokerError: the broker failed.
    """
    loop = _Loop(plan, source, sink=sink, dead_letters=dead_letters, on_progress=on_progress)
    resumed_at = source.resume_watermark()
    if resumed_at is not None:
        loop.pipeline.resume_after(resumed_at)
    for decoded in source.batches():
        if cancel is not None and cancel.is_set():
            break
        loop.step(decoded)
        if loop.pipeline.is_done:
            break
        loop.release_idle()
        loop.maybe_commit(commit_interval_s)
        loop.report()
    cancelled = cancel is not None and cancel.is_set()
    if finish and not cancelled and not loop.pipeline.is_done:
        loop.emit(loop.pipeline.finish())
    loop.commit()
    loop.report()
    return loop.stats


def run_finite(
    plan: LogicalPlan,
    inputs: Iterable[Decoded],
    *,
    on_rows: Callable[[pa.Table], None],
    finish: bool = True,
) -> RunStats:
    """Run a plan over finite decoded blocks, handing result tables to ``on_rows``."""
    return run_query(plan, BlockSource(inputs), sink=CallbackSink(on_rows), finish=finish)


class _Loop:
    """The state of one run: engine, ledger, counters, partition activity."""

    def __init__(
        self,
        plan: LogicalPlan,
        source: Source,
        *,
        sink: ResultSink,
        dead_letters: DeadLetterSink | None,
        on_progress: ProgressHook | None,
    ) -> None:
        self.pipeline = Pipeline(plan)
        self.stats = RunStats()
        self._source = source
        self._sink = sink
        self._dead_letters = dead_letters
        self._on_progress = on_progress
        self._ledger = OffsetLedger()
        self._idle_timeout_s = plan.settings.idle_timeout_ms / 1000
        self._last_delivery: dict[int, float] = {}
        self._idle: set[int] = set()
        self._expecting_known = False
        self._started = time.perf_counter()
        self._last_commit = time.monotonic()

    def step(self, decoded: Decoded | None) -> None:
        if not self._expecting_known:
            waiting = self._source.waiting_partitions()
            if waiting is not None:
                self.pipeline.expect_partitions(waiting)
                self._expecting_known = True
        if decoded is not None:
            batch = decoded.batch
            self.stats.records_in += batch.num_rows
            self._ledger.record(
                _ints(batch, PARTITION), _ints(batch, OFFSET), rejected=_last_offsets(decoded.dead_letters)
            )
            self._note_delivery(decoded)
            began = time.perf_counter()
            self.emit(self.pipeline.process(batch), decoder_dead_letters=decoded.dead_letters)
            self.stats.batch_ms.append(1000 * (time.perf_counter() - began))

    def emit(self, output: StepOutput, *, decoder_dead_letters: pa.Table | None = None) -> None:
        self._sink.write(output)
        self.stats.rows_out = self.pipeline.metrics.rows_out
        self.stats.late_count = self.pipeline.metrics.late_count
        self.stats.watermark_ms = self.pipeline.metrics.watermark_ms
        self.stats.state_slots = self.pipeline.metrics.state_slots
        for table in (decoder_dead_letters, output.dead_letters):
            if table is None or not table.num_rows:
                continue
            self.stats.dead_letter_count += table.num_rows
            if self._dead_letters is not None:
                self._dead_letters.write(table)

    def _note_delivery(self, decoded: Decoded) -> None:
        now = time.monotonic()
        for table in (decoded.batch, decoded.dead_letters):
            if table.num_rows and PARTITION in table.schema.names:
                for partition in np.unique(_ints(table, PARTITION)).tolist():
                    self._last_delivery[partition] = now
                    self._idle.discard(partition)

    def release_idle(self) -> None:
        """Mark partitions that delivered nothing for the idle timeout as idle."""
        now = time.monotonic()
        for partition, seen in self._last_delivery.items():
            if partition not in self._idle and now - seen >= self._idle_timeout_s:
                self._idle.add(partition)
                self.emit(self.pipeline.mark_idle(partition))

    def maybe_commit(self, interval_s: float) -> None:
        if time.monotonic() - self._last_commit >= interval_s:
            self.commit()

    def commit(self) -> None:
        self._sink.flush()
        if self._dead_letters is not None:
            self._dead_letters.flush()
        try:
            self._source.commit(
                self._ledger.safe_offsets(self.pipeline.held_since_seq),
                watermark_ms=self.pipeline.metrics.watermark_ms,
            )
        except BrokerError as error:
            # Not fatal: the next commit covers these offsets too, and uncommitted input is only
            # read again after a restart (at-least-once). A broker gone for good fails the read.
            logger.log(log_level(error), "commit failed, will retry with the next one: %s", error)
        self.stats.partition_lag = self._source.lag()
        self._last_commit = time.monotonic()

    def report(self) -> None:
        """Hand a snapshot of the counters to the progress hook: once per turn of the loop, after
        the batch, idle partitions and the commit, so rows, watermark and lag agree."""
        self.stats.elapsed_s = time.perf_counter() - self._started
        self.stats.expired_count = self._source.expired_count
        self.stats.source_status = self._source.status
        if self._on_progress is not None:
            self._on_progress(self.stats.snapshot())


def _ints(table: pa.RecordBatch | pa.Table, name: str) -> np.ndarray:
    return np.asarray(table.column(name).fill_null(0), dtype=np.int64)


def _last_offsets(dead_letters: pa.Table) -> dict[int, int]:
    """Per partition, the largest offset among the decoder's dead letters."""
    if not dead_letters.num_rows:
        return {}
    partitions = _ints(dead_letters, PARTITION)
    offsets = _ints(dead_letters, OFFSET)
    return {int(p): int(offsets[partitions == p].max()) for p in np.unique(partitions)}
