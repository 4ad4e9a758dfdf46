"""The offset ledger: commit points for at-least-once delivery."""

from __future__ import annotations

import numpy as np

from vsql.io.ledger import OffsetLedger


def _record(ledger: OffsetLedger, partitions: list[int], offsets: list[int]) -> None:
    ledger.record(np.array(partitions), np.array(offsets))


def test_nothing_held_commits_past_every_delivered_offset() -> None:
    ledger = OffsetLedger()
    _record(ledger, [0, 1, 0], [10, 4, 11])
    assert ledger.safe_offsets(None) == {0: 12, 1: 5}


def test_held_batch_keeps_its_lowest_offsets_uncommitted() -> None:
    ledger = OffsetLedger()
    _record(ledger, [0, 1], [0, 0])
    _record(ledger, [0, 1, 1], [1, 1, 2])
    assert ledger.safe_offsets(2) == {0: 1, 1: 1}
    assert ledger.safe_offsets(1) == {0: 1, 1: 1}


def test_a_partition_absent_from_held_batches_commits_its_end() -> None:
    ledger = OffsetLedger()
    _record(ledger, [1], [7])
    _record(ledger, [0], [3])
    assert ledger.safe_offsets(1) == {0: 3, 1: 8}


def test_released_batches_are_forgotten_and_commits_never_need_them_again() -> None:
    ledger = OffsetLedger()
    for offset in range(5):
        _record(ledger, [0], [offset])
    assert ledger.safe_offsets(3) == {0: 3}
    assert ledger.safe_offsets(None) == {0: 5}
    _record(ledger, [0], [5])
    assert ledger.safe_offsets(5) == {0: 5}


def test_rejected_records_move_the_end_but_hold_nothing() -> None:
    ledger = OffsetLedger()
    _record(ledger, [0], [0])
    ledger.record(np.array([], dtype=np.int64), np.array([], dtype=np.int64), rejected={0: 1, 2: 9})
    assert ledger.safe_offsets(0) == {0: 0, 2: 10}
    assert ledger.safe_offsets(None) == {0: 2, 2: 10}
