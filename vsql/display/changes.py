"""A query's result tables as changes to a view: keyed upserts and deletes, or appended rows.

The shell's live table and the dashboard's results table apply results through ``ResultChanges``,
so the changelog keying of DESIGN.md lives in one place. The key of a row is its values in the
shape's key columns (group keys and selected window bounds, see ``vsql.runtime.shape``):

- ``table`` mode: a row upserts its key; a ``_op = 'delete'`` row deletes it.
- ``changelog`` mode: every row is appended with an ``op`` column, ``+I`` (first row of a key),
  ``+U`` (a later row of a key) or ``-D`` (a delete).
- ``append`` mode: every row is appended as it comes.

Pure: no terminal, no thread; a view calls ``apply`` from one thread at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import pyarrow as pa

from vsql.display.cells import cell_text
from vsql.engine.columns import OP, OP_DELETE
from vsql.engine.settings import OutputMode
from vsql.io.formats.rows import display_rows
from vsql.runtime import ResultShape, resolve_output_mode

__all__ = ["OP_COLUMN", "ChangeKind", "ResultChanges", "RowChange"]

OP_COLUMN = "op"
"""The column ``changelog`` mode puts first: ``+I``, ``+U`` or ``-D``."""


class ChangeKind(Enum):
    """What a result row does to the view."""

    UPSERT = "upsert"
    DELETE = "delete"
    APPEND = "append"


@dataclass(frozen=True)
class RowChange:
    """One result row applied to the view.

    Attributes:
        kind: replace or insert the row of ``key`` (UPSERT), remove it (DELETE), or add a row (APPEND).
        key: the row's values in the key columns (empty for unkeyed results).
        row: the row as ``display_rows`` gives it (a delete row holds its key and bounds only).
        cells: the row's text in ``ResultChanges.columns`` order (``cell_text``).
    """

    kind: ChangeKind
    key: tuple[object, ...]
    row: dict[str, object]
    cells: tuple[str, ...]


class ResultChanges:
    """Turns a query's result tables into row changes for a view of ``shape``.

    Args:
        shape: the result's shape, announced before its first rows.
    """

    def __init__(self, shape: ResultShape) -> None:
        self.mode = resolve_output_mode(shape)
        self._keys = shape.key_columns or ()
        columns = [name for name in shape.columns if name != OP]
        if self.mode is OutputMode.CHANGELOG:
            columns.insert(0, OP_COLUMN)
        self.columns: tuple[str, ...] = tuple(columns)
        self._seen_keys: set[tuple[object, ...]] = set()

    def apply(self, rows: pa.Table) -> list[RowChange]:
        """The changes ``rows`` make, in row order."""
        changes = []
        for row in display_rows(rows):
            is_delete = row.get(OP) == OP_DELETE
            key = tuple(row.get(name) for name in self._keys)
            cells = [cell_text(row.get(name)) for name in self.columns]
            if self.mode is OutputMode.TABLE:
                kind = ChangeKind.DELETE if is_delete else ChangeKind.UPSERT
                changes.append(RowChange(kind=kind, key=key, row=row, cells=tuple(cells)))
                continue
            if self.mode is OutputMode.CHANGELOG:
                cells[0] = "-D" if is_delete else ("+U" if key in self._seen_keys else "+I")
                if is_delete:
                    self._seen_keys.discard(key)
                else:
                    self._seen_keys.add(key)
            changes.append(RowChange(kind=ChangeKind.APPEND, key=key, row=row, cells=tuple(cells)))
        return changes
