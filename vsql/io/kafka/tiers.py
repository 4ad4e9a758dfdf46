"""How a consumer fetches messages: the three consumer tiers.

Each tier turns the client's messages into prepared chunks with a ``prepare`` function given by
the consumer (column extraction and batch decoding); they differ only in how messages are
fetched and where the preparation runs:

- ``StandardFetcher``: one ``poll()`` per message, up to a batch, prepared inline.
- ``BufferedFetcher``: one ``consume(num_messages=n)`` per batch, prepared inline (the default).
- ``DedicatedFetcher``: a background thread consumes and prepares batches into a bounded queue
  (back-pressure: when the queue is full the thread stops fetching, and librdkafka's own bounded
  prefetch queue stops growing too), so fetching and decoding overlap with the caller's work.

Other calls on the client (commits, watermarks) go through ``Fetcher.call``. With the dedicated
tier they run on the fetching thread between two fetches: measured with confluent-kafka 2.16, a
call from another thread while one thread loops on ``consume`` waits until that loop pauses
(seconds to forever), so the fetching thread is the client's only user.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Generic, Protocol, TypeVar

from confluent_kafka import Consumer, Message

from vsql.engine.settings import ConsumerTier
from vsql.io.kafka.errors import BrokerError

__all__ = ["BufferedFetcher", "DedicatedFetcher", "Fetcher", "StandardFetcher", "make_fetcher"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")
Prepare = Callable[[list[Message]], T]

_THREAD_POLL_S = 0.05
_JOIN_TIMEOUT_S = 10.0


class Fetcher(Protocol[T]):
    """Fetches and prepares the next chunk of messages."""

    def next(self, timeout_s: float) -> T | None:
        """The next prepared chunk, or None when no message arrived within ``timeout_s``."""
        ...

    def call(self, action: Callable[[Consumer], R]) -> R:
        """Run ``action`` on the consumer from the thread that fetches; returns its result."""
        ...

    def close(self) -> None:
        """Stop fetching (the consumer itself is closed by its owner). Idempotent."""
        ...


class _InlineFetcher:
    """Fetchers that run in the caller's thread call the consumer directly."""

    _consumer: Consumer

    def call(self, action: Callable[[Consumer], R]) -> R:
        return action(self._consumer)

    def close(self) -> None:
        """Nothing runs in the background."""


class StandardFetcher(_InlineFetcher, Generic[T]):
    """One ``poll()`` per message: waits up to the timeout for the first, then takes what is
    already there, up to ``batch_size`` messages."""

    def __init__(self, consumer: Consumer, prepare: Prepare[T], *, batch_size: int) -> None:
        self._consumer = consumer
        self._prepare = prepare
        self._batch_size = batch_size

    def next(self, timeout_s: float) -> T | None:
        poll = self._consumer.poll
        first = poll(timeout_s)
        if first is None:
            return None
        messages = [first]
        while len(messages) < self._batch_size:
            message = poll(0)
            if message is None:
                break
            messages.append(message)
        return self._prepare(messages)


class BufferedFetcher(_InlineFetcher, Generic[T]):
    """``consume(num_messages=batch_size)`` per chunk, taking what is already fetched.

    ``consume(n, timeout)`` waits for n messages (or the timeout) even when some are ready, and
    nothing is decoded while it waits. So a chunk is what the client holds right now; only when
    it holds nothing does the call wait, for the first message.
    """

    def __init__(self, consumer: Consumer, prepare: Prepare[T], *, batch_size: int) -> None:
        self._consumer = consumer
        self._prepare = prepare
        self._batch_size = batch_size

    def next(self, timeout_s: float) -> T | None:
        consume = self._consumer.consume
        messages = consume(self._batch_size, 0)
        if not messages:
            messages = consume(1, timeout_s)
            if messages:
                messages += consume(self._batch_size - 1, 0)
        return self._prepare(messages) if messages else None


class DedicatedFetcher(Generic[T]):
    """A background thread that consumes and prepares chunks into a queue of ``queue_chunks``.

    The thread is the only caller of ``consume`` (and so runs the rebalance callbacks). An error
    in it is raised by the next ``next`` call.
    """

    def __init__(
        self, consumer: Consumer, prepare: Prepare[T], *, batch_size: int, queue_chunks: int
    ) -> None:
        if queue_chunks < 1:
            raise ValueError(f"queue_chunks must be >= 1, got {queue_chunks}")
        self._consumer = consumer
        self._prepare = prepare
        self._batch_size = batch_size
        self._queue: queue.Queue[T] = queue.Queue(maxsize=queue_chunks)
        self._tasks: queue.SimpleQueue[tuple[Callable[[Consumer], Any], Future[Any]]] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="vsql-kafka-prefetch", daemon=True)
        self._thread.start()

    @property
    def queued(self) -> int:
        """Prepared chunks waiting in the queue (at most ``queue_chunks``)."""
        return self._queue.qsize()

    def next(self, timeout_s: float) -> T | None:
        if self._failure is not None and self._queue.empty():
            timeout_s = 0.0
        try:
            return self._queue.get(timeout=timeout_s)
        except queue.Empty:
            if self._failure is not None:
                raise BrokerError(f"the prefetch thread failed: {self._failure}") from self._failure
            return None

    def call(self, action: Callable[[Consumer], R]) -> R:
        if not self._thread.is_alive():
            return action(self._consumer)
        future: Future[R] = Future()
        self._tasks.put((action, future))
        return future.result()

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(_JOIN_TIMEOUT_S)
            if self._thread.is_alive():
                logger.warning("the prefetch thread did not stop within %g s", _JOIN_TIMEOUT_S)

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                self._serve_tasks()
                messages = self._consumer.consume(self._batch_size, _THREAD_POLL_S)
                if messages:
                    self._put(self._prepare(messages))
        except Exception as error:  # handed to the caller by next()
            logger.debug("prefetch thread failed", exc_info=True)
            self._failure = error
        finally:
            self._serve_tasks()

    def _serve_tasks(self) -> None:
        while True:
            try:
                action, future = self._tasks.get_nowait()
            except queue.Empty:
                return
            try:
                future.set_result(action(self._consumer))
            except Exception as error:  # re-raised in the calling thread
                future.set_exception(error)

    def _put(self, chunk: T) -> None:
        while not self._stop.is_set():
            self._serve_tasks()
            try:
                self._queue.put(chunk, timeout=_THREAD_POLL_S)
                return
            except queue.Full:
                continue


def make_fetcher(
    tier: ConsumerTier, consumer: Consumer, prepare: Prepare[T], *, batch_size: int, queue_chunks: int
) -> Fetcher[T]:
    """The fetcher of a tier."""
    if tier is ConsumerTier.DEDICATED:
        return DedicatedFetcher(consumer, prepare, batch_size=batch_size, queue_chunks=queue_chunks)
    if tier is ConsumerTier.STANDARD:
        return StandardFetcher(consumer, prepare, batch_size=batch_size)
    return BufferedFetcher(consumer, prepare, batch_size=batch_size)
