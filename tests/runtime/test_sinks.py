"""Sinks through the runtime on an embedded broker: ``CREATE STREAM x AS SELECT ... WITH (...)``
writes JSON results to a topic (keys, tombstones, window-end timestamps) or to a file, runs in the
background, is listed among the jobs with live counters and stops on ``terminate``."""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from vsql.engine.errors import PlanError
from vsql.io.kafka.brokers import EmbeddedBroker
from vsql.runtime import JobInfo, JobState, Runtime

TRADES = [
    {"symbol": "A", "venue": "X", "price": 1.0, "ts": 1_000},
    {"symbol": "B", "venue": "X", "price": 2.0, "ts": 1_100},
    {"symbol": "A", "venue": "Y", "price": 3.0, "ts": 1_500},
    {"symbol": "A", "venue": "X", "price": 4.0, "ts": 2_500},
    {"symbol": "B", "venue": "X", "price": 5.0, "ts": 4_000},
]

Reader = Callable[[str], list[Any]]


@pytest.fixture
def trades(topic_factory: Callable[..., str]) -> str:
    return topic_factory(1, {0: TRADES})


def _run_to_end(broker: EmbeddedBroker, statement: str, **inputs: Path) -> JobInfo | None:
    """Run one CREATE STREAM until it has read its input; the job it started, if any."""
    runtime = Runtime(broker=broker, inputs=inputs, properties={"scan.bounded.mode": "latest-offset"})
    runtime.run(runtime.prepare(statement))
    runtime.close(wait=True)
    return next(iter(runtime.jobs()), None)


