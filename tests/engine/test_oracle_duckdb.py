"""Differential tests: window results checked against DuckDB computing the same windows.

Seeded random streams (1 to 200 keys, out-of-order rows, NULL keys and values) go through the
engine in batches; DuckDB computes the same windows with plain SQL over the same rows. Lateness is
part of the oracle: DuckDB derives each row's watermark (the running maximum event time of the
rows before it, minus the allowed out-of-orderness) and drops the (row, window) pairs whose
window had closed.
"""

from __future__ import annotations

import math

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from vsql.engine.pipeline import Pipeline
from vsql.engine.settings import QuerySettings
from vsql.engine.sql.statements import compile_query

AGGREGATES = "COUNT(*) AS n, COUNT(v) AS nv, SUM(v) AS total, MIN(v) AS lo, MAX(v) AS hi, AVG(v) AS mean"
ORACLE_AGGREGATES = (
    "COUNT(*) AS n, COUNT(v) AS nv, SUM(v) AS total, MIN(v) AS lo, MAX(v) AS hi, AVG(v) AS mean"
)


def random_stream(seed: int, *, rows: int, keys: int, disorder_ms: int) -> pa.Table:
    """Rows roughly in event-time order, each displaced back by up to ``disorder_ms``."""
    rng = np.random.default_rng(seed)
    base = np.cumsum(rng.integers(0, 40, rows))
    event_ms = np.maximum(base - rng.integers(0, disorder_ms + 1, rows) * (rng.random(rows) < 0.3), 0)
    symbols = np.array([f"K{index:03d}" for index in rng.integers(0, keys, rows)], dtype=object)
    symbols[rng.random(rows) < 0.02] = None
    values = rng.integers(-50, 1000, rows).astype(object)
    values[rng.random(rows) < 0.05] = None
    return pa.table(
        {
            "_seq": np.arange(rows),
            "_timestamp": pa.array(event_ms, type=pa.int64()),
            "symbol": pa.array(symbols, type=pa.string()),
            "v": pa.array(values, type=pa.int64()),
        }
    )


def run_engine(sql: str, data: pa.Table, *, settings: QuerySettings, batch_rows: int) -> list[dict]:
    pipeline = Pipeline(compile_query(sql, settings=settings))
    rows: list[dict] = []
    for batch in data.drop(["_seq"]).to_batches(max_chunksize=batch_rows):
        rows += pipeline.process(batch).rows.to_pylist()
    rows += pipeline.finish().rows.to_pylist()
    return rows


def oracle(sql: str, data: pa.Table) -> list[dict]:
    connection = duckdb.connect()
    connection.register("stream", data)
    return connection.sql(sql).to_arrow_table().to_pylist()


def _normalized(row: dict) -> tuple:
    return tuple(
        (key, round(value, 6) if isinstance(value, float) and math.isfinite(value) else value)
        for key, value in sorted(row.items())
    )


def assert_same_multiset(actual: list[dict], expected: list[dict]) -> None:
    assert len(actual) == len(expected)
    assert sorted(map(_normalized, actual), key=repr) == sorted(map(_normalized, expected), key=repr)


WATERMARKED = """
WITH marked AS (
  SELECT *, COALESCE(MAX(_timestamp) OVER (ORDER BY _seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                     - {ooo}, -9223372036854775807) AS wm
  FROM stream
)
"""


@pytest.mark.parametrize(("seed", "keys"), [(1, 1), (2, 7), (3, 200)])
@pytest.mark.parametrize("batch_rows", [97, 5000])
def test_tumbling_final_matches_duckdb(seed: int, keys: int, batch_rows: int) -> None:
    data = random_stream(seed, rows=4000, keys=keys, disorder_ms=400)
    settings = QuerySettings.from_properties({"watermark.max_out_of_orderness": "150ms"})
    sql = f"SELECT symbol, {AGGREGATES}, _window_start AS ws FROM t GROUP BY symbol WINDOW TUMBLING(250ms)"
    expected = oracle(
        WATERMARKED.format(ooo=150)
        + f"""SELECT symbol, {ORACLE_AGGREGATES}, (_timestamp // 250) * 250 AS ws FROM marked
              WHERE (_timestamp // 250) * 250 + 250 > wm GROUP BY symbol, ws""",
        data,
    )
    assert_same_multiset(run_engine(sql, data, settings=settings, batch_rows=batch_rows), expected)


@pytest.mark.parametrize(("seed", "keys"), [(4, 1), (5, 13), (6, 150)])
@pytest.mark.parametrize(("size_ms", "advance_ms"), [(1000, 250), (600, 400), (300, 500)])
def test_sliding_final_matches_duckdb(seed: int, keys: int, size_ms: int, advance_ms: int) -> None:
    data = random_stream(seed, rows=3000, keys=keys, disorder_ms=700)
    settings = QuerySettings.from_properties({"watermark.max_out_of_orderness": "200ms"})
    sql = (
        f"SELECT symbol, {AGGREGATES}, _window_start AS ws FROM t GROUP BY symbol "
        f"WINDOW SLIDING({size_ms}ms, {advance_ms}ms)"
    )
    expected = oracle(
        WATERMARKED.format(ooo=200)
        + f""", assigned AS (
              SELECT *, UNNEST(generate_series(
                  GREATEST(0, ((_timestamp - {size_ms} + {advance_ms}) // {advance_ms}) * {advance_ms}),
                  (_timestamp // {advance_ms}) * {advance_ms}, {advance_ms})) AS ws
              FROM marked)
            SELECT symbol, {ORACLE_AGGREGATES}, ws FROM assigned
            WHERE _timestamp < ws + {size_ms} AND ws + {size_ms} > wm GROUP BY symbol, ws""",
        data,
    )
    assert_same_multiset(run_engine(sql, data, settings=settings, batch_rows=311), expected)


@pytest.mark.parametrize(("seed", "keys"), [(7, 1), (8, 20), (9, 200)])
@pytest.mark.parametrize("gap_ms", [50, 400])
def test_session_final_matches_duckdb(seed: int, keys: int, gap_ms: int) -> None:
    data = random_stream(seed, rows=3000, keys=keys, disorder_ms=900)
    settings = QuerySettings.from_properties({"watermark.max_out_of_orderness": "1000000s"})
    sql = (
        f"SELECT symbol, {AGGREGATES}, _window_start AS ws, _window_end AS we FROM t "
        f"GROUP BY symbol WINDOW SESSION({gap_ms}ms)"
    )
    expected = oracle(
        f"""WITH ordered AS (
              SELECT *, CASE WHEN _timestamp >= LAG(_timestamp) OVER w + {gap_ms}
                             OR LAG(_timestamp) OVER w IS NULL THEN 1 ELSE 0 END AS opens
              FROM stream WINDOW w AS (PARTITION BY symbol ORDER BY _timestamp, _seq)),
            numbered AS (SELECT *, SUM(opens) OVER (PARTITION BY symbol ORDER BY _timestamp, _seq) AS session
                         FROM ordered)
            SELECT symbol, {ORACLE_AGGREGATES}, MIN(_timestamp) AS ws, MAX(_timestamp) + {gap_ms} AS we
            FROM numbered GROUP BY symbol, session""",
        data,
    )
    assert_same_multiset(run_engine(sql, data, settings=settings, batch_rows=257), expected)
