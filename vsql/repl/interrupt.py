"""Running blocking work so that Ctrl-C stops only that work, never the shell.

The work runs in a worker thread; the main thread waits for it and is the one that receives
SIGINT as ``KeyboardInterrupt``. The first Ctrl-C sets the work's cancel event and keeps waiting for
it to wind down; a second one abandons it (the thread is a daemon) and returns at once. A timeout
sets the same cancel event, so work stops the same way whether a user or a clock ended it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["Interruptible", "run_interruptible"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

_POLL_S = 0.05


@dataclass(frozen=True)
class Interruptible(Generic[T]):
    """How interruptible work ended.

    Attributes:
        value: what the work returned; None when it was abandoned.
        is_cancelled: Ctrl-C was pressed while it ran.
        is_timed_out: its timeout passed while it ran (and cancelled it).
    """

    value: T | None
    is_cancelled: bool
    is_timed_out: bool = False


def run_interruptible(
    work: Callable[[threading.Event], T], *, timeout_s: float | None = None
) -> Interruptible[T]:
    """Run ``work(cancel)`` in a worker thread until it returns, turning Ctrl-C into ``cancel.set()``.

    Args:
        work: blocks until done or until the event it is given is set.
        timeout_s: also set that event after this many seconds (never when None).

    Returns:
        The work's value, and whether it was cancelled.

    Raises:
        BaseException: whatever the work raised, re-raised in the calling thread.
    """
    cancel = threading.Event()
    done = threading.Event()
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["value"] = work(cancel)
        except BaseException as error:  # handed to the calling thread, re-raised there
            outcome["error"] = error
        finally:
            done.set()

    worker = threading.Thread(target=target, name="vsql-statement", daemon=True)
    interrupts = 0
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    timed_out = False
    try:
        worker.start()
        while not done.wait(_POLL_S):
            if deadline is not None and not timed_out and time.monotonic() >= deadline:
                timed_out = True
                cancel.set()
    except KeyboardInterrupt:
        interrupts = 1
        cancel.set()
        logger.debug("Ctrl-C: cancelling the running statement")
        interrupts += _wait_after_cancel(done)
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return Interruptible(
        value=outcome.get("value"),  # type: ignore[arg-type]
        is_cancelled=interrupts > 0,
        is_timed_out=timed_out,
    )


def _wait_after_cancel(done: threading.Event) -> int:
    """Wait for cancelled work to finish; a further Ctrl-C stops waiting. Returns the Ctrl-Cs seen."""
    try:
        while not done.wait(_POLL_S):
            pass
    except KeyboardInterrupt:
        logger.warning("statement did not stop after Ctrl-C; abandoned")
        return 1
    return 0
