"""Prepared statements over files: kinds and bounds, compiled once, the bound file read once,
SET and UNSET, the source format checked before the query starts."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from vsql.engine.errors import UnsupportedError
from vsql.io.errors import InputError
from vsql.io.formats.decoder import Format
from vsql.runtime import Runtime, StatementKind
from vsql.runtime import client as client_module
from vsql.runtime import inputs as inputs_module

SQL = "SELECT symbol, COUNT(*) AS n FROM trades GROUP BY symbol WINDOW TUMBLING(1s) EMIT FINAL"


@pytest.fixture
def trades(tmp_path: Path) -> Path:
    path = tmp_path / "trades.ndjson"
    path.write_text("".join(f'{{"_timestamp": {ms}, "symbol": "S{ms % 3}"}}\n' for ms in range(0, 3000, 10)))
    return path


def _rows(runtime: Runtime, sql: str) -> list[dict]:
    tables: list[pa.Table] = []
    runtime.run(runtime.prepare(sql), on_rows=tables.append)
    return [row for table in tables for row in table.to_pylist()]


def test_kinds_and_bounds_of_prepared_statements(trades: Path) -> None:
    runtime = Runtime(inputs={"trades": trades})
    query = runtime.prepare(SQL)
    assert (query.kind, query.is_bounded, query.reads_to_end, query.runs_in_background) == (
        StatementKind.QUERY,
        True,
        True,
        False,
    )
    assert query.shape is not None and query.shape.columns == ("symbol", "n")
    topic_query = runtime.prepare("SELECT * FROM orders")
    assert (topic_query.is_bounded, topic_query.bound_file) == (False, None)
    assert runtime.prepare("SELECT * FROM orders LIMIT 3").is_bounded
    scanned = runtime.prepare(
        "CREATE STREAM o AS SELECT * FROM orders WITH ('scan.bounded.mode' = 'latest-offset')"
    )
    assert (scanned.kind, scanned.is_bounded, scanned.runs_in_background) == (
        StatementKind.PERSISTENT,
        True,
        True,
    )
    assert runtime.prepare("SET 'late.data.strategy' = 'drop'").kind is StatementKind.SET
    assert runtime.prepare("UNSET 'late.data.strategy'").kind is StatementKind.UNSET


def test_a_statement_is_compiled_once_and_its_file_read_once(
    trades: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled: list[str] = []
    opened: list[int] = []
    real_compile, real_blocks = client_module.compile_statement, inputs_module.read_blocks

    def counting_compile(sql: str, **options: object):
        compiled.append(sql)
        return real_compile(sql, **options)  # type: ignore[arg-type]

    def counting_blocks(path: Path, **options: int):
        for block in real_blocks(path, **options):
            opened.append(len(block))
            yield block

    monkeypatch.setattr(client_module, "compile_statement", counting_compile)
    monkeypatch.setattr(inputs_module, "read_blocks", counting_blocks)
    runtime = Runtime(inputs={"trades": trades})
    assert len(_rows(runtime, SQL)) == 9
    assert compiled == [SQL]
    assert sum(opened) == trades.stat().st_size, "every byte of the file is read exactly once"


def test_a_misspelt_column_of_a_bound_file_is_rejected_before_the_run(trades: Path) -> None:
    runtime = Runtime(inputs={"trades": trades})
    with pytest.raises(Exception, match=r"unknown column 'symbl'.*'symbol'"):
        runtime.prepare("SELECT symbl FROM trades")


def test_set_then_unset_change_the_session(trades: Path) -> None:
    runtime = Runtime(inputs={"trades": trades})
    assert runtime.run(runtime.prepare("SET 'late.data.strategy' = 'drop'")).message == (
        "set 'late.data.strategy' = 'drop'"
    )
    assert runtime.properties()["late.data.strategy"] == "drop"
    assert runtime.prepare(SQL).plan.settings.late_data_strategy.value == "drop"  # type: ignore[union-attr]
    runtime.run(runtime.prepare("UNSET 'late.data.strategy'"))
    assert runtime.properties()["late.data.strategy"] == "dead_letter"


def test_an_unbound_source_without_a_broker_is_a_clear_input_error() -> None:
    runtime = Runtime()
    with pytest.raises(InputError, match="--input trades=PATH"):
        runtime.run(runtime.prepare(SQL))


def test_the_source_format_setting_is_checked_when_prepared(trades: Path, tmp_path: Path) -> None:
    runtime = Runtime(inputs={"trades": trades}, properties={"trades.format": "parquet"})
    with pytest.raises(InputError, match="unknown input format 'parquet'"):
        runtime.prepare("SELECT * FROM trades")
    runtime.run(runtime.prepare("SET 'orders.format' = 'csv'"))
    with pytest.raises(UnsupportedError, match="not supported for Kafka topics"):
        runtime.prepare("SELECT * FROM orders")


def test_a_bound_file_is_read_in_the_format_its_setting_names(tmp_path: Path) -> None:
    path = tmp_path / "trades.txt"
    path.write_text("symbol,_timestamp\nA,10\nB,20\n")
    runtime = Runtime(inputs={"trades": path}, properties={"trades.format": "csv"})
    prepared = runtime.prepare("SELECT symbol FROM trades")
    assert prepared.source_format is Format.CSV
    assert _rows(runtime, "SELECT symbol FROM trades") == [{"symbol": "A"}, {"symbol": "B"}]


def test_explain_names_the_file_a_source_is_bound_to(trades: Path) -> None:
    runtime = Runtime(inputs={"trades": trades})
    first = runtime.explain(runtime.prepare("SELECT symbol FROM trades")).splitlines()[0]
    assert first.endswith(f"trades (file {trades}, json values)")
    assert "Kafka topic 'orders', json values" in runtime.explain(runtime.prepare("SELECT * FROM orders"))
