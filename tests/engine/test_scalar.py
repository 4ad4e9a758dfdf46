"""Scalar expressions on Arrow batches: values, NULL handling, name resolution, errors, and an
oracle comparison with DuckDB."""

from __future__ import annotations

import math

import duckdb
import pyarrow as pa
import pytest
import sqlglot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlglot import exp

from vsql.engine.columns import WINDOW_END, WINDOW_START
from vsql.engine.errors import ExecutionError, PlanError, UnsupportedError
from vsql.engine.scalar import SCALAR_FUNCTION_NAMES, ScalarExpr, compile_scalar

HOUR_MS = 3_600_000
# 2023-11-14 22:13:20.123 UTC, a Tuesday.
TS_MS = 1_700_000_000_123

BATCH = pa.record_batch(
    {
        "i": pa.array([1, 2, None, -7], pa.int64()),
        "j": pa.array([2, 0, 5, 3], pa.int64()),
        "f": pa.array([1.5, 2.0, None, -0.5], pa.float64()),
        "s": pa.array(["apple", "Banana", None, "a_b%c"], pa.string()),
        "b": pa.array([True, False, None, True], pa.bool_()),
        "Price": pa.array([10.0, 20.0, 30.0, 40.0], pa.float64()),
        "n": pa.array(["12", " 3 ", "x", None], pa.string()),
        "ts": pa.array([0, TS_MS, None, HOUR_MS], pa.int64()),
        "__agg0": pa.array([1.23456, 2.5, None, -2.5], pa.float64()),
    }
)


def _expr(sql: str) -> exp.Expression:
    return sqlglot.parse_one(f"SELECT {sql} FROM t").expressions[0]


def _evaluate(sql: str, batch: pa.RecordBatch | pa.Table = BATCH) -> list[object]:
    return compile_scalar(_expr(sql)).evaluate(batch).to_pylist()


def _same(actual: list[object], expected: list[object]) -> bool:
    if len(actual) != len(expected):
        return False
    for got, want in zip(actual, expected, strict=True):
        if isinstance(want, float) and isinstance(got, int | float) and not isinstance(got, bool):
            if not (math.isnan(want) and math.isnan(got)) and got != pytest.approx(want, rel=1e-9):
                return False
        elif got != want or type(got) is not type(want):
            return False
    return True