def _wait_for(condition: Callable[[], bool], *, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_windowed_results_are_keyed_by_group_key_and_stamped_with_window_end(
    broker: EmbeddedBroker, trades: str, read_topic: Reader
) -> None:
    query = _run_to_end(
        broker,
        f"CREATE STREAM {trades}_w AS SELECT symbol, COUNT(*) AS n, SUM(price) AS total FROM {trades} "
        "GROUP BY symbol WINDOW TUMBLING(ts, 1s) EMIT FINAL",
    )
    assert query is not None and query.state is JobState.DONE
    messages = read_topic(f"{trades}_w")
    assert [(m.key, m.timestamp_ms, m.fields) for m in messages] == [
        ("A", 2_000, {"symbol": "A", "n": 2, "total": 4.0}),
        ("B", 2_000, {"symbol": "B", "n": 1, "total": 2.0}),
        ("A", 3_000, {"symbol": "A", "n": 1, "total": 4.0}),
        ("B", 5_000, {"symbol": "B", "n": 1, "total": 5.0}),
    ]


def test_compound_group_key_is_joined_with_a_bar_and_topic_comes_from_with(
    broker: EmbeddedBroker, trades: str, read_topic: Reader
) -> None:
    _run_to_end(
        broker,
        f"CREATE STREAM {trades}_c AS SELECT symbol, venue, COUNT(*) AS n FROM {trades} "
        f"GROUP BY symbol, venue WINDOW TUMBLING(ts, 1s) WITH ('{trades}_c.topic' = '{trades}_elsewhere')",
    )
    assert [m.key for m in read_topic(f"{trades}_elsewhere")] == ["A|X", "A|Y", "B|X", "A|X", "B|X"]
    assert f"{trades}_c" not in broker.topics()


def test_primary_key_column_is_the_key_else_the_input_key(
    broker: EmbeddedBroker, trades: str, read_topic: Reader
) -> None:
    _run_to_end(
        broker, f"CREATE STREAM {trades}_pk AS SELECT symbol PRIMARY KEY, price FROM {trades} WHERE price > 1"
    )
    _run_to_end(broker, f"CREATE STREAM {trades}_in AS SELECT symbol, price FROM {trades}")
    assert [(m.key, m.timestamp_ms, m.fields) for m in read_topic(f"{trades}_pk")] == [
        ("B", 1_100, {"symbol": "B", "price": 2.0}),
        ("A", 1_500, {"symbol": "A", "price": 3.0}),
        ("A", 2_500, {"symbol": "A", "price": 4.0}),
        ("B", 4_000, {"symbol": "B", "price": 5.0}),
    ]
    assert [m.key for m in read_topic(f"{trades}_in")] == ["k0", "k1", "k2", "k3", "k4"]


def test_session_merge_deletes_become_tombstones(
    broker: EmbeddedBroker, trades: str, read_topic: Reader
) -> None:
    _run_to_end(
        broker,
        f"CREATE STREAM {trades}_s AS SELECT symbol, COUNT(*) AS n FROM {trades} "
        "GROUP BY symbol WINDOW SESSION(ts, 1s) EMIT CHANGES",
    )
    assert [(m.key, m.timestamp_ms, m.fields) for m in read_topic(f"{trades}_s")] == [
        ("A", 2_000, {"symbol": "A", "n": 1}),
        ("B", 2_100, {"symbol": "B", "n": 1}),
        ("A", 2_000, None),
        ("A", 2_500, {"symbol": "A", "n": 2}),
        ("A", 3_500, {"symbol": "A", "n": 1}),
        ("B", 5_000, {"symbol": "B", "n": 1}),
    ]


def test_rows_leaving_having_become_tombstones(
    broker: EmbeddedBroker, trades: str, read_topic: Reader
) -> None:
    _run_to_end(
        broker,
        f"CREATE TABLE {trades}_h AS SELECT symbol, COUNT(*) AS n FROM {trades} "
        "GROUP BY symbol HAVING COUNT(*) < 2 EMIT CHANGES",
    )
    assert [(m.key, m.fields) for m in read_topic(f"{trades}_h")] == [
        ("A", {"symbol": "A", "n": 1}),
        ("B", {"symbol": "B", "n": 1}),
        ("A", None),
        ("B", None),
    ]


def test_continuous_query_is_listed_with_live_stats_until_terminated(
    broker: EmbeddedBroker, trades: str, read_topic: Reader
) -> None:
    runtime = Runtime(broker=broker)
    outcome = runtime.run(
        runtime.prepare(f"CREATE STREAM {trades}_live AS SELECT symbol, price FROM {trades}")
    )
    query_id = outcome.job_id
    assert query_id == f"CSAS_{trades.upper()}_LIVE_1"

    def job() -> JobInfo:
        info = runtime.job(query_id)
        assert info is not None
        return info

    _wait_for(lambda: job().counters.records_in == len(TRADES))
    assert job().state is JobState.RUNNING
    assert job().counters.rows_out == len(TRADES)
    assert runtime.terminate(query_id.lower()) == [query_id]
    assert job().state is JobState.TERMINATED
    assert len(read_topic(f"{trades}_live")) == len(TRADES)
    with pytest.raises(PlanError, match="no query NOPE"):
        runtime.terminate("nope")
    runtime.close()


FILE_QUERY = (
    "CREATE STREAM {name} AS SELECT symbol, COUNT(*) AS n, _window_end AS we FROM {source} "
    "GROUP BY symbol WINDOW SESSION(ts, 1s) EMIT CHANGES "
    "WITH ('{name}.type' = 'file_sink', '{name}.path' = '{path}', '{name}.format' = '{file_format}')"
)
EXPECTED_FILE_ROWS = [
    {"symbol": "A", "n": 1, "we": 2000},
    {"symbol": "B", "n": 1, "we": 2100},
    {"symbol": "A", "we": 2000, "_op": "delete"},
    {"symbol": "A", "n": 2, "we": 2500},
    {"symbol": "A", "n": 1, "we": 3500},
    {"symbol": "B", "n": 1, "we": 5000},
]


def _file_rows(path: Path, file_format: str) -> list[dict]:
    if file_format == "json":
        return [json.loads(line) for line in path.read_text().splitlines()]
    with path.open(newline="") as stream:
        return [
            {k: int(v) if v.isdigit() else v for k, v in row.items() if v != ""}
            for row in csv.DictReader(stream)
        ]


@pytest.mark.parametrize("file_format", ["json", "csv"])
@pytest.mark.parametrize("over", ["kafka", "file"])
def test_file_sink_writes_json_or_csv_over_a_topic_or_a_file(
    broker: EmbeddedBroker, trades: str, tmp_path: Path, file_format: str, over: str
) -> None:
    source = tmp_path / "trades.ndjson"
    source.write_text("".join(json.dumps(trade) + "\n" for trade in TRADES))
    path = tmp_path / f"out.{file_format}"
    name = f"{trades}_file"
    statement = FILE_QUERY.format(
        name=name, source=trades if over == "kafka" else "trades_file", path=path, file_format=file_format
    )
    query = _run_to_end(broker, statement, trades_file=source)
    assert (query is not None) == (over == "kafka")
    assert _file_rows(path, file_format) == EXPECTED_FILE_ROWS


@pytest.mark.parametrize(
    ("properties", "message"),
    [
        ("'{n}.type' = 'file_sink', '{n}.path' = '{p}', '{n}.format' = 'table'", "unknown file sink format"),
        ("'{n}.type' = 'file_sink'", "needs a path"),
        ("'{n}.type' = 'jdbc_sink'", "unknown sink type"),
        ("'{n}.format' = 'csv'", "Kafka sinks write json"),
    ],
)
def test_bad_sink_properties_are_rejected_before_the_query_starts(
    broker: EmbeddedBroker, trades: str, tmp_path: Path, properties: str, message: str
) -> None:
    name = f"{trades}_bad"
    runtime = Runtime(broker=broker)
    with_clause = properties.format(n=name, p=tmp_path / "out")
    with pytest.raises(PlanError, match=message):
        runtime.run(
            runtime.prepare(f"CREATE STREAM {name} AS SELECT symbol FROM {trades} WITH ({with_clause})")
        )
    assert runtime.jobs() == []
    assert not (tmp_path / "out").exists()
