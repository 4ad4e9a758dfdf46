"""Result shapes from plans: which output columns key a changelog row."""

from __future__ import annotations

import pytest

from vsql.engine.settings import OutputMode, QuerySettings
from vsql.engine.sql.plan import EmitMode
from vsql.engine.sql.statements import compile_query
from vsql.runtime.shape import ResultShape, shape_of


@pytest.mark.parametrize(
    ("sql", "key_columns"),
    [
        ("SELECT symbol, price FROM trades", None),
        ("SELECT COUNT(*) AS n FROM trades", ()),
        ("SELECT symbol, COUNT(*) AS n FROM trades GROUP BY symbol", ("symbol",)),
        (
            "SELECT COUNT(*) AS n, windowend, symbol AS s, _window_start AS ws FROM trades "
            "GROUP BY symbol WINDOW TUMBLING(1s)",
            ("s", "ws", "windowend"),
        ),
        ("SELECT symbol, COUNT(*) AS n FROM trades GROUP BY symbol, side", None),
        ("SELECT UPPER(symbol) AS u, COUNT(*) AS n FROM trades GROUP BY symbol", None),
    ],
)
def test_key_columns_are_the_selected_group_keys_and_window_bounds(
    sql: str, key_columns: tuple[str, ...] | None
) -> None:
    assert shape_of(compile_query(sql)).key_columns == key_columns


def test_shape_carries_columns_emit_mode_and_output_mode() -> None:
    settings = QuerySettings.from_properties({"output.mode": "append"})
    plan = compile_query(
        "SELECT symbol, COUNT(*) AS n FROM trades GROUP BY symbol WINDOW SESSION(5s) EMIT CHANGES",
        settings=settings,
    )
    assert shape_of(plan) == ResultShape(
        columns=("symbol", "n"),
        key_columns=("symbol",),
        emit_mode=EmitMode.CHANGES,
        output_mode=OutputMode.APPEND,
    )
