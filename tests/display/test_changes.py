"""ResultChanges: result tables as upserts and deletes keyed by the changelog key, or appends."""

from __future__ import annotations

import pyarrow as pa

from vsql.display.changes import ChangeKind, ResultChanges, resolve_output_mode
from vsql.engine.settings import OutputMode
from vsql.engine.sql.plan import EmitMode
from vsql.runtime.shape import ResultShape

KEYED = ResultShape(columns=("symbol", "n", "ws"), key_columns=("symbol", "ws"), emit_mode=EmitMode.CHANGES)


def rows(*records: dict[str, object]) -> pa.Table:
    names = ("symbol", "n", "ws", "_op")
    return pa.table({name: [record.get(name) for record in records] for name in names})


def test_keyed_changes_upsert_and_delete_by_group_and_window() -> None:
    changes = ResultChanges(KEYED).apply(
        rows({"symbol": "A", "n": 1, "ws": 0}, {"symbol": "A", "ws": 0, "_op": "delete"})
    )
    assert [(change.kind, change.key) for change in changes] == [
        (ChangeKind.UPSERT, ("A", 0)),
        (ChangeKind.DELETE, ("A", 0)),
    ]
    assert changes[0].cells == ("A", "1", "0")


def test_changelog_mode_labels_inserts_updates_and_deletes() -> None:
    shape = ResultShape(
        columns=KEYED.columns, key_columns=KEYED.key_columns, output_mode=OutputMode.CHANGELOG
    )
    view = ResultChanges(shape)
    first = rows({"symbol": "A", "n": 1, "ws": 0}, {"symbol": "A", "n": 2, "ws": 0})
    changes = view.apply(first) + view.apply(rows({"symbol": "A", "ws": 0, "_op": "delete"}))
    assert view.columns == ("op", "symbol", "n", "ws")
    assert [change.cells[0] for change in changes] == ["+I", "+U", "-D"]
    assert {change.kind for change in changes} == {ChangeKind.APPEND}


def test_final_and_unkeyed_results_are_appended() -> None:
    assert resolve_output_mode(ResultShape(columns=("n",), emit_mode=EmitMode.FINAL)) is OutputMode.APPEND
    assert resolve_output_mode(ResultShape(columns=("n",), emit_mode=EmitMode.CHANGES)) is OutputMode.APPEND
    assert resolve_output_mode(KEYED) is OutputMode.TABLE
