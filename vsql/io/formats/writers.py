"""Text writers of result rows, shared by the shell's renderers and the file sinks.

``JsonLinesWriter`` writes one JSON object per row (a delete row leaves out its null columns);
``CsvWriter`` writes a header taken from the first batch (``_op`` included when the result is a
changelog), then one line per row, NULL as an empty field. Both write each batch as it comes and
never close the stream.
"""

from __future__ import annotations

import csv
from typing import TextIO

import orjson
import pyarrow as pa

from vsql.io.formats.rows import display_rows

__all__ = ["CsvWriter", "JsonLinesWriter"]


class JsonLinesWriter:
    """Writes each row as one JSON object on its own line, as soon as it arrives.

    Args:
        stream: where the lines go.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, rows: pa.Table) -> None:
        """Write the rows, one line each (in one write per batch)."""
        if not rows.num_rows:
            return
        options = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_APPEND_NEWLINE
        lines = b"".join(orjson.dumps(row, default=str, option=options) for row in display_rows(rows))
        self._stream.write(lines.decode())

    def close(self) -> None:
        """Flush the stream."""
        self._stream.flush()


class CsvWriter:
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
