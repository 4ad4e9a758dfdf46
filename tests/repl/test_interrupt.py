"""Interruptible work: a timeout cancels it the way Ctrl-C does."""

from __future__ import annotations

import threading

import pytest

from vsql.repl.interrupt import run_interruptible

LONG_WAIT_S = 30.0
"""Longer than any test runs: work waiting this long was never cancelled."""


def test_a_timeout_sets_the_cancel_event_and_is_reported() -> None:
    ended = run_interruptible(lambda cancel: cancel.wait(LONG_WAIT_S), timeout_s=0.05)
    assert ended.value is True
    assert ended.is_timed_out and not ended.is_cancelled


def test_work_done_before_its_timeout_is_not_timed_out() -> None:
    ended = run_interruptible(lambda cancel: "done", timeout_s=LONG_WAIT_S)
    assert ended.value == "done"
    assert not ended.is_timed_out


def test_an_error_of_the_work_is_raised_in_the_caller() -> None:
    def fail(_cancel: threading.Event) -> None:
        raise ValueError("bad")

    with pytest.raises(ValueError, match="bad"):
        run_interruptible(fail)
