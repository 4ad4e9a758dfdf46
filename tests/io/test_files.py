"""File sources: blocks cut at line ends, NDJSON and CSV, clear errors for unreadable files."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from vsql.engine.columns import OFFSET, REASON
from vsql.io.errors import InputError
from vsql.io.files import format_of, read_blocks, read_file
from vsql.io.formats import Format


def test_blocks_end_at_line_ends_and_cover_the_file(tmp_path: Path) -> None:
    path = tmp_path / "t.ndjson"
    lines = [f'{{"i": {i}, "pad": "{"x" * (i % 17)}"}}' for i in range(200)]
    path.write_text("\n".join(lines))
    blocks = list(read_blocks(path, block_bytes=64))
    assert len(blocks) > 10
    assert all(block.endswith(b"\n") for block in blocks[:-1])
    assert b"".join(blocks).decode() == "\n".join(lines)


def test_ndjson_file_decodes_in_blocks_with_running_offsets(tmp_path: Path) -> None:
    path = tmp_path / "t.ndjson"
    path.write_text("".join(f'{{"i": {i}}}\n' for i in range(100)) + "not json\n")
    decoded = list(read_file(path, block_bytes=128))
    assert len(decoded) > 1
    offsets = [o for d in decoded for o in d.batch.column(OFFSET).to_pylist()]
    assert offsets == list(range(100))
    assert sum(d.dead_letters.num_rows for d in decoded) == 1


def test_csv_file_is_chosen_by_suffix(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("symbol,qty,_timestamp\nA,1,10\nB,2,20\n")
    assert format_of(path) is Format.CSV
    assert format_of(tmp_path / "t.ndjson") is Format.JSON
    (decoded,) = list(read_file(path))
    assert decoded.batch.column("symbol").to_pylist() == ["A", "B"]
    assert decoded.batch.column("_timestamp").to_pylist() == [10, 20]


def test_a_given_format_overrides_the_suffix(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("symbol,qty\nA,1\n")
    (decoded,) = list(read_file(path, file_format="csv"))
    assert decoded.batch.column("qty").to_pylist() == [1]


def test_an_unknown_format_fails_before_the_file_is_read(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown input format 'xml'; formats are json, csv"):
        read_file(tmp_path / "nope.xml", file_format="xml")


def test_projection_is_passed_to_the_decoder(tmp_path: Path) -> None:
    path = tmp_path / "t.ndjson"
    path.write_text('{"a": 1, "b": 2}\n')
    (decoded,) = list(read_file(path, projection={"a"}))
    assert "b" not in decoded.batch.schema.names


def test_a_missing_file_raises_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot open input file"):
        list(read_file(tmp_path / "nope.ndjson"))


def test_a_folder_raises_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        list(read_file(tmp_path))


@pytest.mark.parametrize("bad_row", [3, 180], ids=["first-block", "later-block"])
@pytest.mark.parametrize("block_bytes", [64, 512, 1 << 20])
def test_a_word_in_a_csv_number_column_is_one_dead_letter_wherever_it_sits(
    tmp_path: Path, bad_row: int, block_bytes: int
) -> None:
    rows = [f"S{i % 3},{10 + i},{i * 10}" for i in range(200)]
    rows.insert(bad_row, "S1,abc,999")
    path = tmp_path / "t.csv"
    path.write_text("symbol,price,_timestamp\n" + "\n".join(rows) + "\n")
    decoded = list(read_file(path, block_bytes=block_bytes))
    assert {d.batch.schema.field("price").type for d in decoded} == {pa.int64()}
    assert [p for d in decoded for p in d.batch.column("price").to_pylist()] == [10 + i for i in range(200)]
    reasons = [r for d in decoded for r in d.dead_letters.column(REASON).to_pylist()]
    assert reasons == ["field 'price': expected int64, got 'abc'"]
