"""Per-partition progress: spans of delivered offsets, jumps, expired records."""

from __future__ import annotations

import numpy as np

from vsql.io.kafka.committed import Committed
from vsql.io.kafka.progress import PartitionSpan, Progress, spans_of


def test_spans_find_first_last_and_jumps_per_partition() -> None:
    partitions = np.array([1, 1, 0, 1, 0, 0], dtype=np.int32)
    offsets = np.array([5, 6, 0, 9, 1, 2], dtype=np.int64)
    assert spans_of(partitions, offsets) == [
        PartitionSpan(0, 0, 2),
        PartitionSpan(1, 5, 9, ((6, 9),)),
    ]


def test_jump_below_the_log_start_counts_as_expired_others_as_skipped() -> None:
    progress = Progress(
        low_watermark=lambda _p: 8, committed=lambda parts: dict.fromkeys(parts, Committed(3))
    )
    progress.assign([0])
    progress.record([PartitionSpan(0, 10, 12, ((11, 12),))], {})
    assert progress.expired() == {0: 5}
    assert progress.skipped() == {0: 2}
    assert progress.positions() == {0: 13}
    assert not progress.caught_up
    progress.record([], {0: 13})
    assert progress.caught_up
