"""Shared helpers of the dashboard tests: waiting on the App without wall-clock sleeps in assertions."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

DATA = Path(__file__).parent / "data"
BASELINES = DATA / "baselines"


async def wait_for(pilot: Pilot, condition: Callable[[], bool], *, timeout_s: float = 20.0) -> None:
    """Let the App run until ``condition`` holds; fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the dashboard"
        await pilot.pause(0.05)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run ``async def`` tests of this folder in a fresh event loop (Textual's ``run_test`` is async)."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    arguments = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    asyncio.run(pyfuncitem.obj(**arguments))
    return True
