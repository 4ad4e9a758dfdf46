"""Time in the engine: int64 epoch milliseconds, and duration literals turned into milliseconds.

Accepted duration forms: ``250ms``, ``30s``, ``5m``, ``1h``, ``1d`` (a number and a unit, with or
without a space), the ksqlDB form ``30 SECONDS``, ``INTERVAL '30' SECOND`` and a bare integer of
milliseconds.
"""

from __future__ import annotations

import re

__all__ = ["MAX_MS", "MIN_MS", "UNIT_MS", "format_duration", "parse_duration_ms", "unit_ms"]

MIN_MS = 0
MAX_MS = 2**62

UNIT_MS: dict[str, int] = {
    "ms": 1,
    "millisecond": 1,
    "milliseconds": 1,
    "s": 1_000,
    "sec": 1_000,
    "second": 1_000,
    "seconds": 1_000,
    "m": 60_000,
    "min": 60_000,
    "minute": 60_000,
    "minutes": 60_000,
    "h": 3_600_000,
    "hour": 3_600_000,
    "hours": 3_600_000,
    "d": 86_400_000,
    "day": 86_400_000,
    "days": 86_400_000,
}

_DURATION = re.compile(r"^\s*(?:interval\s+)?'?\s*(\d+)\s*'?\s*([a-z]*)\s*$", re.IGNORECASE)


def unit_ms(unit: str) -> int:
    """Milliseconds in one ``unit`` (case-insensitive); raises ValueError naming the unit if unknown."""
    try:
        return UNIT_MS[unit.lower()]
    except KeyError:
        allowed = "ms, s, m, h, d, MILLISECOND(S), SECOND(S), MINUTE(S), HOUR(S), DAY(S)"
        raise ValueError(f"unknown duration unit {unit!r}; expected one of {allowed}") from None


def parse_duration_ms(text: str) -> int:
    """Parse a duration literal into milliseconds.

    Args:
        text: ``'30s'``, ``'250 ms'``, ``"INTERVAL '5' MINUTE"``, ``'2000'`` (milliseconds) and so on.

    Returns:
        The duration in milliseconds.

    Raises:
        ValueError: the text is not a duration; the message repeats it.
    """
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"not a duration: {text!r}; write e.g. 500ms, 30s, 5m or INTERVAL '1' MINUTE")
    amount, unit = match.groups()
    return int(amount) * (unit_ms(unit) if unit else 1)


_DISPLAY_UNITS_MS = (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000))


def format_duration(duration_ms: int) -> str:
    """A duration in the largest unit that divides it: ``1s``, ``90s``, ``5m``, ``250ms``, ``0ms``."""
    if duration_ms == 0:
        return "0ms"
    for unit, size_ms in _DISPLAY_UNITS_MS:
        if duration_ms % size_ms == 0:
            return f"{duration_ms // size_ms}{unit}"
    return f"{duration_ms}ms"