CASES = [
    # literals broadcast
    ("1", [1, 1, 1, 1]),
    ("2.5", [2.5, 2.5, 2.5, 2.5]),
    ("'x'", ["x", "x", "x", "x"]),
    ("TRUE", [True, True, True, True]),
    ("NULL", [None, None, None, None]),
    # arithmetic
    ("i + j", [3, 2, None, -4]),
    ("i - 1", [0, 1, None, -8]),
    ("i * f", [1.5, 4.0, None, 3.5]),
    ("-i", [-1, -2, None, 7]),
    ("i / j", [0.5, None, None, -7 / 3]),
    ("7 / 2", [3.5, 3.5, 3.5, 3.5]),
    ("f / 0", [None, None, None, None]),
    ("i % j", [1, None, None, -1]),
    ("-7 % -3", [-1, -1, -1, -1]),
    ("f % 1", [0.5, 0.0, None, -0.5]),
    ("MOD(j, 2)", [0, 0, 1, 1]),
    ("i + NULL", [None, None, None, None]),
    # comparisons: numbers by value
    ("i = f", [False, True, None, False]),
    ("j = 2.0", [True, False, False, False]),
    ("i <> j", [True, True, None, True]),
    ("i < j", [True, False, None, True]),
    ("i >= 2", [False, True, None, False]),
    ("s > 'b'", [False, False, None, False]),
    ("i IS NOT DISTINCT FROM NULL", [False, False, True, False]),
    ("i IS DISTINCT FROM 1", [False, True, True, True]),
    # three-valued logic
    ("b AND TRUE", [True, False, None, True]),
    ("b AND FALSE", [False, False, False, False]),
    ("b OR TRUE", [True, True, True, True]),
    ("b OR FALSE", [True, False, None, True]),
    ("NOT b", [False, True, None, False]),
    ("NULL AND FALSE", [False, False, False, False]),
    ("NULL OR TRUE", [True, True, True, True]),
    ("i > 1 OR b", [True, True, None, True]),
    ("b IS TRUE", [True, False, False, True]),
    ("b IS NOT FALSE", [True, False, True, True]),
    # IS NULL
    ("i IS NULL", [False, False, True, False]),
    ("s IS NOT NULL", [True, True, False, True]),
    # IN
    ("j IN (2, 3)", [True, False, False, True]),
    ("i IN (1, 2.0)", [True, True, None, False]),
    ("i IN (1, NULL)", [True, None, None, None]),
    ("i NOT IN (1, 2)", [False, False, None, True]),
    ("i NOT IN (1, NULL)", [False, None, None, None]),
    ("s IN ('apple', 'x')", [True, False, None, False]),
    ("i IN (j, 1)", [True, False, None, False]),
    ("j IN (-7, i)", [False, False, None, False]),
    # BETWEEN
    ("j BETWEEN 1 AND 3", [True, False, False, True]),
    ("i NOT BETWEEN 0 AND 1", [False, True, None, True]),
    ("f BETWEEN i AND j", [True, False, None, True]),
    ("j BETWEEN SYMMETRIC 3 AND 1", [True, False, False, True]),
    # LIKE
    ("s LIKE 'a%'", [True, False, None, True]),
    ("s LIKE '_anana'", [False, True, None, False]),
    ("s NOT LIKE '%a%'", [False, False, None, False]),
    ("s LIKE 'banana'", [False, False, None, False]),
    ("s ILIKE 'banana'", [False, True, None, False]),
    ("s NOT ILIKE 'BAN%'", [True, False, None, True]),
    ("s LIKE 'a!_b!%c' ESCAPE '!'", [False, False, None, True]),
    ("s LIKE 'a_b%'", [False, False, None, True]),
    ("'a\\b' LIKE 'a\\b'", [True, True, True, True]),
    ("REGEXP_LIKE(s, '^[ab]')", [True, False, None, True]),
    # CASE / IF / COALESCE / NULLIF
    (
        "CASE WHEN i > 1 THEN 'big' WHEN i > 0 THEN 'small' ELSE 'other' END",
        ["small", "big", "other", "other"],
    ),
    ("CASE WHEN b THEN 1 END", [1, None, None, 1]),
    ("CASE j WHEN 2 THEN 'two' WHEN 0 THEN 'zero' ELSE 'many' END", ["two", "zero", "many", "many"]),
    ("CASE WHEN i > 1 THEN i ELSE f END", [1.5, 2.0, None, -0.5]),
    ("CASE i WHEN NULL THEN 'null' ELSE 'not' END", ["not", "not", "not", "not"]),
    ("IF(j > 2, 'hi', 'lo')", ["lo", "lo", "hi", "hi"]),
    ("COALESCE(i, j)", [1, 2, 5, -7]),
    ("COALESCE(f, i, 0)", [1.5, 2.0, 0.0, -0.5]),
    ("COALESCE(NULL, s, 'none')", ["apple", "Banana", "none", "a_b%c"]),
    ("IFNULL(i, 0)", [1, 2, 0, -7]),
    ("NULLIF(j, 0)", [2, None, 5, 3]),
    ("NULLIF(i, 1.0)", [None, 2, None, -7]),
    ("GREATEST(i, j, 0)", [2, 2, 5, 3]),
    ("LEAST(i, f)", [1.0, 2.0, None, -7.0]),
    # CAST / TRY_CAST
    ("CAST(f AS INT)", [2, 2, None, 0]),
    ("CAST(__agg0 AS BIGINT)", [1, 2, None, -2]),
    ("CAST('2.5' AS INT)", [3, 3, 3, 3]),
    ("CAST(i AS DOUBLE)", [1.0, 2.0, None, -7.0]),
    ("CAST(i AS VARCHAR)", ["1", "2", None, "-7"]),
    ("CAST(j AS BOOLEAN)", [True, False, True, True]),
    ("CAST(b AS INTEGER)", [1, 0, None, 1]),
    ("CAST('1.5' AS INT)", [2, 2, 2, 2]),
    ("CAST(' 42 ' AS BIGINT)", [42, 42, 42, 42]),
    ("CAST('2.5' AS REAL)", [2.5, 2.5, 2.5, 2.5]),
    ("CAST('TRUE' AS BOOLEAN)", [True, True, True, True]),
    ("CAST(NULL AS INT)", [None, None, None, None]),
    ("TRY_CAST(n AS INT)", [12, 3, None, None]),
    ("TRY_CAST(n AS DOUBLE)", [12.0, 3.0, None, None]),
    ("TRY_CAST(s AS BOOLEAN)", [None, None, None, None]),
    ("CAST('1970-01-01 01:00:00' AS TIMESTAMP)", [HOUR_MS] * 4),
    ("CAST('1970-01-01T00:00:01Z' AS TIMESTAMP)", [1000] * 4),
    ("TIMESTAMP '1970-01-02'", [24 * HOUR_MS] * 4),
    ("TRY_CAST(s AS TIMESTAMP)", [None, None, None, None]),
    ("CAST(ts AS TIMESTAMP)", [0, TS_MS, None, HOUR_MS]),
    ("i::DECIMAL(10, 2)", [1.0, 2.0, None, -7.0]),
    # strings
    ("s || '!'", ["apple!", "Banana!", None, "a_b%c!"]),
    ("s || i", ["apple1", "Banana2", None, "a_b%c-7"]),
    ("CONCAT(s, '-', i)", ["apple-1", "Banana-2", "-", "a_b%c--7"]),
    ("CONCAT_WS(',', s, i)", ["apple,1", "Banana,2", "", "a_b%c,-7"]),
    ("UPPER(s)", ["APPLE", "BANANA", None, "A_B%C"]),
    ("LOWER(s)", ["apple", "banana", None, "a_b%c"]),
    ("LENGTH(s)", [5, 6, None, 5]),
    ("LEN('héllo')", [5, 5, 5, 5]),
    ("CHAR_LENGTH(n)", [2, 3, 1, None]),
    ("TRIM(n)", ["12", "3", "x", None]),
    ("LTRIM(n)", ["12", "3 ", "x", None]),
    ("RTRIM(n)", ["12", " 3", "x", None]),
    ("TRIM(BOTH 'a' FROM s)", ["pple", "Banan", None, "_b%c"]),
    ("SUBSTRING(s, 2, 3)", ["ppl", "ana", None, "_b%"]),
    ("SUBSTR(s, 3)", ["ple", "nana", None, "b%c"]),
    ("SUBSTRING(s FROM 2 FOR 1)", ["p", "a", None, "_"]),
    ("SUBSTRING('hello', 0, 2)", ["h"] * 4),
    ("SUBSTRING('hello', -3, 2)", ["ll"] * 4),
    ("SUBSTRING('hello', -3)", ["llo"] * 4),
    ("REPLACE(s, 'a', 'A')", ["Apple", "BAnAnA", None, "A_b%c"]),
    ("LEFT(s, 2)", ["ap", "Ba", None, "a_"]),
    ("LEFT('abc', -1)", ["ab"] * 4),
    ("RIGHT(s, 2)", ["le", "na", None, "%c"]),
    ("RIGHT('abc', 0)", [""] * 4),
    ("RIGHT('abc', -1)", ["bc"] * 4),
    ("STARTS_WITH(s, 'a')", [True, False, None, True]),
    ("ENDS_WITH(s, 'a')", [False, True, None, False]),
    ("REVERSE(s)", ["elppa", "ananaB", None, "c%b_a"]),
    ("REPEAT('ab', 2)", ["abab"] * 4),
    # math
    ("ABS(i)", [1, 2, None, 7]),
    ("ABS(f)", [1.5, 2.0, None, 0.5]),
    ("ROUND(__agg0, 2)", [1.23, 2.5, None, -2.5]),
    ("ROUND(__agg0)", [1.0, 3.0, None, -3.0]),
    ("ROUND(1234, -2)", [1200] * 4),
    ("ROUND(i)", [1, 2, None, -7]),
    ("FLOOR(f)", [1.0, 2.0, None, -1.0]),
    ("CEIL(f)", [2.0, 2.0, None, -0.0]),
    ("CEILING(i)", [1, 2, None, -7]),
    ("TRUNC(__agg0, 1)", [1.2, 2.5, None, -2.5]),
    ("SQRT(j)", [math.sqrt(2), 0.0, math.sqrt(5), math.sqrt(3)]),
    ("POWER(j, 2)", [4.0, 0.0, 25.0, 9.0]),
    ("POW(2, -1)", [0.5] * 4),
    ("EXP(0)", [1.0] * 4),
    ("LN(EXP(j))", [2.0, 0.0, 5.0, 3.0]),
    ("LOG10(Price)", [1.0, math.log10(20), math.log10(30), math.log10(40)]),
    ("LOG(100)", [2.0] * 4),
    ("LOG(2, 8)", [3.0] * 4),
    ("SIGN(i)", [1, 1, None, -1]),
    ("SIGN(f)", [1.0, 1.0, None, -1.0]),
    ("PI()", [math.pi] * 4),
    ("DEGREES(PI())", [180.0] * 4),
    # time on epoch ms (UTC)
    ("EXTRACT(YEAR FROM ts)", [1970, 2023, None, 1970]),
    ("EXTRACT(MONTH FROM ts)", [1, 11, None, 1]),
    ("EXTRACT(HOUR FROM ts)", [0, 22, None, 1]),
    ("EXTRACT(DOW FROM ts)", [4, 2, None, 4]),
    ("EXTRACT(MILLISECOND FROM ts)", [0, 20123, None, 0]),
    ("EXTRACT(EPOCH FROM ts)", [0.0, TS_MS / 1000, None, 3600.0]),
    ("DATE_TRUNC('hour', ts)", [0, 1_699_999_200_000, None, HOUR_MS]),
    ("DATE_TRUNC('day', ts)", [0, 1_699_920_000_000, None, 0]),
    ("DATE_TRUNC('week', ts)", [-3 * 24 * HOUR_MS, 1_699_833_600_000, None, -3 * 24 * HOUR_MS]),
    # NULL literals and missing columns
    ("NULL = NULL", [None] * 4),
    ("NULL IS NOT DISTINCT FROM NULL", [True] * 4),
    ("nosuch IN (i, NULL)", [None] * 4),
    ("i IN (nosuch, 1)", [True, None, None, None]),
    ("CASE NULL WHEN NULL THEN 1 ELSE 2 END", [2] * 4),
    ("NOT NULL", [None] * 4),
    ("1 BETWEEN NULL AND 2", [None] * 4),
    ("LENGTH(NULL)", [None] * 4),
    ("CONCAT(NULL, nosuch)", [""] * 4),
    ("GREATEST(i, NULL)", [1, 2, None, -7]),
    ("1 % 0", [None] * 4),
    # nesting, parentheses, aliases
    ("(i + j) * 2", [6, 4, None, -8]),
    ("ROUND(i / j, 2) AS ratio", [0.5, None, None, -2.33]),
    ("UPPER(SUBSTRING(s, 1, 1)) || LOWER(SUBSTRING(s, 2))", ["Apple", "Banana", None, "A_b%c"]),
]


