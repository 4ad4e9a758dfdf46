"""export_rows: the results table's rows as CSV or NDJSON, chosen by suffix."""

from __future__ import annotations

from pathlib import Path

import pytest

from vsql.io.errors import InputError
from vsql.tui.export import export_rows

ROWS = [{"symbol": "A", "n": 2}, {"symbol": "B", "n": None, "extra": True}]


def test_csv_has_the_union_of_columns_and_empty_nulls(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    assert export_rows(ROWS, target) == 2
    assert target.read_text().splitlines() == ["symbol,n,extra", "A,2,", "B,,true"]


def test_json_is_one_object_per_line(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    export_rows(ROWS, target)
    assert target.read_text().splitlines() == [
        '{"symbol":"A","n":2,"extra":null}',
        '{"symbol":"B","n":null,"extra":true}',
    ]


def test_an_unknown_suffix_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"use a name ending in \.csv"):
        export_rows(ROWS, tmp_path / "out.xlsx")
