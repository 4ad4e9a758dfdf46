"""Row comparison: multiset vs ordered, tolerance, exact columns, and real differences reported."""

from __future__ import annotations

from vsql.scenario.compare import compare_rows, values_equal


def test_multiset_ignores_order() -> None:
    expected = [{"s": "A", "n": 1}, {"s": "B", "n": 2}]
    assert compare_rows(expected, list(reversed(expected))).is_equal


def test_ordered_reports_a_reordering() -> None:
    expected = [{"s": "A", "n": 1}, {"s": "B", "n": 2}]
    diff = compare_rows(expected, list(reversed(expected)), ordered=True)
    assert not diff.is_equal
    assert [position for position, _, _ in diff.mismatched] == [0, 1]
    assert "row 0:" in diff.describe()


def test_multiset_counts_duplicates() -> None:
    diff = compare_rows([{"n": 1}, {"n": 1}], [{"n": 1}])
    assert diff.missing == ({"n": 1},)
    assert diff.unexpected == ()


def test_a_wrong_value_is_reported_as_missing_and_unexpected() -> None:
    diff = compare_rows([{"s": "A", "trades": 3}], [{"s": "A", "trades": 2}])
    assert not diff.is_equal
    assert diff.missing == ({"s": "A", "trades": 3},)
    assert diff.unexpected == ({"s": "A", "trades": 2},)
    text = diff.describe()
    assert '- {"s":"A","trades":3}' in text
    assert '+ {"s":"A","trades":2}' in text


def test_floats_within_relative_tolerance_match() -> None:
    assert values_equal(0.1 + 0.2, 0.3)
    assert values_equal(1e12, 1e12 * (1 + 5e-10))
    assert not values_equal(1.0, 1.0 + 1e-6)


def test_ints_equal_floats_by_value_but_not_booleans() -> None:
    assert values_equal(15000, 15000.0)
    assert not values_equal(1, True)
    assert not values_equal(None, 0)
    assert values_equal(float("nan"), float("nan"))


def test_rows_compare_on_exactly_their_columns() -> None:
    delete = {"k": "u1", "ws": 0, "_op": "delete"}
    assert compare_rows([delete], [dict(delete)]).is_equal
    assert not compare_rows([delete], [{**delete, "n": None}]).is_equal
    assert not compare_rows([{"a": 1}], [{"a": 1, "b": 2}]).is_equal


def test_ordered_reports_missing_and_extra_rows() -> None:
    diff = compare_rows([{"a": 1}], [{"a": 1}, {"a": 2}], ordered=True)
    assert diff.mismatched == ((1, None, {"a": 2}),)
    assert "(no row)" in diff.describe()


def test_nested_values_compare_by_value() -> None:
    assert values_equal({"x": [1, 2.0]}, {"x": [1.0, 2]})
