"""The live view's status line."""

from __future__ import annotations

from vsql.repl.live import status_text
from vsql.runtime import Counters


def test_status_text_shows_expired_records_only_when_some_expired() -> None:
    assert "expired" not in status_text(Counters(records_in=10))
    assert "| 3 expired" in status_text(Counters(records_in=10, expired_count=3))
