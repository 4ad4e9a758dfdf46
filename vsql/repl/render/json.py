"""JSON lines: one object per result row; delete rows leave out their null columns."""

from __future__ import annotations

from typing import TextIO

import orjson
import pyarrow as pa

from vsql.repl.render.row import display_rows

__all__ = ["JsonRenderer"]


class JsonRenderer:
    """Writes each row as one JSON object on its own line, as soon as it arrives.

    Args:
        stream: where the lines go.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, rows: pa.Table) -> None:
        """Write the rows, one line each."""
        options = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY
        for row in display_rows(rows):
            self._stream.write(orjson.dumps(row, default=str, option=options).decode())
            self._stream.write("\n")

    def close(self) -> None:
        """Flush the stream."""
        self._stream.flush()
