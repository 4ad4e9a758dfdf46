"""Generated events produced to a topic in the background until stopped: DATAGEN and the demo, a job.

Events carry the wall-clock time of their production as event time (their Kafka timestamp), so
windowed queries over them close windows in step with the clock, whatever the rate. A job shows in
SHOW QUERIES and stops on TERMINATE within one rate slice (1/20 s).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import numpy as np
import pyarrow as pa

from vsql.datagen import KINDS, EventSpec
from vsql.engine.columns import TIMESTAMP
from vsql.io.errors import InputError
from vsql.io.kafka.brokers import Broker, ensure_topic
from vsql.io.kafka.datagen import produce_events
from vsql.io.kafka.errors import BrokerError
from vsql.io.kafka.producer import JsonProducer
from vsql.runtime.counters import Counters, per_second
from vsql.runtime.jobs import JobInfo, JobKind, JobState

__all__ = ["DEFAULT_PARTITIONS", "DatagenJob"]

logger = logging.getLogger(__name__)

DEFAULT_PARTITIONS = 4
_ENDLESS = 2**62
_FLUSH_S = 2.0
_JOIN_S = 2.0


class _StoppedError(Exception):
    """Raised inside the producing loop once the job is asked to stop."""


class _WallClockProducer(JsonProducer):
    """A producer that stamps every batch with the current time and refuses work once stopped."""

    def __init__(self, config: dict[str, str], *, stop: threading.Event) -> None:
        super().__init__(config)
        self._stop = stop

    def produce_batch(self, topic: str, batch: pa.RecordBatch | pa.Table, **options: Any) -> int:
        if self._stop.is_set():
            raise _StoppedError
        if TIMESTAMP in batch.schema.names:
            now_ms = pa.array(np.full(batch.num_rows, time.time_ns() // 1_000_000, dtype=np.int64))
            batch = batch.set_column(batch.schema.get_field_index(TIMESTAMP), TIMESTAMP, now_ms)
        return super().produce_batch(topic, batch, **options)


class DatagenJob:
    """Produces events of ``kind`` to ``topic`` at ``rate`` per second in a daemon thread.

    Args:
        broker: where to produce; the topic is created (4 partitions) when missing.
        job_id: the id SHOW QUERIES shows and TERMINATE takes.
        kind: trades, orders or sensors.
        topic: the target topic.
        rate: events per second.
        keys: distinct keys (symbols, customers, sensors).
        seed: the generator's seed.

    Raises:
        InputError: an unknown kind or a rate below 1.
    """

    def __init__(
        self,
        broker: Broker,
        *,
        job_id: str,
        kind: str,
        topic: str,
        rate: int,
        keys: int = 100,
        seed: int = 7,
    ) -> None:
        if kind not in KINDS:
            raise InputError(f"unknown datagen kind '{kind}'; kinds are {', '.join(KINDS)}")
        if rate < 1:
            raise InputError(f"datagen rate must be at least 1 event per second, got {rate}")
        self.job_id = job_id
        self.statement = f"DATAGEN {kind} TO {topic} RATE {rate}"
        self.topic = topic
        self.state = JobState.RUNNING
        self._broker = broker
        self._spec = EventSpec(kind=kind, count=_ENDLESS, keys=keys, seed=seed, start_ms=0)
        self._rate = rate
        self._stop = threading.Event()
        self._producer: _WallClockProducer | None = None
        self._started = time.monotonic()
        self._ended: float | None = None
        self._thread = threading.Thread(target=self._main, name=f"vsql-{job_id}", daemon=True)

    def start(self) -> None:
        """Create the topic when missing and start producing.

        Raises:
            BrokerError: the broker cannot be reached.
        """
        ensure_topic(self._broker, self.topic, partitions=DEFAULT_PARTITIONS)
        self._producer = _WallClockProducer(self._broker.client_config, stop=self._stop)
        self._started = time.monotonic()
        self._thread.start()

    def stop(self) -> None:
        """Ask the job to stop; it does within one rate slice."""
        self._stop.set()

    def join(self, timeout_s: float | None = _JOIN_S) -> None:
        """Wait for the producing thread to end."""
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    def info(self) -> JobInfo:
        """The job as SHOW QUERIES lists it: events produced as records in and rows out."""
        produced = self._producer.produced if self._producer is not None else 0
        elapsed_s = (self._ended or time.monotonic()) - self._started
        rate = per_second(produced, elapsed_s)
        counters = Counters(
            records_in=produced, rows_out=produced, records_per_s=rate, rows_per_s=rate, elapsed_s=elapsed_s
        )
        return JobInfo(
            job_id=self.job_id,
            statement=self.statement,
            state=self.state,
            kind=JobKind.DATAGEN,
            counters=counters,
            sink=self.topic,
        )

    def _main(self) -> None:
        assert self._producer is not None
        try:
            produce_events(self._producer, self.topic, self._spec, rate_per_s=self._rate, sleep=self._sleep)
            self.state = JobState.DONE
        except _StoppedError:
            self.state = JobState.TERMINATED
            self._flush()
        except (BrokerError, ValueError) as error:
            logger.warning("%s failed: %s", self.job_id, error)
            self.state = JobState.FAILED
        finally:
            self._ended = time.monotonic()

    def _sleep(self, seconds: float) -> None:
        if self._stop.wait(seconds):
            raise _StoppedError

    def _flush(self) -> None:
        assert self._producer is not None
        try:
            self._producer.flush(_FLUSH_S)
        except BrokerError as error:
            logger.warning("%s: %s", self.job_id, error)
