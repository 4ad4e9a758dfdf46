"""The query driver: one running query's engine and what surrounds it, for one input or several.

A ``QueryDriver`` owns the engine's ``Pipeline``, an offset ledger and the idle-partition clocks of
each input, the result and dead-letter sinks, and the counters. Whoever reads the inputs hands it
decoded batches: the in-process run loop (``run.py``, one or several sources) and each worker's
partition task (``workers/tasks.py``). The driver decides nothing about reading or committing; it
says what is safe to commit (``safe_offsets``) once the caller has flushed it (``flush``).

Offsets: every input has its own ledger, and all ledgers count the engine's arrivals together (a
row of one input takes an arrival number from all of them), so the engine's one "oldest row still
held" answers for every input.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pyarrow as pa

from vsql.engine.columns import OFFSET, PARTITION
from vsql.engine.errors import ExecutionError
from vsql.engine.pipeline import Pipeline, StepOutput
from vsql.engine.sql.plan import LogicalPlan
from vsql.io.formats.decoded import Decoded
from vsql.io.ledger import OffsetLedger
from vsql.runtime.counters import Counters, per_second
from vsql.runtime.sinks import DeadLetterSink, ResultSink

__all__ = ["LATENCY_WINDOW", "Positions", "QueryDriver"]

LATENCY_WINDOW = 512
"""Batches whose processing times the latency quantiles summarize (the most recent)."""


class Positions(NamedTuple):
    """Where a batch's rows sit in the log the driver's input reads (for its ledger).

    Attributes:
        partitions: partition of each row handed to the engine.
        offsets: offset of each row handed to the engine.
        skipped: per partition, the largest offset of records that never reach the engine
            (dead letters, duplicates dropped before it); they only move the commit point on.
    """

    partitions: np.ndarray
    offsets: np.ndarray
    skipped: Mapping[int, int]


@dataclass
class _Input:
    """One input's bookkeeping: its ledger and when each of its partitions last delivered."""

    name: str
    ledger: OffsetLedger = field(default_factory=OffsetLedger)
    last_delivery: dict[int, float] = field(default_factory=dict)
    idle: set[int] = field(default_factory=set)


@dataclass
class _SourceFacts:
    """What the caller knows of its sources, reported with the counters."""

    expired_count: int = 0
    status: str = "ok"
    lag: dict[int, int] = field(default_factory=dict)


