"""Plan specs describe themselves in the words EXPLAIN and the bench print."""

from __future__ import annotations

import pytest
from sqlglot import exp

import vsql.engine.sql.dialect  # noqa: F401  (registers the dialect describe() prints expressions in)
from vsql.engine.errors import PlanError
from vsql.engine.sql.plan import RowsSpec, SessionSpec, SlidingSpec, TumblingSpec


@pytest.mark.parametrize(
    ("spec", "text"),
    [
        (TumblingSpec(60_000), "TUMBLING 1m: [k*1m, (k+1)*1m)"),
        (TumblingSpec(250, "ts"), "TUMBLING 250ms: [k*250ms, (k+1)*250ms)"),
        (SlidingSpec(600_000, 60_000), "SLIDING 10m advance 1m: [k*1m, k*1m+10m)"),
        (SlidingSpec(4_000, 10_000), "SLIDING 4s advance 10s: [k*10s, k*10s+4s)"),
        (
            SessionSpec(30_000),
            "SESSION gap 30s: a row opens [t, t+30s) per group, overlapping sessions merge",
        ),
    ],
)
def test_window_specs_describe_their_windows(spec: object, text: str) -> None:
    assert spec.describe() == text


def test_tumbling_spec_advances_by_its_size() -> None:
    assert TumblingSpec(5_000).advance_ms == 5_000


def test_rows_spec_describes_frame_partitions_order_expiry_and_buffer() -> None:
    spec = RowsSpec(
        buffer_rows=50,
        partition_by=(exp.column("symbol"), exp.column("venue")),
        order_by=exp.column("ts"),
        preceding_rows=4,
        expire_after_ms=300_000,
    )
    assert spec.describe() == (
        "the last 5 rows, per symbol, venue, ordered by ts, idle partitions expire after 5m "
        "(buffer of 50 rows)"
    )
    assert RowsSpec(buffer_rows=3).describe() == "the last 3 rows (buffer of 3 rows)"


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: TumblingSpec(0), "TUMBLING size_ms"),
        (lambda: SlidingSpec(10, -1), "SLIDING advance_ms"),
        (lambda: SessionSpec(0), "SESSION gap_ms"),
    ],
)
def test_specs_built_in_code_name_the_field_they_reject(build: object, field: str) -> None:
    with pytest.raises(PlanError, match=f"^{field} must be positive"):
        build()
