"""Names of the system columns every batch and result can carry, defined once."""

from __future__ import annotations

__all__ = [
    "KEY",
    "OFFSET",
    "OP",
    "OP_DELETE",
    "PARTITION",
    "REASON",
    "SYSTEM_COLUMNS",
    "TIMESTAMP",
    "WINDOW_BOUND_ALIASES",
    "WINDOW_END",
    "WINDOW_START",
]

KEY = "_key"
TIMESTAMP = "_timestamp"
PARTITION = "_partition"
OFFSET = "_offset"
WINDOW_START = "_window_start"
WINDOW_END = "_window_end"
OP = "_op"
OP_DELETE = "delete"
REASON = "_reason"

SYSTEM_COLUMNS = (KEY, TIMESTAMP, PARTITION, OFFSET)
WINDOW_BOUND_ALIASES = {"windowstart": WINDOW_START, "windowend": WINDOW_END}
