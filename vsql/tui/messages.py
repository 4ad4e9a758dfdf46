"""Messages the dashboard's workers post to the App: small classes with typed payloads.

Workers run in threads and never touch a widget; they post these (``post_message`` is
thread-safe) and the App's handlers update the widgets on the UI thread.
"""

from __future__ import annotations

import pyarrow as pa
from textual.message import Message

from vsql.runtime import Counters, ResultShape
from vsql.tui.connection import Connection

__all__ = [
    "BrokerReady",
    "MetricsTick",
    "Notice",
    "QueryFinished",
    "QueryStarted",
    "ResultsBatch",
]


class BrokerReady(Message):
    """The dashboard is connected (at start, or after a broker switch)."""

    def __init__(self, connection: Connection) -> None:
        super().__init__()
        self.connection = connection


class QueryStarted(Message):
    """A foreground query compiled; its rows follow."""

    def __init__(self, statement: str, shape: ResultShape) -> None:
        super().__init__()
        self.statement = statement
        self.shape = shape


class ResultsBatch(Message):
    """Result rows of the foreground query, in emission order (several engine steps coalesced)."""

    def __init__(self, rows: pa.Table) -> None:
        super().__init__()
        self.rows = rows


class MetricsTick(Message):
    """A sample of the watched query's counters."""

    def __init__(self, sample: Counters) -> None:
        super().__init__()
        self.sample = sample


class QueryFinished(Message):
    """A foreground statement ended: cancelled, done, or failed (``error`` set); ``run`` is the
    ``ForegroundRun.number`` of the run that ended."""

    def __init__(self, summary: str, *, run: int, error: str | None = None) -> None:
        super().__init__()
        self.summary = summary
        self.run = run
        self.error = error


class Notice(Message):
    """A line for the user from a worker (datagen started, terminated, ...); ``is_error`` for failures."""

    def __init__(self, text: str, *, is_error: bool = False) -> None:
        super().__init__()
        self.text = text
        self.is_error = is_error
