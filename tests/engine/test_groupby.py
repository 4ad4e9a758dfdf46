"""GroupByStrategy: dense, stable group ids; NULL is a group; multi-key; key widening."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from vsql.engine.groupby import KeyEncoder, MultiKeyGroups, SingleGroup, build_group_by


def test_no_group_by_puts_every_row_in_group_zero() -> None:
    groups = build_group_by(0)
    assert isinstance(groups, SingleGroup)
    assert groups.encode([], 3).tolist() == [0, 0, 0]
    assert groups.group_count == 1
    assert groups.keys(np.array([0])) == []


def test_ids_are_dense_in_order_of_first_appearance() -> None:
    groups = build_group_by(1)
    assert groups.encode([pa.array(["b", "a", "b", "c"])], 4).tolist() == [0, 1, 0, 2]
    assert groups.group_count == 3


def test_ids_are_stable_across_batches() -> None:
    groups = build_group_by(1)
    groups.encode([pa.array(["b", "a"])], 2)
    assert groups.encode([pa.array(["c", "a", "b", "c"])], 4).tolist() == [2, 1, 0, 2]
    assert groups.encode([pa.array(["a"])], 1).tolist() == [1]
    assert groups.keys(np.array([2, 0, 1])) == [pa.array(["c", "b", "a"])]


def test_null_is_a_group_of_its_own() -> None:
    groups = build_group_by(1)
    first = groups.encode([pa.array(["a", None, None])], 3)
    second = groups.encode([pa.array([None, "a", "b"])], 3)
    assert first.tolist() == [0, 1, 1]
    assert second.tolist() == [1, 0, 2]
    assert groups.keys(np.array([1])) == [pa.array([None], type=pa.string())]


def test_null_first_seen_in_a_later_batch_gets_a_new_id() -> None:
    groups = build_group_by(1)
    groups.encode([pa.array([1, 2])], 2)
    assert groups.encode([pa.array([None, 2], type=pa.int64())], 2).tolist() == [2, 1]


def test_all_null_batch_of_null_type_joins_the_null_group() -> None:
    groups = build_group_by(1)
    groups.encode([pa.array(["a", None])], 2)
    assert groups.encode([pa.nulls(2)], 2).tolist() == [1, 1]
    assert groups.group_count == 2


def test_multi_key_groups_distinguish_every_tuple() -> None:
    groups = build_group_by(2)
    assert isinstance(groups, MultiKeyGroups)
    symbols = pa.array(["a", "a", "b", "b", "a", None])
    venues = pa.array([1, 2, 1, 1, 1, None])
    ids = groups.encode([symbols, venues], 6)
    assert ids.tolist() == [0, 1, 2, 2, 0, 3]
    assert groups.group_count == 4
    keys = groups.keys(np.array([3, 2, 1, 0]))
    assert keys[0].to_pylist() == [None, "b", "a", "a"]
    assert keys[1].to_pylist() == [None, 1, 2, 1]


def test_multi_key_ids_are_stable_across_batches() -> None:
    groups = build_group_by(2)
    groups.encode([pa.array(["a", "b"]), pa.array(["x", "y"])], 2)
    ids = groups.encode([pa.array(["b", "a", "a"]), pa.array(["y", "y", "x"])], 3)
    assert ids.tolist() == [1, 2, 0]
    keys = groups.keys(np.array([0, 1, 2]))
    assert [key.to_pylist() for key in keys] == [["a", "b", "a"], ["x", "y", "y"]]


def test_multi_key_tuples_with_a_null_in_either_column() -> None:
    groups = build_group_by(2)
    ids = groups.encode([pa.array(["a", None, "a", None]), pa.array([None, "x", None, None])], 4)
    assert ids.tolist() == [0, 1, 0, 2]


def test_int_key_then_float_key_of_equal_value_is_one_group() -> None:
    groups = build_group_by(1)
    groups.encode([pa.array([15000, 2])], 2)
    assert groups.encode([pa.array([15000.0, 2.5])], 2).tolist() == [0, 2]
    assert groups.keys(np.array([0, 1, 2]))[0].to_pylist() == [15000.0, 2.0, 2.5]


def test_float_key_then_int_key_of_equal_value_is_one_group() -> None:
    groups = build_group_by(1)
    groups.encode([pa.array([1.0, 2.5])], 2)
    assert groups.encode([pa.array([1, 3])], 2).tolist() == [0, 2]


def test_int_widths_widen_to_int64() -> None:
    encoder = KeyEncoder()
    encoder.encode(pa.array([1, 2], type=pa.int32()))
    assert encoder.encode(pa.array([2, 300000], type=pa.int64())).tolist() == [1, 2]


def test_empty_batch_gives_no_ids() -> None:
    groups = build_group_by(1)
    assert groups.encode([pa.array([], type=pa.string())], 0).tolist() == []
    groups.encode([pa.array(["a"])], 1)
    assert groups.encode([pa.array([], type=pa.string())], 0).tolist() == []
    assert groups.group_count == 1


def test_chunked_key_columns_are_accepted() -> None:
    groups = build_group_by(1)
    chunked = pa.chunked_array([["a", "b"], ["a"]])
    assert groups.encode([chunked], 3).tolist() == [0, 1, 0]


def test_many_keys_over_many_batches_match_a_dictionary() -> None:
    rng = np.random.default_rng(7)
    groups = build_group_by(2)
    expected: dict[tuple, int] = {}
    for _ in range(20):
        size = int(rng.integers(0, 50))
        left = [None if v == 0 else f"k{v}" for v in rng.integers(0, 15, size).tolist()]
        right = [None if v == 0 else int(v) for v in rng.integers(0, 4, size).tolist()]
        ids = groups.encode([pa.array(left, type=pa.string()), pa.array(right, type=pa.int64())], size)
        want = [expected.setdefault(pair, len(expected)) for pair in zip(left, right, strict=True)]
        assert ids.tolist() == want
    keys = groups.keys(np.arange(len(expected)))
    assert list(zip(keys[0].to_pylist(), keys[1].to_pylist(), strict=True)) == list(expected)


def test_retain_renumbers_kept_groups_in_order_and_forgets_the_rest() -> None:
    groups = build_group_by(1)
    groups.encode([pa.array(["a", None, "b", "c", "d"])], 5)
    groups.retain(np.array([1, 3]))
    assert groups.group_count == 2
    assert groups.keys(np.array([0, 1])) == [pa.array([None, "c"], type=pa.string())]
    assert groups.encode([pa.array(["c", "a", None, "e"])], 4).tolist() == [1, 2, 0, 3]
    assert groups.keys(np.array([2, 3]))[0].to_pylist() == ["a", "e"]


def test_retain_of_no_group_forgets_every_key() -> None:
    groups = build_group_by(1)
    groups.encode([pa.array([5, 6])], 2)
    groups.retain(np.zeros(0, dtype=np.int64))
    assert groups.group_count == 0
    assert groups.encode([pa.array([6, 7])], 2).tolist() == [0, 1]


def test_multi_key_retain_keeps_the_tuples_of_kept_groups() -> None:
    groups = build_group_by(2)
    symbols = pa.array(["a", "a", "b", "c", None])
    venues = pa.array([1, 2, 1, 3, None])
    groups.encode([symbols, venues], 5)
    groups.retain(np.array([1, 2, 4]))
    assert groups.group_count == 3
    assert [key.to_pylist() for key in groups.keys(np.arange(3))] == [["a", "b", None], [2, 1, None]]
    ids = groups.encode([pa.array(["b", "a", "c", None, "a"]), pa.array([1, 1, 3, None, 2])], 5)
    assert ids.tolist() == [1, 3, 4, 2, 0]
    assert [key.to_pylist() for key in groups.keys(np.array([3, 4]))] == [["a", "c"], [1, 3]]


def test_single_group_keeps_group_zero_through_retain() -> None:
    groups = build_group_by(0)
    groups.retain(np.zeros(0, dtype=np.int64))
    assert groups.encode([], 2).tolist() == [0, 0]
    assert groups.group_count == 1
