"""Renderers: table alignment, JSON lines with changelog rules, CSV, and the factory."""

from __future__ import annotations

import io

import pyarrow as pa
import pytest

from vsql.io.formats.writers import CsvWriter, JsonLinesWriter
from vsql.repl.render import FORMATS, TableRenderer, make_renderer

CHANGES = pa.table(
    {"symbol": ["A", "B"], "n": [1, 22], "avg": [1.5, None], "_op": pa.array([None, "delete"], pa.string())}
)


def _render(renderer_class: type, *tables: pa.Table) -> str:
    stream = io.StringIO()
    renderer = renderer_class(stream)
    for table in tables:
        renderer.write(table)
    renderer.close()
    return stream.getvalue()


def test_table_aligns_columns_and_counts_rows() -> None:
    text = _render(TableRenderer, pa.table({"symbol": ["A", "BBB"], "n": [1, 22]}))
    assert text.splitlines() == ["symbol  n", "------  --", "A        1", "BBB     22", "(2 rows)"]


def test_table_joins_batches_and_shows_null() -> None:
    first = pa.table({"x": pa.array([1], pa.int64()), "y": ["a"]})
    second = pa.table({"x": pa.array([None], pa.int64()), "y": ["b"]})
    assert _render(TableRenderer, first, second).splitlines()[3] == "NULL  b"


def test_table_without_rows() -> None:
    assert _render(TableRenderer) == "(0 rows)\n"


def test_json_lines_omit_a_null_op_and_a_delete_rows_nulls() -> None:
    assert _render(JsonLinesWriter, CHANGES).splitlines() == [
        '{"symbol":"A","n":1,"avg":1.5}',
        '{"symbol":"B","n":22,"_op":"delete"}',
    ]


def test_json_keeps_nulls_on_ordinary_rows() -> None:
    assert _render(JsonLinesWriter, pa.table({"a": [None]})) == '{"a":null}\n'


def test_csv_writes_header_once_and_empty_nulls() -> None:
    text = _render(CsvWriter, CHANGES, CHANGES.slice(0, 1))
    assert text.splitlines() == ["symbol,n,avg,_op", "A,1,1.5,", "B,22,,delete", "A,1,1.5,"]


@pytest.mark.parametrize("name", FORMATS)
def test_factory_builds_each_format(name: str) -> None:
    stream = io.StringIO()
    renderer = make_renderer(name, stream)
    renderer.write(pa.table({"a": [1]}))
    renderer.close()
    assert "1" in stream.getvalue()


def test_factory_rejects_an_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        make_renderer("xml", io.StringIO())


def test_vertical_writes_one_numbered_block_per_row() -> None:
    stream = io.StringIO()
    renderer = make_renderer("vertical", stream)
    renderer.write(pa.table({"symbol": ["A", None], "n": [1, 2.5]}))
    renderer.close()
    assert stream.getvalue() == (
        "-[ RECORD 1 ]--------\nsymbol | A\nn      | 1\n-[ RECORD 2 ]--------\nsymbol | NULL\nn      | 2.5\n"
    )
