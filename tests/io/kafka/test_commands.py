"""The ``vsql broker`` and ``vsql datagen`` commands."""

from __future__ import annotations

import io
import threading

import pytest

from vsql.cli import main
from vsql.io.formats.json import JsonDecoder
from vsql.io.kafka.brokers import EmbeddedBroker, LiveBroker, TopicInfo
from vsql.io.kafka.commands import run_broker, run_datagen
from vsql.io.kafka.consumer import TopicConsumer


def test_datagen_writes_count_keyed_messages(
    broker: EmbeddedBroker, capsys: pytest.CaptureFixture[str]
) -> None:
    broker.create_topic("dg", 3)
    code = main(
        [
            "datagen",
            "trades",
            "--topic",
            "dg",
            "--count",
            "3000",
            "--keys",
            "7",
            "--start-ms",
            "1000",
            "--bootstrap",
            broker.bootstrap,
        ]
    )
    assert code == 0
    assert capsys.readouterr().out == "produced=3000 topic=dg\n"
    assert broker.topics()["dg"] == TopicInfo(partitions=3, messages=3000)
    with TopicConsumer(broker.consumer_config, "dg", group_id="g-dg", decoder=JsonDecoder()) as consumer:
        rows = [d.batch for d in consumer.batches(until_caught_up=True)]
    keys = {k for batch in rows for k in batch["_key"].to_pylist()}
    symbols = {s for batch in rows for s in batch["symbol"].to_pylist()}
    assert keys == symbols and len(keys) == 7
    assert min(t for batch in rows for t in batch["_timestamp"].to_pylist()) == 1000


def test_datagen_to_another_process_broker_lets_it_auto_create_the_topic(broker: EmbeddedBroker) -> None:
    args = _datagen_args(broker, "--count", "200", "--rate", "4000")
    out = io.StringIO()
    assert run_datagen(args, stream=out) == 0
    assert out.getvalue() == "produced=200 topic=rated\n"
    assert broker.topics()["rated"] == TopicInfo(partitions=4, messages=200)


def test_datagen_without_a_broker_serves_its_own_until_stopped() -> None:
    stop = threading.Event()
    out = io.StringIO()
    seen: dict[str, TopicInfo] = {}

    def check() -> None:
        while "produced=" not in out.getvalue():
            threading.Event().wait(0.02)
        bootstrap = out.getvalue().splitlines()[0].removeprefix("bootstrap=")
        seen.update(LiveBroker(bootstrap, timeout_s=2).topics())
        stop.set()

    checker = threading.Thread(target=check)
    checker.start()
    args = _datagen_args(None, "--count", "50")
    assert run_datagen(args, stream=out, stop=stop) == 0
    checker.join()
    assert seen["rated"] == TopicInfo(partitions=4, messages=50)


def test_broker_command_prints_its_bootstrap_and_creates_topics() -> None:
    stop = threading.Event()
    out = io.StringIO()
    topics: dict[str, TopicInfo] = {}

    def check() -> None:
        while "topic=" not in out.getvalue():
            threading.Event().wait(0.02)
        bootstrap = out.getvalue().splitlines()[0].removeprefix("bootstrap=")
        topics.update(LiveBroker(bootstrap, timeout_s=2).topics())
        stop.set()

    checker = threading.Thread(target=check)
    checker.start()
    assert run_broker(partitions=3, topics=["a", "b"], stream=out, stop=stop) == 0
    checker.join()
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("bootstrap=127.0.0.1:")
    assert lines[1:] == ["topic=a partitions=3", "topic=b partitions=3"]
    assert topics == {"a": TopicInfo(3, 0), "b": TopicInfo(3, 0)}


def test_datagen_reports_an_unreachable_broker(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["datagen", "orders", "--topic", "x", "--bootstrap", "127.0.0.1:1", "--connect-timeout", "1"])
    assert code == 2
    assert "cannot reach the Kafka broker at 127.0.0.1:1" in capsys.readouterr().err


def _datagen_args(broker: EmbeddedBroker | None, *extra: str):
    from vsql.cli import _parser  # noqa: PLC0415

    bootstrap = ["--bootstrap", broker.bootstrap] if broker is not None else []
    return _parser("datagen").parse_args(["datagen", "sensors", "--topic", "rated", *bootstrap, *extra])
