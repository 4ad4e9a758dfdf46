"""Plain aligned text columns: a header, a rule, the rows and a row count.

Rows are buffered until ``close`` so every column gets its final width. Numbers align right,
floats show 10 significant digits, NULL shows as ``NULL``.
"""

from __future__ import annotations

from typing import TextIO

import pyarrow as pa

from vsql.display.cells import cell_text
from vsql.io.formats.rows import visible_columns

__all__ = ["TableRenderer"]


class TableRenderer:
    """Writes all rows as one aligned text table when closed.

    Args:
        stream: where the table goes.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._tables: list[pa.Table] = []

    def write(self, rows: pa.Table) -> None:
        """Buffer the rows."""
        if rows.num_columns:
            self._tables.append(rows)

    def close(self) -> None:
        """Write the table and the row count."""
        if not self._tables:
            self._stream.write("(0 rows)\n")
            self._stream.flush()
            return
        rows = pa.concat_tables(self._tables, promote_options="permissive")
        columns = visible_columns(rows)
        data = rows.to_pydict()
        cells = [[cell_text(value) for value in data[name]] for name in columns]
        right = [_is_numeric(rows.schema.field(name).type) for name in columns]
        widths = [
            max([len(name)] + [len(cell) for cell in column])
            for name, column in zip(columns, cells, strict=True)
        ]
        lines = [_line(columns, widths, [False] * len(columns)), "  ".join("-" * width for width in widths)]
        lines += [_line([column[index] for column in cells], widths, right) for index in range(rows.num_rows)]
        count = rows.num_rows
        lines.append(f"({count} row{'' if count == 1 else 's'})")
        self._stream.write("\n".join(lines) + "\n")
        self._stream.flush()


def _line(values: list[str], widths: list[int], right: list[bool]) -> str:
    parts = [
        value.rjust(width) if is_right else value.ljust(width)
        for value, width, is_right in zip(values, widths, right, strict=True)
    ]
    return "  ".join(parts).rstrip()


def _is_numeric(data_type: pa.DataType) -> bool:
    return pa.types.is_integer(data_type) or pa.types.is_floating(data_type) or pa.types.is_decimal(data_type)
