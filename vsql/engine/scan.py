"""Per-group scans over rows in arrival order, on whole arrays."""

from __future__ import annotations

import numpy as np

__all__ = ["group_max_before"]


def group_max_before(groups: np.ndarray, values: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """For each row, the largest value its group delivered before it (arrival order), counting the
    group's ``prior`` value from earlier batches (``prior`` is indexed by group id).

    Runs in O(n log n): rows are sorted by group, and a running maximum over
    ``segment * (n + 1) + rank`` keeps groups apart without resetting the scan.
    """
    count = len(values)
    if not count:
        return np.zeros(0, dtype=values.dtype)
    order = np.argsort(groups, kind="stable")
    sorted_groups = groups[order]
    is_first = np.ones(count, dtype=bool)
    is_first[1:] = sorted_groups[1:] != sorted_groups[:-1]
    segment = np.cumsum(is_first) - 1
    rank = np.empty(count, dtype=np.int64)
    rank[np.argsort(values[order], kind="stable")] = np.arange(count)
    stride = count + 1
    best_rank = np.maximum.accumulate(segment * stride + rank) - segment * stride
    by_rank = np.empty(count, dtype=values.dtype)
    by_rank[rank] = values[order]
    before = np.empty(count, dtype=values.dtype)
    before[1:] = by_rank[best_rank[:-1]]
    before[is_first] = np.iinfo(np.int64).min
    before = np.maximum(before, prior[sorted_groups])
    result = np.empty(count, dtype=values.dtype)
    result[order] = before
    return result
