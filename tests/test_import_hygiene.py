"""The engine imports nothing of Kafka, terminals or the layers above it.

Each check imports a module in a fresh interpreter and inspects ``sys.modules``, so an import
hidden anywhere in the module's dependency tree is caught.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

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


TUI_MAY_IMPORT_FROM_REPL = frozenset(
    {
        "vsql.repl.candidates",  # completion: suggest's analysis plus names, no terminal
        "vsql.repl.catalog",  # the cached topic/column/query names completion reads
    }
)
"""The shell's completion logic, which the dashboard reuses instead of writing it twice; nothing
else of the shell."""

SHELL_ONLY = (
    "prompt_toolkit",
    "vsql.repl.shell",
    "vsql.repl.live",
    "vsql.repl.completer",
    "vsql.repl.startup",
)


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_tui_imports_only_the_shells_pure_modules() -> None:
    package = Path(__file__).parents[1] / "vsql" / "tui"
    used = {
        (path.relative_to(package).as_posix(), name)
        for path in package.rglob("*.py")
        for name in _imported_modules(path)
        if name.startswith("vsql.repl")
    }
    assert used, "the dashboard reuses the shell's completion and keying"
    assert sorted(entry for entry in used if entry[1] not in TUI_MAY_IMPORT_FROM_REPL) == []


def test_the_dashboard_loads_nothing_of_the_shells_terminal() -> None:
    assert offenders("vsql.tui.app", SHELL_ONLY) == []


@pytest.mark.parametrize(
    "module", ["vsql.tui.connection", "vsql.tui.query_run", "vsql.tui.sampling", "vsql.tui.export"]
)
def test_the_dashboards_logic_imports_no_textual(module: str) -> None:
    assert offenders(module, ("textual",)) == []


@pytest.mark.parametrize("module", ["vsql.repl.shell", "vsql.repl.startup"])
def test_the_shell_never_imports_the_dashboard(module: str) -> None:
    assert offenders(module, ("vsql.tui", "textual")) == []


FRONT_ENDS = ("repl", "tui", "display")


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_the_front_ends_use_only_the_runtimes_client_api(front_end: str) -> None:
    """The shell, the dashboard and what they share reach the runtime through ``vsql.runtime``'s
    public names, never through its modules (the query driver, sources, sinks, workers)."""
    package = Path(__file__).parents[1] / "vsql" / front_end
    used = {
        (path.relative_to(package).as_posix(), name)
        for path in package.rglob("*.py")
        for name in _imported_modules(path)
        if name.startswith("vsql.runtime.")
    }
    assert sorted(used) == []


WIRING = {"repl": "startup.py", "tui": "launch.py"}
"""The one module of each front end that opens the broker its runtime starts on."""


@pytest.mark.parametrize("front_end", sorted(WIRING))
def test_the_dashboard_and_the_shell_touch_no_kafka_client_and_no_engine_runner(front_end: str) -> None:
    banned = ("vsql.io.kafka", "confluent_kafka", "vsql.engine.pipeline", "vsql.engine.stages")
    package = Path(__file__).parents[1] / "vsql" / front_end
    used = sorted(
        (path.relative_to(package).as_posix(), name)
        for path in package.rglob("*.py")
        for name in _imported_modules(path)
        if name.startswith(banned) and path.name != WIRING[front_end]
    )
    assert used == []