@pytest.mark.parametrize(("sql", "expected"), CASES, ids=[sql for sql, _ in CASES])
def test_expression_value(sql: str, expected: list[object]) -> None:
    actual = _evaluate(sql)
    assert _same(actual, expected), f"{sql}: {actual!r} != {expected!r}"


def test_unquoted_column_matches_case_insensitively() -> None:
    assert _evaluate("price") == [10.0, 20.0, 30.0, 40.0]
    assert _evaluate("PRICE + I") == [11.0, 22.0, None, 33.0]


def test_exact_match_wins_over_case_insensitive_match() -> None:
    batch = pa.record_batch({"a": [1], "A": [2]})
    assert _evaluate("a", batch) == [1]
    assert _evaluate("A", batch) == [2]


def test_quoted_column_matches_exactly() -> None:
    assert _evaluate('"Price"') == [10.0, 20.0, 30.0, 40.0]
    assert _evaluate('"price"') == [None] * 4


def test_ambiguous_case_insensitive_match_is_an_error() -> None:
    batch = pa.record_batch({"Ab": [1], "aB": [2]})
    with pytest.raises(ExecutionError, match="ambiguous"):
        _evaluate("ab", batch)


def test_missing_column_reads_null() -> None:
    assert _evaluate("nosuch") == [None] * 4
    assert _evaluate("nosuch + 1") == [None] * 4
    assert _evaluate("UPPER(nosuch)") == [None] * 4
    assert _evaluate("nosuch AND TRUE") == [None] * 4
    assert _evaluate("COALESCE(nosuch, 'dflt')") == ["dflt"] * 4
    assert _evaluate("nosuch IS NULL") == [True] * 4


