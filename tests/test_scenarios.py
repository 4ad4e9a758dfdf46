"""Every scenario under ``scenarios/`` passes engine-only and through Kafka; a wrong expectation
fails.

``tests/scenario/data/must-fail/`` holds scenarios whose expectations are wrong on purpose: they
prove the checker can fail (as Beam's transcript tests keep cases that must fail).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from vsql.cli import main
from vsql.scenario.model import load_scenario
from vsql.scenario.runner import run_scenario
from vsql.scenario.suite import discover

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = discover([ROOT / "scenarios"])
MUST_FAIL = discover([ROOT / "tests" / "scenario" / "data" / "must-fail"])


def test_there_are_scenarios_and_must_fail_cases() -> None:
    assert len(SCENARIOS) >= 20
    assert MUST_FAIL


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_passes(path: Path) -> None:
    result = run_scenario(load_scenario(path))
    assert result.passed, "\n".join(result.problems)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_passes_through_kafka(path: Path) -> None:
    result = run_scenario(load_scenario(path), through_kafka=True)
    assert result.passed, "\n".join(result.problems)


@pytest.mark.parametrize("path", MUST_FAIL, ids=lambda p: p.stem)
def test_wrong_expectation_fails(path: Path) -> None:
    assert not run_scenario(load_scenario(path)).passed, (
        "a must-fail scenario passed: the checker cannot fail"
    )


def test_command_passes_on_the_scenarios_folder(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenario", "run", "--engine-only", str(ROOT / "scenarios")]) == 0
    assert "FAIL" not in capsys.readouterr().out


def test_command_exits_1_with_a_diff_when_a_scenario_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenario", "run", "--engine-only", *map(str, MUST_FAIL)]) == 1
    assert "FAIL" in capsys.readouterr().out
