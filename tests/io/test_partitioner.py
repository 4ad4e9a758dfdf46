"""Kafka's murmur2 and default partition, against the Java client's reference values."""

from __future__ import annotations

import pytest

from vsql.io.partitioner import key_partition, murmur2


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"21", -973932308),
        (b"foobar", -790332482),
        (b"a-little-bit-long-string", -985981536),
        (b"a-little-bit-longer-string", -1486304829),
        (b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971),
        (b"abc", 479470107),
    ],
)
def test_murmur2_matches_kafka(data: bytes, expected: int) -> None:
    assert murmur2(data) == expected


def test_key_partition_is_in_range_and_stable() -> None:
    assert all(0 <= key_partition(f"k{i}".encode(), 3) < 3 for i in range(50))
    assert key_partition(b"foobar", 4) == (-790332482 & 0x7FFFFFFF) % 4