def test_window_bound_aliases_read_window_columns() -> None:
    batch = pa.record_batch({WINDOW_START: [0, 1000], WINDOW_END: [1000, 2000]})
    assert _evaluate("WINDOWSTART", batch) == [0, 1000]
    assert _evaluate("windowend - windowstart", batch) == [1000, 1000]


def test_columns_lists_references_as_written() -> None:
    compiled = compile_scalar(_expr('ROUND(__agg0, 2) + Price * WINDOWSTART + "q"'))
    assert compiled.columns == frozenset({"__agg0", "Price", "WINDOWSTART", "q"})
    assert compile_scalar(_expr("1 + 2")).columns == frozenset()


def test_one_expression_serves_batches_of_different_schemas() -> None:
    compiled = compile_scalar(_expr("x + 1"))
    assert compiled.evaluate(pa.record_batch({"x": [1, 2]})).to_pylist() == [2, 3]
    assert compiled.evaluate(pa.record_batch({"y": [1], "X": [10]})).to_pylist() == [11]
    assert compiled.evaluate(pa.record_batch({"y": [1]})).to_pylist() == [None]
    assert compiled.evaluate(pa.record_batch({"x": [5]})).to_pylist() == [6]


def test_table_with_several_chunks_evaluates_to_one_array() -> None:
    table = pa.Table.from_batches([pa.record_batch({"x": [1, 2]}), pa.record_batch({"x": [3]})])
    result = compile_scalar(_expr("x * 10")).evaluate(table)
    assert isinstance(result, pa.Array)
    assert result.to_pylist() == [10, 20, 30]


