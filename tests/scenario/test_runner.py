"""Scenario runner (engine-only): inputs, partitioning, counts, checks, error expectations."""

from __future__ import annotations

from pathlib import Path

import pytest

from vsql.scenario.errors import ScenarioFileError
from vsql.scenario.model import load_scenario
from vsql.scenario.runner import run_scenario

SQL = "SELECT symbol, COUNT(*) AS n FROM trades GROUP BY symbol EMIT FINAL"


def _scenario(tmp_path: Path, body: str):
    path = tmp_path / "s.yaml"
    path.write_text(body)
    return load_scenario(path)


def test_passing_scenario_with_raw_lines_counts_dead_letters(tmp_path: Path) -> None:
    scenario = _scenario(
        tmp_path,
        f"sql: {SQL}\ninputs:\n  trades:\n    records:\n      - {{_timestamp: 1, symbol: A}}\n"
        "      - {_raw: 'nope'}\n    raw: ['{\"symbol\": ']\n"
        "expected: {rows: [{symbol: A, n: 1}], dead_letters: 2, late: 0,\n"
        "           checks: [{type: record_count, equals: 1}]}\n",
    )
    result = run_scenario(scenario)
    assert result.passed, result.problems
    assert result.stats is not None and result.stats.dead_letter_count == 2


def test_a_wrong_count_fails_with_a_diff(tmp_path: Path) -> None:
    scenario = _scenario(
        tmp_path,
        f"sql: {SQL}\ninputs: {{trades: {{records: [{{_timestamp: 1, symbol: A}}]}}}}\n"
        "expected: {rows: [{symbol: A, n: 1}], dead_letters: 5, checks: [{type: record_count, min: 3}]}\n",
    )
    problems = run_scenario(scenario).problems
    assert "dead_letters: expected 5, got 0" in problems
    assert any(p.startswith("record_count") for p in problems)


def test_keyed_records_spread_over_partitions_by_murmur2(tmp_path: Path) -> None:
    scenario = _scenario(
        tmp_path,
        "sql: SELECT _key AS k, _partition AS p FROM trades\n"
        "inputs: {trades: {partitions: 4, records: [{_key: foobar, _timestamp: 1}, {_timestamp: 2}]}}\n"
        "expected: {rows: [{k: foobar, p: 2}, {k: null, p: 0}]}\n",
    )
    result = run_scenario(scenario)
    assert result.passed, result.problems


def test_error_expectation_matches_a_substring(tmp_path: Path) -> None:
    ok = _scenario(tmp_path, "sql: SELECT nosuchfn(a) FROM trades\nexpected: {error: nosuchfn}\n")
    assert run_scenario(ok).passed
    wrong = _scenario(tmp_path, "sql: SELECT nosuchfn(a) FROM trades\nexpected: {error: something else}\n")
    assert not run_scenario(wrong).passed


def test_missing_input_for_the_source_is_a_file_error(tmp_path: Path) -> None:
    scenario = _scenario(
        tmp_path, f"sql: {SQL}\ninputs: {{other: {{records: []}}}}\nexpected: {{rows: []}}\n"
    )
    with pytest.raises(ScenarioFileError, match="no input for the query's source 'trades'"):
        run_scenario(scenario)


def test_generated_input_feeds_the_seeded_generator(tmp_path: Path) -> None:
    generated = _scenario(
        tmp_path,
        "sql: SELECT COUNT(*) AS n, COUNT(DISTINCT symbol) AS symbols FROM trades EMIT FINAL\n"
        "inputs: {trades: {generate: {kind: trades, count: 5000, seed: 3, keys: 7}}}\n"
        "expected: {rows: [{n: 5000, symbols: 7}]}\n",
    )
    assert run_scenario(generated).passed


def test_generated_input_with_a_bad_option_is_a_file_error(tmp_path: Path) -> None:
    generated = _scenario(
        tmp_path,
        f"sql: {SQL}\ninputs: {{trades: {{generate: {{kind: planets, count: 10}}}}}}\n"
        "expected: {rows: []}\n",
    )
    with pytest.raises(ScenarioFileError, match="unknown event kind 'planets'"):
        run_scenario(generated)


def test_memory_checks_are_unsupported_file_errors(tmp_path: Path) -> None:
    memory = _scenario(
        tmp_path,
        f"sql: {SQL}\ninputs: {{trades: {{records: []}}}}\n"
        "expected: {rows: [], checks: [{type: memory_growth, max_ratio: 1.2}]}\n",
    )
    with pytest.raises(ScenarioFileError, match="unsupported check 'memory_growth'"):
        run_scenario(memory)
