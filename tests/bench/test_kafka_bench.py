"""Kafka workloads of vsql bench: each tier and the end-to-end query read generated trades from an
embedded broker and relate to a bare ``consume(num_messages=...)`` loop measured in the same run."""

from __future__ import annotations

import pytest

from vsql.bench.runner import run_workloads
from vsql.bench.workloads import BARE_CONSUME, DEFAULT_WORKLOADS, WORKLOADS

KAFKA_WORKLOADS = ["kafka_consume_standard", "kafka_consume_buffered", "kafka_consume_dedicated", "kafka_e2e"]


def test_kafka_workloads_are_registered_but_not_run_by_default() -> None:
    assert set(KAFKA_WORKLOADS) <= set(WORKLOADS)
    assert not set(KAFKA_WORKLOADS) & set(DEFAULT_WORKLOADS)
    assert {WORKLOADS[name].reference for name in KAFKA_WORKLOADS} == {BARE_CONSUME}


def test_tiny_run_of_every_kafka_workload_relates_it_to_the_bare_loop() -> None:
    results = run_workloads(KAFKA_WORKLOADS, records=3_000, repeat=1).results
    assert [result.name for result in results] == KAFKA_WORKLOADS
    for result in results:
        assert result.reference == BARE_CONSUME
        assert result.reference_records_per_s > 0, "each workload's repeats time their own bare loop"
        assert result.records == 3_000
        assert result.records_per_s > 0
        assert result.normalized == pytest.approx(result.records_per_s / result.reference_records_per_s)
