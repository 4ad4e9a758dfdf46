"""Scenario model: every field parsed into typed values; every bad file rejected with its field."""

from __future__ import annotations

from pathlib import Path

import pytest

from vsql.scenario.errors import ScenarioFileError
from vsql.scenario.model import CheckKind, EndOfInput, Replay, load_scenario

DATA = Path(__file__).parent / "data"
BAD_FILES = sorted((DATA / "bad").glob("*.yaml"))


def test_every_field_of_a_full_file_is_parsed() -> None:
    scenario = load_scenario(DATA / "good" / "full.yaml")
    assert scenario.name == "full"
    assert scenario.settings == (("watermark.max_out_of_orderness", "2s"), ("window.allowed_lateness", "0"))
    trades, other = scenario.inputs
    assert (trades.name, trades.partitions) == ("trades", 2)
    assert trades.records[0] == {"_timestamp": 0, "_key": "a", "_partition": 1, "symbol": "A"}
    assert trades.records[1] == {"_raw": "not json"}
    assert trades.raw == ('{"symbol": ',)
    assert other.file == (DATA / "trades.ndjson").resolve()
    assert scenario.end_of_input is EndOfInput.HOLD
    assert scenario.replay is Replay.ENGINE_ONLY
    expected = scenario.expected
    assert expected.ordered is True
    assert expected.rows == ({"symbol": "A"},)
    assert (expected.dead_letters, expected.late, expected.error) == (2, 0, None)
    assert [c.kind for c in expected.checks] == [CheckKind.RECORD_COUNT, CheckKind.THROUGHPUT]
    assert expected.checks[0].limits == (("equals", 1.0),)


def test_defaults_and_name_from_file(tmp_path: Path) -> None:
    path = tmp_path / "plain.yaml"
    path.write_text("sql: SELECT a FROM t\nexpected: {error: boom}\n")
    scenario = load_scenario(path)
    assert scenario.name == "plain"
    assert scenario.end_of_input is EndOfInput.FLUSH
    assert scenario.replay is Replay.ANY
    assert scenario.expected.error == "boom"
    assert scenario.expected.late is None
    assert scenario.expected.dead_letters is None


def test_bad_files_exist() -> None:
    assert len(BAD_FILES) >= 20


@pytest.mark.parametrize("path", BAD_FILES, ids=lambda p: p.stem)
def test_every_bad_file_raises_a_file_error_naming_the_file(path: Path) -> None:
    with pytest.raises(ScenarioFileError) as caught:
        load_scenario(path)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize(
    ("stem", "field"),
    [
        ("unknown-top-field", "bogus"),
        ("unknown-expected-field", "expected.dead_letter"),
        ("unknown-input-field", "inputs.t.recordz"),
        ("partition-out-of-range", "inputs.t.records[0]._partition"),
        ("check-unknown-limit", "expected.checks[0].max"),
    ],
)
def test_the_error_names_the_field(stem: str, field: str) -> None:
    with pytest.raises(ScenarioFileError) as caught:
        load_scenario(DATA / "bad" / f"{stem}.yaml")
    assert caught.value.field == field


def test_a_missing_file_is_a_file_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioFileError, match="cannot read"):
        load_scenario(tmp_path / "nope.yaml")
