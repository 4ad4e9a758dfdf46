"""Running blocking work so that Ctrl-C stops only that work, never the shell.

The work runs in a worker thread; the main thread waits for it and is the one that receives
SIGINT as ``KeyboardInterrupt``. The first Ctrl-C sets the work's cancel event and keeps waiting for
it to wind down; a second one abandons it (the thread is a daemon) and returns at once.
"""

from __future__ import annotations

import logging
import threading
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
    """

    value: T | None
    is_cancelled: bool


def run_interruptible(work: Callable[[threading.Event], T]) -> Interruptible[T]:
    """Run ``work(cancel)`` in a worker thread until it returns, turning Ctrl-C into ``cancel.set()``.

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
    try:
        worker.start()
        while not done.wait(_POLL_S):
            pass
    except KeyboardInterrupt:
        interrupts = 1
        cancel.set()
        logger.debug("Ctrl-C: cancelling the running statement")
        interrupts += _wait_after_cancel(done)
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return Interruptible(value=outcome.get("value"), is_cancelled=interrupts > 0)  # type: ignore[arg-type]


def _wait_after_cancel(done: threading.Event) -> int:
    """Wait for cancelled work to finish; a further Ctrl-C stops waiting. Returns the Ctrl-Cs seen."""
    try:
        while not done.wait(_POLL_S):
            pass
    except KeyboardInterrupt:
        logger.warning("statement did not stop after Ctrl-C; abandoned")
        return 1
    return 0
