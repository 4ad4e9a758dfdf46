"""Opening the shell: bad configuration or broker exits 2; the demo fills 'trades' on the embedded broker."""

from __future__ import annotations

import argparse
import io
import time
from pathlib import Path

import pytest

from vsql.repl import startup
from vsql.repl.config import Config
from vsql.runtime import JobState, Runtime


def command_line(**given: object) -> argparse.Namespace:
    """The namespace ``vsql`` parses from a bare command line, with ``given`` options set."""
    options: dict[str, object] = {
        "bootstrap": None,
        "tier": None,
        "format": None,
        "no_demo": False,
        "testcontainers": False,
        "connect_timeout": 5.0,
        "kafka_config": None,
        "kafka_properties": [],
    }
    return argparse.Namespace(**(options | given))


@pytest.fixture(autouse=True)
def clean_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("VSQL_BOOTSTRAP", "VSQL_BROKER", "VSQL_FORMAT", "VSQL_TIER", "VSQL_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


def test_a_bad_config_value_exits_2_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VSQL_FORMAT", "bogus")
    errors = io.StringIO()
    assert startup.open_shell(command_line(), stream=io.StringIO(), errors=errors) == 2
    assert "VSQL_" in errors.getvalue() and "bogus" in errors.getvalue()


def test_an_unreachable_broker_exits_2_with_one_line() -> None:
    errors = io.StringIO()
    args = command_line(bootstrap="127.0.0.1:1", connect_timeout=0.5)
    assert startup.open_shell(args, stream=io.StringIO(), errors=errors) == 2
    assert errors.getvalue().startswith("error: cannot reach the Kafka broker at 127.0.0.1:1")
    assert errors.getvalue().count("\n") == 1


def test_the_shell_opens_with_demo_trades_flowing(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, object] = {}

    def fake_shell(runtime: Runtime, config: Config) -> int:
        deadline = time.monotonic() + 10
        while not any(name == "trades" and t.messages for name, t in runtime.topics().items()):
            assert time.monotonic() < deadline, "no demo trades arrived"
            time.sleep(0.05)
        seen["topics"] = {name: t.partitions for name, t in runtime.topics().items()}
        seen["queries"] = [(job.job_id, job.state, job.sink) for job in runtime.jobs()]
        seen["tier"] = runtime.properties()["consumer.tier"]
        seen["format"] = config.format
        return 0

    monkeypatch.setattr(startup, "run_shell", fake_shell)
    greeting = io.StringIO()
    assert startup.open_shell(command_line(tier="dedicated", format="json"), stream=greeting) == 0
    assert seen == {
        "topics": {"trades": 4},
        "queries": [("DATAGEN_TRADES_1", JobState.RUNNING, "trades")],
        "tier": "dedicated",
        "format": "json",
    }
    assert "on the embedded broker at 127.0.0.1:" in greeting.getvalue()
    assert "TERMINATE DATAGEN_TRADES_1" in greeting.getvalue()


def test_no_demo_leaves_the_broker_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[object] = []
    monkeypatch.setattr(startup, "run_shell", lambda runtime, config: seen.append(runtime.topics()) or 0)
    greeting = io.StringIO()
    assert startup.open_shell(command_line(no_demo=True), stream=greeting) == 0
    assert seen == [{}]
    assert "demo" not in greeting.getvalue()
