"""Scenario files: scripted inputs with exact expected outputs, parsed, run and compared."""

from vsql.scenario.errors import ScenarioFileError
from vsql.scenario.model import Scenario, load_scenario

__all__ = ["Scenario", "ScenarioFileError", "load_scenario"]
