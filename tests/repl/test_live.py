"""The live view's status and summary lines."""

from __future__ import annotations

from vsql.repl.backend import QueryStatus
from vsql.repl.live import status_text, summary_line


def test_summary_line_counts_rows_and_reports_expired_records() -> None:
    status = QueryStatus(records_in=1_200, rows_out=30, elapsed_s=2.04, expired_count=5)
    assert summary_line(status, is_cancelled=True) == (
        "cancelled after 2.0 s: 1,200 records in, 30 rows out, 5 expired before they were read"
    )


def test_status_text_shows_expired_records_only_when_some_expired() -> None:
    assert "expired" not in status_text(QueryStatus(records_in=10))
    assert "| 3 expired" in status_text(QueryStatus(records_in=10, expired_count=3))
