"""The editor's statements run one at a time: a run waits for the run it replaces to end.

Running a statement while another runs stops the running one and starts a ``ForegroundRun`` that
holds the stopped one as its predecessor; the new run's thread waits for the predecessor to end
before it starts, so at most one foreground query runs, and the UI thread never waits. A run
stopped while it still waits never starts. No Textual import.
"""

from __future__ import annotations

import threading
from itertools import count

__all__ = ["ForegroundRun"]

_numbers = count(1)


class ForegroundRun:
    """One statement started from the editor, replacing ``previous`` (which must be stopped).

    Attributes:
        number: tells this run's messages from those of the runs it replaced.
        statement: the statement, without its ``;``.
        cancel: set to stop the run.
    """

    def __init__(self, statement: str, *, previous: ForegroundRun | None) -> None:
        self.number = next(_numbers)
        self.statement = statement
        self.cancel = threading.Event()
        self._ended = threading.Event()
        self._previous = previous

    def stop(self) -> bool:
        """Ask the run to stop; False when it was asked already."""
        if self.cancel.is_set():
            return False
        self.cancel.set()
        return True

    def wait_for_previous(self) -> None:
        """Block until the run this one replaces has ended (in the run's thread)."""
        if self._previous is not None:
            self._previous._ended.wait()
            self._previous = None

    def finish(self) -> None:
        """Mark the run ended (its thread calls this last); a run waiting on it starts."""
        self._ended.set()

    def wait(self, timeout_s: float) -> bool:
        """Wait at most ``timeout_s`` for the run to end; whether it has ended."""
        return self._ended.wait(timeout_s)