class QueryDriver:
    """Runs one query's engine over decoded batches of its inputs, into its sinks.

    Called from one thread (the run loop's, or the worker's). Batches of each input arrive in
    that input's order; the engine's results reach ``sink`` in emission order.

    Args:
        plan: the compiled query.
        sink: where result rows go.
        dead_letters: where dead letters go (they are counted either way).
        inputs: the names of the inputs batches come from; default the query's sources.
        pipeline: the engine (built from ``plan`` when None; tests pass a double).
        clock: monotonic seconds, for idle partitions and elapsed time.
    """

    def __init__(
        self,
        plan: LogicalPlan,
        *,
        sink: ResultSink,
        dead_letters: DeadLetterSink | None = None,
        inputs: Sequence[str] | None = None,
        pipeline: Pipeline | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.pipeline = pipeline or Pipeline(plan)
        self._sink = sink
        self._dead_letters = dead_letters
        self._clock = clock
        names = inputs or self.pipeline.sources
        self._inputs = {name.lower(): _Input(name) for name in names}
        self._idle_timeout_s = plan.settings.idle_timeout_ms / 1000
        self._records_in = 0
        self._dead_letter_count = 0
        self._batch_ms: deque[float] = deque(maxlen=LATENCY_WINDOW)
        self._facts = _SourceFacts()
        self._started = clock()

    @property
    def inputs(self) -> tuple[str, ...]:
        """The names of the inputs, as given."""
        return tuple(state.name for state in self._inputs.values())

    @property
    def is_done(self) -> bool:
        """True once the query's LIMIT is reached."""
        return self.pipeline.is_done

    def process(
        self, decoded: Decoded, *, source: str | None = None, positions: Positions | None = None
    ) -> None:
        """Feed one decoded batch of ``source`` (None: the only input) to the engine.

        Args:
            decoded: the good rows and the decoder's dead letters.
            source: the input they came from.
            positions: where the rows sit in the input's log; None reads them from the batch's
                ``_partition`` and ``_offset`` columns (and its dead letters'). When given, the
                batch's ``_partition`` names the partitions the rows come from for the watermark
                (a repartitioned row's source partition) and its dead letters deliver for none.

        Raises:
            ExecutionError: an unknown input, or the engine failed.
        """
        state = self._input(source)
        batch = decoded.batch
        if positions is None:
            positions = Positions(
                _ints(batch, PARTITION), _ints(batch, OFFSET), _last_offsets(decoded.dead_letters)
            )
            self._note_delivery(state, decoded.dead_letters)
        self._note_delivery(state, batch)
        state.ledger.record(positions.partitions, positions.offsets, rejected=dict(positions.skipped))
        for other in self._inputs.values():
            if other is not state:
                other.ledger.skip(len(positions.offsets))
        self._records_in += batch.num_rows
        began = time.perf_counter()
        self._emit(self.pipeline.process(batch, source=state.name), decoded.dead_letters)
        self._batch_ms.append(1000 * (time.perf_counter() - began))

    def observe_progress(
        self, partitions: np.ndarray, event_ms: np.ndarray, *, source: str | None = None
    ) -> None:
        """Partitions of ``source`` reached these event times though their rows went elsewhere
        (progress markers of a shuffle); see ``Pipeline.observe_progress``."""
        state = self._input(source)
        self._touch(state, partitions)
        self._emit(self.pipeline.observe_progress(partitions, event_ms), None)

    def expect(
        self, partitions: Sequence[int], *, watch_idle: bool = False, source: str | None = None
    ) -> None:
        """``partitions`` of ``source`` hold data not delivered yet: they hold the watermark back
        until they deliver (``Pipeline.expect_partitions``). With ``watch_idle`` their idle clocks
        start now, so one that never delivers stops holding it after the idle timeout."""
        state = self._input(source)
        self.pipeline.expect_partitions(list(partitions))
        if watch_idle:
            now = self._clock()
            for partition in partitions:
                state.last_delivery.setdefault(partition, now)

    def resume_after(self, watermark_ms: int) -> None:
        """An earlier run of this query had reached ``watermark_ms``; see ``Pipeline.resume_after``."""
        self.pipeline.resume_after(watermark_ms)

    def release_idle(self) -> None:
        """Partitions silent for ``watermark.idle_timeout`` (processing time) stop holding the
        watermark back, and the windows that closes are emitted."""
        now = self._clock()
        for state in self._inputs.values():
            for partition, seen in state.last_delivery.items():
                if partition not in state.idle and now - seen >= self._idle_timeout_s:
                    state.idle.add(partition)
                    self._emit(self.pipeline.mark_idle(partition, source=state.name), None)

    def finish(self) -> None:
        """End of every input: the watermark moves to +infinity and every window closes."""
        self._emit(self.pipeline.finish(), None)

    def flush(self) -> None:
        """Make every result and dead letter written so far durable (before a commit)."""
        self._sink.flush()
        if self._dead_letters is not None:
            self._dead_letters.flush()

    def safe_offsets(self, source: str | None = None) -> dict[int, int]:
        """Per partition of ``source``, the next offset that may be committed once ``flush`` has
        returned: every record before it has had its effects emitted (or had none)."""
        return self._input(source).ledger.safe_offsets(self.pipeline.held_since_seq)

    def note_sources(self, *, expired_count: int, status: str, lag: Mapping[int, int]) -> None:
        """What the caller's sources report, shown with the counters."""
        self._facts = _SourceFacts(expired_count, status, dict(lag))

    def counters(self) -> Counters:
        """A snapshot of the counters (rates averaged since the start)."""
        metrics = self.pipeline.metrics
        elapsed_s = self._clock() - self._started
        times = sorted(self._batch_ms)
        return Counters(
            records_in=self._records_in,
            rows_out=metrics.rows_out,
            dead_letter_count=self._dead_letter_count,
            late_count=metrics.late_count,
            elapsed_s=elapsed_s,
            records_per_s=per_second(self._records_in, elapsed_s),
            rows_per_s=per_second(metrics.rows_out, elapsed_s),
            watermark_ms=metrics.watermark_ms,
            expired_count=self._facts.expired_count,
            source_status=self._facts.status,
            state_slots=metrics.state_slots,
            partition_lag=dict(self._facts.lag),
            latency_p50_ms=_quantile(times, 0.5),
            latency_p99_ms=_quantile(times, 0.99),
        )

    def _input(self, source: str | None) -> _Input:
        if source is None:
            if len(self._inputs) != 1:
                raise ExecutionError(f"a batch must name its input: the query reads {', '.join(self.inputs)}")
            return next(iter(self._inputs.values()))
        state = self._inputs.get(source.lower())
        if state is None:
            raise ExecutionError(
                f"the query reads no input named {source!r}; it reads {', '.join(self.inputs)}"
            )
        return state

    def _note_delivery(self, state: _Input, table: pa.RecordBatch | pa.Table) -> None:
        if table.num_rows and PARTITION in table.schema.names:
            self._touch(state, _ints(table, PARTITION))

    def _touch(self, state: _Input, partitions: np.ndarray) -> None:
        now = self._clock()
        for partition in np.unique(partitions).tolist():
            state.last_delivery[partition] = now
            state.idle.discard(partition)

    def _emit(self, output: StepOutput, decoder_dead_letters: pa.Table | None) -> None:
        self._sink.write(output)
        for table in (decoder_dead_letters, output.dead_letters):
            if table is None or not table.num_rows:
                continue
            self._dead_letter_count += table.num_rows
            if self._dead_letters is not None:
                self._dead_letters.write(table)


def _quantile(sorted_values: list[float], quantile: float) -> float | None:
    if not sorted_values:
        return None
    return sorted_values[min(len(sorted_values) - 1, int(quantile * len(sorted_values)))]


def _ints(table: pa.RecordBatch | pa.Table, name: str) -> np.ndarray:
    if not table.num_rows:
        return np.zeros(0, dtype=np.int64)
    return np.asarray(table.column(name).fill_null(0), dtype=np.int64)


def _last_offsets(dead_letters: pa.Table) -> dict[int, int]:
    """Per partition, the largest offset among the decoder's dead letters."""
    if not dead_letters.num_rows:
        return {}
    partitions = _ints(dead_letters, PARTITION)
    offsets = _ints(dead_letters, OFFSET)
    return {int(p): int(offsets[partitions == p].max()) for p in np.unique(partitions)}
