"""``python -m vsql`` in a real pseudo-terminal: the shell on the embedded broker with demo data.

One session walks the README's first steps as a user types them: SHOW TOPICS, DESCRIBE, a windowed
push query whose counts rise, Ctrl-C back to the prompt, a syntax error with its caret, Ctrl-D.
Every wait is bounded, so a hang fails the test instead of stalling the suite.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

PROMPT = "vsql> "
STEP_TIMEOUT_S = 15
LIVE_ROW = re.compile(r"(SYM\d{3}) +(\d+) *\r?\n")
WINDOWED = "SELECT symbol, COUNT(*) AS n FROM trades GROUP BY symbol WINDOW TUMBLING(1s) EMIT CHANGES;"


@pytest.fixture
def shell(tmp_path: Path) -> Iterator[pexpect.spawn]:
    """The shell started in a 40x160 terminal, with no user config, history or broker settings."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("VSQL_")}
    env |= {
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "TERM": "xterm",
        "COLUMNS": "160",
        "LINES": "40",
    }
    child = pexpect.spawn(
        sys.executable,
        ["-m", "vsql"],
        cwd=str(tmp_path),
        env=env,
        encoding="utf-8",
        timeout=STEP_TIMEOUT_S,
        dimensions=(40, 160),
    )
    try:
        yield child
    finally:
        if child.isalive():
            child.terminate(force=True)


def expect_prompt(child: pexpect.spawn) -> None:
    child.expect_exact(PROMPT)


def counts_rise(child: pexpect.spawn, *, within_s: float) -> bool:
    """Read live rows until some symbol's count is seen rising, or ``within_s`` passes."""
    seen: dict[str, int] = {}
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        child.expect(LIVE_ROW, timeout=max(0.1, deadline - time.monotonic()))
        symbol, count = child.match.group(1), int(child.match.group(2))
        if seen.get(symbol, count) < count:
            return True
        seen[symbol] = count
    return False


def test_first_steps_in_a_real_terminal(shell: pexpect.spawn) -> None:
    started = time.monotonic()
    shell.expect("demo data: 2,000 trades/s into topic 'trades'")
    expect_prompt(shell)

    shell.sendline("SHOW TOPICS;")
    shell.expect(r"trades +4 +\d+")
    shell.expect_exact("(1 row)")
    expect_prompt(shell)

    shell.sendline("DESCRIBE trades;")
    shell.expect(r"price +double")
    shell.expect_exact("(4 rows)")
    expect_prompt(shell)

    shell.sendline(WINDOWED)
    assert counts_rise(shell, within_s=STEP_TIMEOUT_S)
    interrupted = time.monotonic()
    shell.sendintr()
    shell.expect(r"cancelled after [\d.]+ s: [\d,]+ records in")
    expect_prompt(shell)
    assert time.monotonic() - interrupted < 2.0

    shell.sendline("SELECT symbol, COUNT(* FROM trades;")
    shell.expect_exact("error: expected ')', found 'FROM' (line 1, column 24)")
    shell.expect(r"  SELECT symbol, COUNT\(\* FROM trades\r?\n {25}\^")
    expect_prompt(shell)

    shell.sendeof()
    shell.expect(pexpect.EOF)
    shell.close()
    assert shell.exitstatus == 0
    assert time.monotonic() - started < 45
