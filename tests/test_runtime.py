"""The runtime: binding a source to a file and running a plan over finite batches."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from vsql.engine.sql.statements import compile_query
from vsql.io.errors import InputError
from vsql.io.formats.json import JsonDecoder
from vsql.runtime import Session, run_finite

SQL = "SELECT symbol, COUNT(*) AS n FROM trades GROUP BY symbol WINDOW TUMBLING(1s) EMIT FINAL"


def test_unbound_source_without_a_broker_is_a_clear_input_error() -> None:
    with pytest.raises(InputError, match="--input trades=PATH"):
        Session().execute(SQL, on_rows=lambda rows: None)


def test_run_finite_counts_records_rows_and_dead_letters() -> None:
    decoder = JsonDecoder()
    blocks = [
        decoder.decode_block(
            b'{"_timestamp": 100, "symbol": "A"}\n{"_timestamp": 1500, "symbol": "A"}\nbad\n'
        ),
        decoder.decode_block(b'{"_timestamp": 200, "symbol": "B"}\n'),
    ]
    tables: list[pa.Table] = []
    stats = run_finite(compile_query(SQL), blocks, on_rows=tables.append)
    assert (stats.records_in, stats.rows_out, stats.late_count) == (3, 2, 1)
    assert stats.dead_letter_count == 2
    assert sum(t.num_rows for t in tables) == 2


def test_hold_keeps_windows_open() -> None:
    block = JsonDecoder().decode_block(b'{"_timestamp": 100, "symbol": "A"}\n')
    stats = run_finite(compile_query(SQL), [block], on_rows=lambda rows: None, finish=False)
    assert stats.rows_out == 0


def test_session_set_then_unset(tmp_path: Path) -> None:
    session = Session(inputs={})
    assert session.execute("SET 'late.data.strategy' = 'drop'", on_rows=lambda rows: None) is None
    assert session.settings.late_data_strategy.value == "drop"
    session.execute("UNSET 'late.data.strategy'", on_rows=lambda rows: None)
    assert session.settings.late_data_strategy.value == "dead_letter"