def test_result_length_matches_the_batch() -> None:
    empty = pa.record_batch({"x": pa.array([], pa.int64())})
    assert len(compile_scalar(_expr("x + 1")).evaluate(empty)) == 0
    assert len(compile_scalar(_expr("42")).evaluate(empty)) == 0
    assert len(compile_scalar(_expr("'a' || 'b'")).evaluate(BATCH)) == BATCH.num_rows


def test_literal_types() -> None:
    assert compile_scalar(_expr("1")).evaluate(BATCH).type == pa.int64()
    assert compile_scalar(_expr("1.0")).evaluate(BATCH).type == pa.float64()
    assert compile_scalar(_expr("i / j")).evaluate(BATCH).type == pa.float64()
    assert compile_scalar(_expr("CAST(f AS INT)")).evaluate(BATCH).type == pa.int64()
    assert compile_scalar(_expr("LENGTH(s)")).evaluate(BATCH).type == pa.int64()


def test_unknown_function_is_rejected_with_its_name_and_position() -> None:
    node = sqlglot.parse_one("SELECT a,\n  1 + Foo_Bar(a) FROM t").expressions[1]
    with pytest.raises(UnsupportedError) as caught:
        compile_scalar(node)
    assert isinstance(caught.value, PlanError)
    assert "Foo_Bar" in caught.value.message
    assert (caught.value.line, caught.value.col) == (2, 7)


@pytest.mark.parametrize(
    ("sql", "fragment"),
    [
        ("SUM(i)", "aggregate function SUM"),
        ("COUNT(*)", "aggregate function COUNT"),
        ("s LIKE n", "LIKE pattern must be a constant string"),
        ("SUBSTRING(s, i)", "SUBSTRING start must be a constant integer"),
        ("ROUND(f, i)", "number of decimals must be a constant integer"),
        ("CAST(i AS DATE)", "CAST to DATE"),
        ("DATE_TRUNC('fortnight', ts)", "cannot truncate to unit"),
        ("i IN (SELECT 1)", "subquery"),
        ("SUM(i) OVER ()", "window function"),
        ("INITCAP(s)", "unsupported function INITCAP"),
        ("a.b.c", "unsupported expression"),
    ],
)
def test_unsupported_constructs_are_rejected_at_compile_time(sql: str, fragment: str) -> None:
    with pytest.raises(UnsupportedError, match=fragment.replace("(", r"\(")):
        compile_scalar(_expr(sql))


@pytest.mark.parametrize("sql", ["'a' + 1", "s * 2", "s = 1", "UPPER(i)", "CAST(s AS INT)", "b + 1"])
def test_type_mismatch_raises_execution_error(sql: str) -> None:
    with pytest.raises(ExecutionError) as caught:
        _evaluate(sql)
    assert isinstance(caught.value.__cause__, pa.ArrowException)
    assert "cannot evaluate" in caught.value.message


def test_integer_overflow_raises_execution_error() -> None:
    with pytest.raises(ExecutionError, match="overflow"):
        _evaluate("9223372036854775807 + i")


