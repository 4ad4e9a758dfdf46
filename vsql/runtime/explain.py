"""EXPLAIN: a compiled query's plan as aligned ``label  value`` lines.

The text names what the query reads and writes, its filter, grouping, aggregates, window and
emission (with the engine strategies that run them, taken from the engine's own factories), the
event-time column, the watermark and lateness settings, and how the shell will show the result.
Internal column names of the plan (``__key0``, ``__agg0``) are written back as the SQL they stand
for.
"""

from __future__ import annotations

from sqlglot import exp

from vsql.engine.columns import TIMESTAMP
from vsql.engine.emission import build_emission
from vsql.engine.errors import UnsupportedError
from vsql.engine.groupby import build_group_by
from vsql.engine.sql.plan import (
    AggregateSpec,
    EmitMode,
    LogicalPlan,
    RowsCall,
    agg_column,
    key_column,
)
from vsql.engine.state import SlotTable
from vsql.engine.timeutil import format_duration
from vsql.engine.windows import build_window_strategy
from vsql.runtime.counters import plural
from vsql.runtime.shape import resolve_output_mode, shape_of
from vsql.runtime.workers.stages import describe_topology, plan_topology

__all__ = ["explain_plan"]

_NO_WINDOW = "none: one result per group over the whole stream"


def explain_plan(plan: LogicalPlan, *, source: str | None = None) -> str:
    """The plan as text, one ``label  value`` line per aspect (aspects a query lacks are left out).

    Args:
        plan: the compiled query.
        source: what the query reads, when the caller knows better than the plan (a bound file);
            by default the Kafka topic of the source's name, JSON values.
    """
    settings = plan.settings
    topic = settings.topic_of(plan.source.name)
    read = source or f"Kafka topic '{topic}', JSON values"
    lines: list[tuple[str, str]] = [("source", f"{plan.source.name} ({read})")]
    if plan.sink is not None:
        sink_topic = settings.topic_of(plan.sink.name)
        key = f", key ({', '.join(plan.sink.primary_key)})" if plan.sink.primary_key else ""
        lines.append(("sink", f"{plan.sink.kind} {plan.sink.name} -> topic '{sink_topic}'{key}"))
    if plan.where is not None:
        lines.append(("filter", _sql(plan.where, plan)))
    if plan.is_aggregate:
        lines += _aggregation_lines(plan)
    for call in plan.rows_calls:
        lines.append(("rows window", _rows_call(call)))
    lines.append(("output", ", ".join(column.name for column in plan.outputs)))
    lines += _time_lines(plan)
    if plan.limit is not None:
        lines.append(("limit", plural(plan.limit, "row")))
    lines.append(("consumer", f"{settings.consumer_tier.value} tier"))
    lines.append(("stages", _stages(plan)))
    mode = resolve_output_mode(shape_of(plan))
    origin = "set" if settings.output_mode is not None else "default"
    lines.append(("output mode", f"{mode.value} ({origin})"))
    width = max(len(label) for label, _ in lines)
    return "\n".join(f"{label.ljust(width)}  {value}" for label, value in lines)


def _stages(plan: LogicalPlan) -> str:
    """How partition-parallel workers (``vsql run``, ``query.workers``) split the query; with one
    worker the query runs in this process, in one stage whatever its grouping."""
    if plan.settings.workers <= 1:
        return "1, in this process (set 'query.workers' above 1 to run in worker processes)"
    try:
        topology = plan_topology(plan)
    except UnsupportedError as error:
        return f"one process only: {error.message}"
    return f"{describe_topology(topology)}; {plural(plan.settings.workers, 'worker')} per stage"


def _aggregation_lines(plan: LogicalPlan) -> list[tuple[str, str]]:
    groups = build_group_by(len(plan.group_by))
    keys = ", ".join(expression.sql(dialect="vsql") for expression in plan.group_by) or "(one global group)"
    lines = [("group by", f"{keys}  [{type(groups).__name__}]")]
    if plan.aggregates:
        lines.append(("aggregates", ", ".join(_aggregate(spec) for spec in plan.aggregates)))
    window = build_window_strategy(
        plan.window,
        emit=plan.emit,
        allowed_lateness_ms=plan.settings.allowed_lateness_ms,
        slots=SlotTable(),
    )
    meaning = _NO_WINDOW if plan.window is None else plan.window.describe()
    lines.append(("window", f"{meaning}; {window.describe_state()}  [{type(window).__name__}]"))
    emission = build_emission(plan.emit, having=None)
    lines.append(("emission", f"{_emission(plan.emit)}  [{type(emission).__name__}]"))
    if plan.having is not None:
        lines.append(("having", _sql(plan.having, plan)))
    return lines


def _time_lines(plan: LogicalPlan) -> list[tuple[str, str]]:
    settings = plan.settings
    column = plan.event_time_column
    origin = " (the Kafka message timestamp)" if column == TIMESTAMP else ""
    watermark = (
        f"per partition max event time - {format_duration(settings.max_out_of_orderness_ms)} "
        f"(max out-of-orderness), min over partitions; a partition idle "
        f"{format_duration(settings.idle_timeout_ms)} stops holding it back"
    )
    late = (
        f"windows close at end + {format_duration(settings.allowed_lateness_ms)} allowed lateness; "
        f"late rows: {settings.late_data_strategy.value}"
    )
    if settings.dlq_topic is not None:
        late += f" (dead letters to topic '{settings.dlq_topic}')"
    return [("event time", column + origin), ("watermark", watermark), ("late data", late)]


def _emission(emit: EmitMode) -> str:
    if emit is EmitMode.CHANGES:
        return "EMIT CHANGES: an updated row per changed (window, group), deletes for retractions"
    return "EMIT FINAL: each (window, group) once, when its window closes"


def _aggregate(spec: AggregateSpec) -> str:
    argument = "*" if spec.argument is None else spec.argument.sql(dialect="vsql")
    distinct = "DISTINCT " if spec.distinct else ""
    return f"{spec.func.value.upper()}({distinct}{argument})"


def _rows_call(call: RowsCall) -> str:
    argument = "" if call.argument is None else call.argument.sql(dialect="vsql")
    return f"{call.func.value.upper()}({argument}) over {call.window.describe()}"


def _sql(expression: exp.Expression, plan: LogicalPlan) -> str:
    """The expression's SQL with the plan's internal key and aggregate columns written out."""
    names = {key_column(i): e.sql(dialect="vsql") for i, e in enumerate(plan.group_by)}
    names |= {agg_column(i): _aggregate(spec) for i, spec in enumerate(plan.aggregates)}

    def restore(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and node.name in names:
            return exp.column(names[node.name], quoted=False)
        return node

    text = expression.transform(restore).sql(dialect="vsql")
    return text
