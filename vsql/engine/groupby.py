"""GroupByStrategy: turn a batch's GROUP BY key columns into dense integer group ids.

A key seen again gets the id it got first, until ``retain`` renumbers the ids densely over the
groups that still hold state and forgets the others (a forgotten key gets a new id if it comes
back), so the keys kept are bounded by live state, not by every key ever seen. NULL is a key like
any other (SQL groups NULLs together). The mapping runs in Arrow's C kernels
(``dictionary_encode`` per batch, ``index_in`` against the keys already known), so Python work per
batch is constant, never per row.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["GroupByStrategy", "KeyEncoder", "MultiKeyGroups", "SingleGroup", "build_group_by"]


class KeyEncoder:
    """Dense ids for the values of one column, NULL included, in order of first appearance."""

    def __init__(self) -> None:
        self.values: pa.Array | None = None

    @property
    def size(self) -> int:
        """How many distinct values have ids."""
        return 0 if self.values is None else len(self.values)

    def encode(self, array: pa.Array) -> np.ndarray:
        """Ids (int64) of ``array``'s values, giving new ids to values not seen before."""
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        if len(array) == 0:
            return np.zeros(0, dtype=np.int64)
        encoded = pc.dictionary_encode(array, null_encoding="encode")
        uniques = self._align(encoded.dictionary)
        if self.values is None:
            self.values = uniques
            local_ids = np.arange(len(uniques), dtype=np.int64)
        else:
            found = pc.index_in(uniques, value_set=self.values, skip_nulls=False)
            is_new = np.asarray(found.is_null(), dtype=bool)
            local_ids = np.asarray(pc.fill_null(found, -1), dtype=np.int64)
            new_count = int(is_new.sum())
            if new_count:
                local_ids[is_new] = np.arange(self.size, self.size + new_count)
                self.values = pa.concat_arrays([self.values, uniques.filter(pa.array(is_new))])
        indices = np.asarray(encoded.indices, dtype=np.int64)
        return local_ids[indices]

    def _align(self, uniques: pa.Array) -> pa.Array:
        """Give this batch's values and the known values one type (ints widen to floats)."""
        if self.values is None or uniques.type == self.values.type:
            return uniques
        if pa.types.is_null(uniques.type):
            return uniques.cast(self.values.type)
        if pa.types.is_null(self.values.type):
            self.values = self.values.cast(uniques.type)
            return uniques
        common = _common_type(uniques.type, self.values.type)
        self.values = self.values.cast(common)
        return uniques.cast(common)

    def retain(self, ids: np.ndarray) -> None:
        """Keep only the values of ``ids`` (ascending, distinct): ``ids[i]``'s value gets id ``i``
        and the others are forgotten, to get new ids if they come back. O(values kept)."""
        if self.values is not None:
            self.values = self.values.take(pa.array(ids, type=pa.int64()))

    def take(self, ids: np.ndarray) -> pa.Array:
        """The values of ``ids``."""
        if self.values is None:
            return pa.nulls(len(ids))
        return self.values.take(pa.array(ids, type=pa.int64()))


def _common_type(left: pa.DataType, right: pa.DataType) -> pa.DataType:
    if pa.types.is_integer(left) and pa.types.is_integer(right):
        return pa.int64()
    numeric = (pa.types.is_integer(left) or pa.types.is_floating(left)) and (
        pa.types.is_integer(right) or pa.types.is_floating(right)
    )
    return pa.float64() if numeric else pa.string()


class GroupByStrategy(Protocol):
    """Maps each row of a batch to a dense group id.

    ``encode`` is called once per batch with the key columns already evaluated (one array per GROUP
    BY expression, each as long as the batch) and returns int64 ids in ``[0, group_count)``.
    ``keys(ids)`` gives back, per key expression, the key values of those ids for result rows.
    """

    @property
    def group_count(self) -> int:
        """Number of group ids in use: those ``retain`` kept plus those handed out since."""

    def encode(self, key_columns: list[pa.Array], row_count: int) -> np.ndarray:
        """Group id of every row."""

    def keys(self, ids: np.ndarray) -> list[pa.Array]:
        """The key values of ``ids``, one array per key expression."""

    def retain(self, live: np.ndarray) -> None:
        """Keep only the groups ``live`` (ascending, distinct): ``live[i]`` becomes id ``i`` and
        the other ids are forgotten; their keys get new ids if they come back. Called between
        batches, with the window strategy renumbering alike. O(groups kept)."""


class SingleGroup:
    """No GROUP BY: every row is in group 0."""

    group_count = 1

    def encode(self, key_columns: list[pa.Array], row_count: int) -> np.ndarray:
        return np.zeros(row_count, dtype=np.int64)

    def keys(self, ids: np.ndarray) -> list[pa.Array]:
        return []

    def retain(self, live: np.ndarray) -> None:
        """Group 0 is the only group and always keeps its id."""


class MultiKeyGroups:
    """One or more key expressions. Each column gets a ``KeyEncoder``; with several, the tuple of
    per-column ids is encoded again (pairwise, as an int64 code) into one group id."""

    def __init__(self, key_count: int) -> None:
        self._columns = [KeyEncoder() for _ in range(key_count)]
        self._tuples = [KeyEncoder() for _ in range(key_count - 1)]
        self._column_ids: list[np.ndarray] = [np.zeros(0, dtype=np.int64) for _ in range(key_count)]

    @property
    def group_count(self) -> int:
        return (self._tuples[-1] if self._tuples else self._columns[0]).size

    def encode(self, key_columns: list[pa.Array], row_count: int) -> np.ndarray:
        per_column = [
            encoder.encode(column) for encoder, column in zip(self._columns, key_columns, strict=True)
        ]
        return self._combine(per_column)

    def _combine(self, per_column: list[np.ndarray]) -> np.ndarray:
        """Group ids of rows with these per-column ids."""
        ids = per_column[0]
        for encoder, next_ids in zip(self._tuples, per_column[1:], strict=True):
            ids = encoder.encode(pa.array((ids << 32) | next_ids, type=pa.int64()))
        self._remember(per_column, ids)
        return ids

    def retain(self, live: np.ndarray) -> None:
        """Each column keeps the values of the live groups; the tuples are encoded again from
        those, in ``live`` order, so group ``live[i]`` gets id ``i``."""
        per_column = []
        for encoder, column_ids in zip(self._columns, self._column_ids, strict=True):
            kept = np.unique(column_ids[live])
            encoder.retain(kept)
            per_column.append(np.searchsorted(kept, column_ids[live]))
        self._tuples = [KeyEncoder() for _ in self._tuples]
        self._column_ids = [np.zeros(0, dtype=np.int64) for _ in self._column_ids]
        self._combine(per_column)

    def _remember(self, per_column: list[np.ndarray], ids: np.ndarray) -> None:
        """Keep, per group id, the id of each key column (to rebuild key values for results)."""
        count = self.group_count
        for index, column_ids in enumerate(per_column):
            known = self._column_ids[index]
            if len(known) < count:
                grown = np.zeros(count, dtype=np.int64)
                grown[: len(known)] = known
                self._column_ids[index] = known = grown
            known[ids] = column_ids

    def keys(self, ids: np.ndarray) -> list[pa.Array]:
        return [
            encoder.take(column_ids[ids])
            for encoder, column_ids in zip(self._columns, self._column_ids, strict=True)
        ]


def build_group_by(key_count: int) -> GroupByStrategy:
    """The strategy for ``key_count`` GROUP BY expressions."""
    return MultiKeyGroups(key_count) if key_count else SingleGroup()
