"""Arrow rows to JSON values."""

from __future__ import annotations

import datetime

import orjson
import pyarrow as pa

from vsql.io.kafka.encode import json_values


def test_values_are_valid_json_with_the_rows_fields() -> None:
    batch = pa.record_batch(
        {
            "s": ['a"b\\c', "line\nbreak\t", None],
            "f": [1.0, float("nan"), 2.5],
            "i": [1, None, -3],
            "b": [True, False, None],
            "nested": [[1, 2], None, []],
            "when": pa.array([datetime.datetime(2020, 1, 2, 3, 4, 5)] * 3),
        }
    )
    decoded = [orjson.loads(value) for value in json_values(batch)]
    assert decoded == [
        {"s": 'a"b\\c', "f": 1.0, "i": 1, "b": True, "nested": [1, 2], "when": "2020-01-02 03:04:05.000000"},
        {
            "s": "line\nbreak\t",
            "f": None,
            "i": None,
            "b": False,
            "nested": None,
            "when": "2020-01-02 03:04:05.000000",
        },
        {"s": None, "f": 2.5, "i": -3, "b": None, "nested": [], "when": "2020-01-02 03:04:05.000000"},
    ]


def test_integral_floats_stay_floats() -> None:
    assert json_values(pa.record_batch({"x": [1.0, -0.0, 1e20]})) == [
        b'{"x":1.0}',
        b'{"x":-0.0}',
        b'{"x":1e+20}',
    ]


def test_a_sliced_batch_encodes_only_its_rows() -> None:
    batch = pa.record_batch({"n": list(range(10))}).slice(3, 2)
    assert json_values(batch) == [b'{"n":3}', b'{"n":4}']


def test_empty_inputs() -> None:
    assert json_values(pa.record_batch({"n": pa.array([], pa.int64())})) == []
