"""A value as text in a table cell, the same in the shell's tables and the dashboard's."""

from __future__ import annotations

__all__ = ["NULL_TEXT", "cell_text"]

NULL_TEXT = "NULL"
_FLOAT_FORMAT = ".10g"


def cell_text(value: object) -> str:
    """A value as shown in a table cell: NULL, true/false, floats to 10 significant digits."""
    if value is None:
        return NULL_TEXT
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(value, _FLOAT_FORMAT)
    return str(value)
