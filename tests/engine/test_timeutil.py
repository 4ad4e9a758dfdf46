"""Durations: parsed from their literal forms, and written back in the largest whole unit."""

from __future__ import annotations

import pytest

from vsql.engine.timeutil import format_duration, parse_duration_ms


@pytest.mark.parametrize(
    ("duration_ms", "text"),
    [(0, "0ms"), (250, "250ms"), (1_000, "1s"), (90_000, "90s"), (300_000, "5m"), (86_400_000, "1d")],
)
def test_format_duration_uses_the_largest_whole_unit(duration_ms: int, text: str) -> None:
    assert format_duration(duration_ms) == text
    assert parse_duration_ms(text) == duration_ms
