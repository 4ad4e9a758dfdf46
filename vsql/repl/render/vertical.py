"""Vertical: one block per row, one ``column | value`` line per field (psql's ``\\x``), for rows
too wide for a terminal."""

from __future__ import annotations

from typing import TextIO

import pyarrow as pa

from vsql.display.cells import cell_text
from vsql.io.formats.rows import display_rows

__all__ = ["VerticalRenderer"]


class VerticalRenderer:
    """Writes each row as a numbered record block.

    Args:
        stream: where the blocks go.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._count = 0

    def write(self, rows: pa.Table) -> None:
        """Write one block per row, as the rows arrive."""
        for row in display_rows(rows):
            self._count += 1
            width = max((len(name) for name in row), default=0)
            self._stream.write(f"-[ RECORD {self._count} ]" + "-" * max(width, 8) + "\n")
            for name, value in row.items():
                self._stream.write(f"{name.ljust(width)} | {cell_text(value)}\n")

    def close(self) -> None:
        """Nothing is buffered."""
