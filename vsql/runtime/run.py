"""The in-process run loop: batches from a query's sources through its driver, with commits.

Each turn takes the next batch of every source (round robin, so one busy input does not starve
another) and hands it to the ``QueryDriver``; a source's None is a heartbeat. Every
``commit_interval_s`` the driver's sinks are flushed and each source commits the offsets the
driver says are safe (at-least-once). Partitions silent for ``watermark.idle_timeout`` stop
holding the watermark back. After every turn the progress hook gets the counters.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping

import pyarrow as pa

from vsql.engine.sql.plan import LogicalPlan
from vsql.io.formats.decoded import Decoded
from vsql.io.kafka.errors import BrokerError, log_level
from vsql.runtime.counters import Counters
from vsql.runtime.driver import QueryDriver
from vsql.runtime.sinks import CallbackSink, DeadLetterSink, ResultSink
from vsql.runtime.sources import BlockSource, Source

__all__ = ["ProgressHook", "run_finite", "run_query"]

ProgressHook = Callable[[Counters], None]
"""Called after every turn of the loop with a snapshot of the counters."""

logger = logging.getLogger(__name__)


def run_query(
    plan: LogicalPlan,
    sources: Source | Mapping[str, Source],
    *,
    sink: ResultSink,
    dead_letters: DeadLetterSink | None = None,
    finish: bool = True,
    cancel: threading.Event | None = None,
    commit_interval_s: float = 1.0,
    on_progress: ProgressHook | None = None,
) -> Counters:
    """Run ``plan`` until its sources end, its LIMIT is reached, or ``cancel`` is set.

    Args:
        plan: the compiled query.
        sources: its input, or its inputs by the names the query reads them under.
        sink: where results go.
        dead_letters: where dead letters go (they are always counted).
        finish: once every source has ended, close every window (end of input); a cancelled
            run never finishes.
        cancel: set it to stop the run (Ctrl-C, TERMINATE).
        commit_interval_s: how often sinks are flushed and input offsets committed.
        on_progress: called with the counters after every turn.

    Raises:
        ExecutionError: the engine failed. BrokerError: the broker failed.
    """
    named = sources if isinstance(sources, Mapping) else {plan.source.name: sources}
    driver = QueryDriver(plan, sink=sink, dead_letters=dead_letters, inputs=list(named))
    loop = _Loop(driver, named, on_progress=on_progress)
    loop.resume()
    for name, decoded in _interleaved(named):
        if cancel is not None and cancel.is_set():
            break
        loop.step(name, decoded)
        if driver.is_done:
            break
        driver.release_idle()
        loop.maybe_commit(commit_interval_s)
        loop.report()
    cancelled = cancel is not None and cancel.is_set()
    if finish and not cancelled and not driver.is_done:
        driver.finish()
    loop.commit()
    loop.report()
    return driver.counters()


def run_finite(
    plan: LogicalPlan,
    inputs: Iterable[Decoded],
    *,
    on_rows: Callable[[pa.Table], None],
    finish: bool = True,
) -> Counters:
    """Run a plan over finite decoded blocks, handing result tables to ``on_rows``."""
    return run_query(plan, BlockSource(inputs), sink=CallbackSink(on_rows), finish=finish)


def _interleaved(sources: Mapping[str, Source]) -> Iterator[tuple[str, Decoded | None]]:
    """The sources' batches, one from each live source per round, until every one has ended."""
    live = {name: iter(source.batches()) for name, source in sources.items()}
    while live:
        for name, batches in list(live.items()):
            decoded = next(batches, _ENDED)
            if decoded is _ENDED:
                del live[name]
                continue
            yield name, decoded  # type: ignore[misc]


_ENDED = object()


class _Loop:
    """What the loop adds to the driver: its sources' positions, commits and reports."""

    def __init__(
        self, driver: QueryDriver, sources: Mapping[str, Source], *, on_progress: ProgressHook | None
    ) -> None:
        self._driver = driver
        self._sources = sources
        self._on_progress = on_progress
        self._expecting: set[str] = set(sources)
        self._lag: dict[int, int] = {}
        self._last_commit = time.monotonic()

    def resume(self) -> None:
        """Resume after the lowest watermark an earlier run of the query committed, if any."""
        marks = [source.resume_watermark() for source in self._sources.values()]
        known = [mark for mark in marks if mark is not None]
        if known:
            self._driver.resume_after(min(known))

    def step(self, name: str, decoded: Decoded | None) -> None:
        if name in self._expecting:
            waiting = self._sources[name].waiting_partitions()
            if waiting is not None:
                self._driver.expect(waiting, source=name)
                self._expecting.discard(name)
        if decoded is not None:
            self._driver.process(decoded, source=name)

    def maybe_commit(self, interval_s: float) -> None:
        if time.monotonic() - self._last_commit >= interval_s:
            self.commit()

    def commit(self) -> None:
        self._driver.flush()
        watermark_ms = self._driver.pipeline.metrics.watermark_ms
        for name, source in self._sources.items():
            try:
                source.commit(self._driver.safe_offsets(name), watermark_ms=watermark_ms)
            except BrokerError as error:
                # Not fatal: the next commit covers these offsets too, and uncommitted input is only
                # read again after a restart (at-least-once). A broker gone for good fails the read.
                logger.log(log_level(error), "commit failed, will retry with the next one: %s", error)
        self._lag = {}
        for source in self._sources.values():
            self._lag.update(source.lag())
        self._last_commit = time.monotonic()

    def report(self) -> None:
        """Hand the counters to the progress hook: once per turn, after the batch, idle partitions
        and the commit, so rows, watermark and lag agree."""
        sources = list(self._sources.values())
        statuses = [source.status for source in sources if source.status != "ok"]
        self._driver.note_sources(
            expired_count=sum(source.expired_count for source in sources),
            status=statuses[0] if statuses else "ok",
            lag=self._lag,
        )
        if self._on_progress is not None:
            self._on_progress(self._driver.counters())
