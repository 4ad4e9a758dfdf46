"""CSV: a header line, then one line per row; NULL is an empty field.

The columns are those of the first batch, ``_op`` included when the result is a changelog.
"""

from __future__ import annotations

import csv
from typing import TextIO

import pyarrow as pa

__all__ = ["CsvRenderer"]


class CsvRenderer:
    """Writes rows as CSV with a header taken from the first batch.

    Args:
        stream: where the lines go.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._writer = csv.writer(stream, lineterminator="\n")
        self._columns: list[str] | None = None

    def write(self, rows: pa.Table) -> None:
        """Write the rows (and the header, the first time)."""
        if self._columns is None:
            if not rows.num_columns:
                return
            self._columns = list(rows.column_names)
            self._writer.writerow(self._columns)
        data = rows.to_pydict()
        for index in range(rows.num_rows):
            self._writer.writerow(
                [_text(data[name][index]) if name in data else "" for name in self._columns]
            )

    def close(self) -> None:
        """Flush the stream."""
        self._stream.flush()


def _text(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value
