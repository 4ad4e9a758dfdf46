"""The engine imports nothing of Kafka, terminals or the layers above it.

Each check imports a module in a fresh interpreter and inspects ``sys.modules``, so an import
hidden anywhere in the module's dependency tree is caught.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

FORBIDDEN_IN_ENGINE = (
    "confluent_kafka",
    "prompt_toolkit",
    "textual",
    "rich",
    "vsql.io",
    "vsql.repl",
    "vsql.tui",
    "vsql.bench",
    "vsql.cli",
    "vsql.runtime",
)


def loaded_modules(module: str) -> set[str]:
    code = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    completed = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return set(json.loads(completed.stdout))


@pytest.mark.parametrize(
    "module", ["vsql.engine.pipeline", "vsql.engine.sql.planner", "vsql.engine.scalar", "vsql.engine.windows"]
)
def test_engine_module_imports_no_outer_layer(module: str) -> None:
    assert offenders(module, FORBIDDEN_IN_ENGINE) == []


FORBIDDEN_BELOW_THE_UIS = ("prompt_toolkit", "textual", "vsql.repl", "vsql.tui", "vsql.bench", "vsql.cli")
"""The runtime and the I/O layer serve the shell, the dashboard and the bench; they import none."""


@pytest.mark.parametrize("module", ["vsql.runtime", "vsql.io.kafka.commands", "vsql.io.formats.writers"])
def test_runtime_and_io_import_no_user_interface(module: str) -> None:
    assert offenders(module, FORBIDDEN_BELOW_THE_UIS) == []


def offenders(module: str, banned: tuple[str, ...]) -> list[str]:
    """The modules loaded by importing ``module`` that are, or are inside, a banned one."""
    return sorted(
        name
        for name in loaded_modules(module)
        for prefix in banned
        if name == prefix or name.startswith(prefix + ".")
    )
