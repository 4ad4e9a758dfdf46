"""Producing generated events (``vsql.datagen``) to a Kafka topic, optionally at a fixed rate.

Messages are keyed by the event's natural key (``symbol``, ``customer``, ``sensor``) and carry the
event time as their Kafka timestamp. Rate limiting works per slice of rows: a slice is produced,
then the producer sleeps until the slice's scheduled end; no sleep per message.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

from vsql.datagen import EventSpec, generate
from vsql.io.kafka.producer import JsonProducer

__all__ = ["KEY_COLUMNS", "produce_events"]

logger = logging.getLogger(__name__)

KEY_COLUMNS = {"trades": "symbol", "orders": "customer", "sensors": "sensor"}
_SLICES_PER_S = 20
_BATCH_ROWS = 65_536


def produce_events(
    producer: JsonProducer,
    topic: str,
    spec: EventSpec,
    *,
    rate_per_s: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Produce the events of ``spec`` to ``topic`` and flush; returns the number produced.

    Args:
        producer: the producer.
        topic: the target topic.
        spec: what to generate (kind, count, keys, disorder, seed, start time).
        rate_per_s: messages per second, None for as fast as possible.
        clock: monotonic time in seconds (injectable for tests).
        sleep: sleeps for seconds (injectable for tests).

    Raises:
        BrokerError: messages could not be delivered.
    """
    if rate_per_s is not None and rate_per_s <= 0:
        raise ValueError(f"rate_per_s must be > 0, got {rate_per_s}")
    rows = (
        _BATCH_ROWS if rate_per_s is None else max(1, min(_BATCH_ROWS, math.ceil(rate_per_s / _SLICES_PER_S)))
    )
    key_column = KEY_COLUMNS[spec.kind]
    started = clock()
    produced = 0
    for batch in generate(spec, batch_rows=rows):
        produced += producer.produce_batch(topic, batch, key_column=key_column)
        if rate_per_s is not None:
            ahead_s = started + produced / rate_per_s - clock()
            if ahead_s > 0:
                sleep(ahead_s)
    producer.flush()
    logger.info("produced %d %s to %s in %.2f s", produced, spec.kind, topic, clock() - started)
    return produced
