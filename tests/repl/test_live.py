"""The live view: the status line, the final table of a keyed result, and aligned appended rows.

The views draw on a non-terminal rich console writing to a string, so only what stays on the
screen after the live area closes is written: the final table, the appended rows.
"""

from __future__ import annotations

import io

import pyarrow as pa
from rich.console import Console

from vsql.engine.sql.plan import EmitMode
from vsql.repl.live import FINAL_ROWS_MAX, LiveView, status_text
from vsql.runtime import Counters, ResultShape

KEYED = ResultShape(columns=("symbol", "n"), key_columns=("symbol",), emit_mode=EmitMode.CHANGES)


def _view() -> tuple[LiveView, io.StringIO]:
    out = io.StringIO()
    return LiveView(Console(file=out, width=120, highlight=False, soft_wrap=True)), out


def _keyed_rows(count: int) -> pa.Table:
    return pa.table({"symbol": [f"S{index:06d}" for index in range(count)], "n": list(range(count))})


def test_status_text_shows_expired_records_only_when_some_expired() -> None:
    assert "expired" not in status_text(Counters(records_in=10))
    assert "| 3 expired" in status_text(Counters(records_in=10, expired_count=3))


def test_status_text_counts_agree_in_number() -> None:
    one = status_text(Counters(records_in=1, rows_out=1, dead_letter_count=1))
    assert "1 record in | 1 row out |" in one
    assert one.endswith("| 0 late | 1 dead letter  (Ctrl-C stops)")
    many = status_text(Counters(records_in=2_000, rows_out=2, dead_letter_count=3))
    assert "2,000 records in | 2 rows out |" in many
    assert "| 3 dead letters" in many


def test_a_small_final_table_is_printed_whole() -> None:
    view, out = _view()
    view.start(KEYED)
    view.rows(_keyed_rows(3))
    view.rows(pa.table({"symbol": ["S000001"], "n": [500]}))
    view.close()
    assert out.getvalue().splitlines() == ["symbol   n", "S000000  0", "S000001  500", "S000002  2"]


def test_a_final_table_of_many_keys_keeps_the_last_rows_and_says_how_to_see_all() -> None:
    count = FINAL_ROWS_MAX + 1_500
    view, out = _view()
    view.start(KEYED)
    view.rows(_keyed_rows(count))
    view.close()
    lines = out.getvalue().splitlines()
    assert len(lines) == 1 + FINAL_ROWS_MAX + 1
    assert lines[0].split() == ["symbol", "n"]
    assert lines[1].split() == ["S001500", "1500"]
    assert lines[-2].split() == [f"S{count - 1:06d}", str(count - 1)]
    assert lines[-1].startswith("(1,500 earlier rows not shown;")
    assert "SET 'output.mode' = 'append'" in lines[-1]
    assert "--format json" in lines[-1]


def test_one_hidden_row_is_one_row() -> None:
    view, out = _view()
    view.start(KEYED)
    view.rows(_keyed_rows(FINAL_ROWS_MAX + 1))
    view.close()
    assert out.getvalue().splitlines()[-1].startswith("(1 earlier row not shown;")


def test_appended_rows_line_up_under_their_header() -> None:
    view, out = _view()
    view.rows(pa.table({"symbol": ["A", "BBBBBBBBBB"], "price": [10.5, 7.0]}))
    view.close()
    assert out.getvalue().splitlines() == ["symbol      price", "A           10.5", "BBBBBBBBBB  7"]


def test_a_wider_row_later_prints_the_header_again_at_the_new_widths() -> None:
    view, out = _view()
    view.start(ResultShape(columns=("symbol", "total")))
    view.rows(pa.table({"symbol": ["A"], "total": [1]}))
    view.rows(pa.table({"symbol": ["B"], "total": [2]}))
    view.rows(pa.table({"symbol": ["LONGNAME"], "total": [123456789]}))
    view.close()
    assert out.getvalue().splitlines() == [
        "symbol  total",
        "A       1",
        "B       2",
        "symbol    total",
        "LONGNAME  123456789",
    ]


def test_an_append_result_without_rows_leaves_nothing_behind() -> None:
    view, out = _view()
    view.start(ResultShape(columns=("symbol", "total")))
    view.close()
    assert out.getvalue() == ""


def test_a_table_result_without_rows_leaves_nothing_behind() -> None:
    view, out = _view()
    view.start(KEYED)
    view.rows(pa.table({"symbol": ["A"], "n": [None], "_op": ["delete"]}))
    view.close()
    assert out.getvalue() == ""
