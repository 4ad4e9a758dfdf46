"""A query's ``ResultShape`` from its plan: output columns, the changelog key, emission and output mode.

The key of a result row is what identifies it in the upsert changelog EMIT CHANGES produces: the
GROUP BY keys and the window bounds. A row's key columns are the outputs that select a group key or
a window bound as they are (``symbol``, ``_window_start AS ws``). When a GROUP BY key is not
selected, rows of different groups could not be told apart on screen, so the result is treated as
unkeyed (appended, never updated in place). A window bound that is not selected is no obstacle:
each group's row then shows its latest window.
"""

from __future__ import annotations

from sqlglot import exp

from vsql.engine.columns import WINDOW_END, WINDOW_START
from vsql.engine.sql.plan import LogicalPlan, key_column
from vsql.repl.backend import ResultShape

__all__ = ["shape_of"]


def shape_of(plan: LogicalPlan) -> ResultShape:
    """The shape the shell announces before a query's first rows."""
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
