"""Column binding: which batch column each reference in an expression reads.

A reference resolves to the column with exactly its name; failing that an unquoted reference
resolves through the window-bound aliases (``WINDOWSTART`` -> ``_window_start``), then
case-insensitively. A reference that finds nothing reads all NULL, since JSON sources are
schemaless and a field may be absent from a whole batch. Resolution depends only on the batch's
column names, so it is computed once per distinct list of names and cached.
"""

from __future__ import annotations

import pyarrow as pa

from vsql.engine.columns import WINDOW_BOUND_ALIASES
from vsql.engine.errors import ExecutionError
from vsql.engine.scalar.base import ColumnRef

__all__ = ["ColumnBinder"]

_CACHE_LIMIT = 32


def _resolve(ref: ColumnRef, names: tuple[str, ...]) -> int | None:
    if ref.name in names:
        return names.index(ref.name)
    if ref.quoted:
        return None
    folded = ref.name.lower()
    alias = WINDOW_BOUND_ALIASES.get(folded)
    if alias is not None and alias in names:
        return names.index(alias)
    matches = [i for i, name in enumerate(names) if name.lower() == folded]
    if len(matches) > 1:
        candidates = ", ".join(names[i] for i in matches)
        raise ExecutionError(f"column reference {ref.name} is ambiguous: it matches {candidates}")
    return matches[0] if matches else None


class ColumnBinder:
    """Binds a fixed set of column references to the columns of each batch.

    Args:
        refs: the references an expression reads.
    """

    def __init__(self, refs: frozenset[ColumnRef]) -> None:
        self._refs = tuple(refs)
        self._cache: dict[tuple[str, ...], tuple[int | None, ...]] = {}

    def bind(self, batch: pa.RecordBatch | pa.Table) -> dict[ColumnRef, pa.Array]:
        """The array each reference reads in ``batch``: a column, or all NULL when none matches.

        Raises:
            ExecutionError: an unquoted reference matches several columns case-insensitively and
                none exactly.
        """
        names = tuple(batch.schema.names)
        indices = self._cache.get(names)
        if indices is None:
            indices = tuple(_resolve(ref, names) for ref in self._refs)
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[names] = indices
        return {
            ref: pa.nulls(batch.num_rows) if index is None else _as_array(batch.column(index))
            for ref, index in zip(self._refs, indices, strict=True)
        }


def _as_array(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(column, pa.ChunkedArray):
        return column.combine_chunks()
    return column
