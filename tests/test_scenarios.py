"""Every scenario under ``scenarios/`` runs engine-only; a ``must-fail-`` scenario must fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from vsql.scenario.model import load_scenario
from vsql.scenario.runner import run_scenario
from vsql.scenario.suite import discover

SCENARIOS = discover([Path(__file__).parent.parent / "scenarios"])


def test_there_are_scenarios_and_one_must_fail() -> None:
    assert SCENARIOS
    assert any(path.stem.startswith("must-fail-") for path in SCENARIOS)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario(path: Path) -> None:
    scenario = load_scenario(path)
    result = run_scenario(scenario)
    if scenario.name.startswith("must-fail-"):
        assert not result.passed, "a must-fail scenario passed: the checker cannot fail"
    else:
        assert result.passed, "\n".join(result.problems)
