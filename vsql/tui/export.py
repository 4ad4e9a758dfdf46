"""Writing the rows the results table shows to a CSV or NDJSON file, with the shared row writers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa

from vsql.io.errors import InputError
from vsql.io.formats.writers import CsvWriter, JsonLinesWriter

__all__ = ["EXPORT_FORMATS", "export_rows"]

EXPORT_FORMATS: dict[str, type[CsvWriter | JsonLinesWriter]] = {
    ".csv": CsvWriter,
    ".json": JsonLinesWriter,
    ".ndjson": JsonLinesWriter,
    ".jsonl": JsonLinesWriter,
}
"""File suffix -> writer (JSON is one object per line, as ``--format json``)."""


def export_rows(rows: Sequence[dict[str, object]], path: Path) -> int:
    """Write ``rows`` to ``path`` in the format its suffix names; returns the rows written.

    Columns are the union of the rows' keys, in first-seen order; a row without a column has NULL.

    Raises:
        InputError: an unknown suffix, or the file cannot be written.
    """
    writer_class = EXPORT_FORMATS.get(path.suffix.lower())
    if writer_class is None:
        raise InputError(f"cannot export to {path.name!r}: use a name ending in {', '.join(EXPORT_FORMATS)}")
    columns = list(dict.fromkeys(name for row in rows for name in row))
    table = pa.table({name: [row.get(name) for row in rows] for name in columns})
    try:
        with path.open("w", encoding="utf-8", newline="") as stream:
            writer = writer_class(stream)
            writer.write(table)
            writer.close()
    except OSError as error:
        raise InputError(f"cannot write {str(path)!r}: {error.strerror or error}") from error
    return len(rows)