_SAMPLE_CALLS = {
    "CAST": "CAST(i AS INT)",
    "TRY_CAST": "TRY_CAST(s AS INT)",
    "EXTRACT": "EXTRACT(YEAR FROM ts)",
    "TRIM": "TRIM(s)",
    "IF": "IF(b, 1, 2)",
}
_ARITY = {
    **dict.fromkeys(["PI"], ""),
    **dict.fromkeys(
        ["CONCAT", "COALESCE", "IFNULL", "NVL", "NULLIF", "GREATEST", "LEAST", "POWER", "POW"],
        "i, j",
    ),
    **dict.fromkeys(["MOD", "ATAN2", "LOG"], "i, j"),
    **dict.fromkeys(["ROUND", "TRUNC", "TRUNCATE", "LEFT", "RIGHT", "REPEAT", "SUBSTRING", "SUBSTR"], "s, 2"),
    **dict.fromkeys(["REPLACE"], "s, 'a', 'b'"),
    **dict.fromkeys(["CONCAT_WS"], "',', i, j"),
    **dict.fromkeys(["STARTS_WITH", "ENDS_WITH", "CONTAINS", "REGEXP_LIKE"], "s, 'a'"),
    **dict.fromkeys(["DATE_TRUNC", "DATETRUNC"], "'hour', ts"),
    **dict.fromkeys(["TIMESTAMP_TRUNC"], "ts, HOUR"),
}


@pytest.mark.parametrize("name", sorted(SCALAR_FUNCTION_NAMES))
def test_every_advertised_function_name_compiles(name: str) -> None:
    assert name == name.upper()
    sql = _SAMPLE_CALLS.get(name, f"{name}({_ARITY.get(name, 'i')})")
    assert isinstance(compile_scalar(_expr(sql)), ScalarExpr)


# Oracle: the same SQL on the same data in DuckDB. Division and modulo by zero are NULL in vsql;
# DuckDB's own rules differ, so its side of those expressions guards the divisor with NULLIF.
ORACLE_EXPRESSIONS = [
    ("x + y", None),
    ("x - y * 3", None),
    ("-x * y", None),
    ("x / y", "x / NULLIF(y, 0)"),
    ("x % y", "x % NULLIF(y, 0)"),
    ("u * x + v", None),
    ("u / v", "u / NULLIF(v, 0)"),
    ("x > u", None),
    ("x = y", None),
    ("u <= v", None),
    ("x <> v", None),
    ("(x > y) AND (u < v)", None),
    ("(x > y) OR (u < v)", None),
    ("NOT (x = y)", None),
    ("x BETWEEN y AND u", None),
    ("x IN (1, 2, NULL)", None),
    ("x NOT IN (0, 3)", None),
    ("COALESCE(x, y, 0)", None),
    ("CASE WHEN x > y THEN u WHEN x < y THEN v END", None),
    ("GREATEST(x, y, u)", None),
    ("ABS(x) + ROUND(u, 1)", None),
    ("CAST(u AS BIGINT)", None),
    ("x IS NULL OR u IS NOT NULL", None),
    ("NULLIF(x, y)", None),
]

_ints = st.one_of(st.none(), st.integers(min_value=-1000, max_value=1000))
_quarters = st.one_of(st.none(), st.integers(min_value=-4000, max_value=4000).map(lambda q: q / 4))


@st.composite
def _tables(draw: st.DrawFn) -> pa.Table:
    size = draw(st.integers(min_value=1, max_value=20))
    columns = {
        "x": pa.array(draw(st.lists(_ints, min_size=size, max_size=size)), pa.int64()),
        "y": pa.array(draw(st.lists(_ints, min_size=size, max_size=size)), pa.int64()),
        "u": pa.array(draw(st.lists(_quarters, min_size=size, max_size=size)), pa.float64()),
        "v": pa.array(draw(st.lists(_quarters, min_size=size, max_size=size)), pa.float64()),
    }
    return pa.table(columns)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=_tables())
def test_expressions_agree_with_duckdb(table: pa.Table) -> None:
    connection = duckdb.connect()
    try:
        connection.register("tbl", table)
        for sql, duck_sql in ORACLE_EXPRESSIONS:
            rows = connection.execute(f"SELECT {duck_sql or sql} AS r FROM tbl").fetchall()
            expected_values = [row[0] for row in rows]
            actual = compile_scalar(_expr(sql)).evaluate(table).to_pylist()
            assert _same(actual, expected_values) or _same_numbers(actual, expected_values), (
                f"{sql}: vsql {actual!r} != duckdb {expected_values!r}"
            )
    finally:
        connection.close()


def _same_numbers(actual: list[object], expected: list[object]) -> bool:
    """Equal values regardless of int/float type (DuckDB may widen where vsql does not)."""
    return len(actual) == len(expected) and all(
        (a is None and e is None)
        or (a is not None and e is not None and float(a) == pytest.approx(float(e), rel=1e-9))
        for a, e in zip(actual, expected, strict=True)
    )
