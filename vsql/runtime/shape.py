"""A query's ``ResultShape`` from its plan: output columns, the changelog key, emission and output mode.

The key of a result row is what identifies it in the upsert changelog EMIT CHANGES produces: the
GROUP BY keys and the window bounds. A row's key columns are the outputs that select a group key or
a window bound as they are (``symbol``, ``_window_start AS ws``). When a GROUP BY key is not
selected, rows of different groups could not be told apart on screen, so the result is treated as
unkeyed (appended, never updated in place). A window bound that is not selected is no obstacle:
each group's row then shows its latest window.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from vsql.engine.columns import WINDOW_END, WINDOW_START
from vsql.engine.settings import OutputMode
from vsql.engine.sql.plan import EmitMode, LogicalPlan, key_column

__all__ = ["ResultShape", "resolve_output_mode", "shape_of"]


@dataclass(frozen=True)
class ResultShape:
    """How a query's result rows are keyed and emitted, known before its first rows.

    Attributes:
        columns: the result columns, in order.
        key_columns: the columns that identify a result row in the changelog: the group keys and
            the selected window bounds; empty for one global group (aggregates without GROUP BY);
            None when rows are not keyed at all (a query without aggregates: every row is new).
        emit_mode: FINAL (each row once) or CHANGES (an upsert changelog with ``_op = 'delete'`` rows).
        output_mode: the ``'output.mode'`` setting, None when unset (see ``resolve_output_mode``).
    """

    columns: tuple[str, ...]
    key_columns: tuple[str, ...] | None = None
    emit_mode: EmitMode = EmitMode.FINAL
    output_mode: OutputMode | None = None


def resolve_output_mode(shape: ResultShape) -> OutputMode:
    """The output mode: the setting when set, else table for keyed EMIT CHANGES, else append."""
    if shape.output_mode is not None:
        return shape.output_mode
    if shape.emit_mode is EmitMode.CHANGES and shape.key_columns is not None:
        return OutputMode.TABLE
    return OutputMode.APPEND


def shape_of(plan: LogicalPlan) -> ResultShape:
    """The shape of ``plan``'s results, which a front end needs before the first rows."""
    return ResultShape(
        columns=tuple(column.name for column in plan.outputs),
        key_columns=_key_columns(plan),
        emit_mode=plan.emit,
        output_mode=plan.settings.output_mode,
    )


def _key_columns(plan: LogicalPlan) -> tuple[str, ...] | None:
    if not plan.is_aggregate:
        return None
    group_keys = {key_column(index) for index in range(len(plan.group_by))}
    selected: dict[str, str] = {}
    for column in plan.outputs:
        expression = column.expression
        if isinstance(expression, exp.Column) and not expression.table:
            selected.setdefault(expression.name, column.name)
    if not group_keys <= selected.keys():
        return None
    keys = [selected[key_column(index)] for index in range(len(plan.group_by))]
    keys += [selected[bound] for bound in (WINDOW_START, WINDOW_END) if bound in selected]
    return tuple(keys)
