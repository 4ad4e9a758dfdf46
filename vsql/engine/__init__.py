"""The vsql engine: streaming SQL over Arrow record batches. It knows nothing of Kafka or terminals.

Typical use::

    plan = compile_query("SELECT symbol, COUNT(*) FROM trades GROUP BY symbol WINDOW TUMBLING(1s)")
    pipeline = Pipeline(plan)
    for batch in batches:
        emitted = pipeline.process(batch).rows
    emitted = pipeline.finish().rows
"""

from typing import TYPE_CHECKING

from vsql.exports import lazy_exports

if TYPE_CHECKING:
    from vsql.engine.errors import ExecutionError, PlanError, SqlSyntaxError, UnsupportedError, VsqlError
    from vsql.engine.pipeline import Pipeline, PipelineMetrics, StepOutput
    from vsql.engine.settings import QuerySettings
    from vsql.engine.sql.plan import LogicalPlan
    from vsql.engine.sql.statements import compile_query, compile_statement

__all__ = [
    "ExecutionError",
    "LogicalPlan",
    "Pipeline",
    "PipelineMetrics",
    "PlanError",
    "QuerySettings",
    "SqlSyntaxError",
    "StepOutput",
    "UnsupportedError",
    "VsqlError",
    "compile_query",
    "compile_statement",
]

_HOMES = {
    "ExecutionError": "errors",
    "PlanError": "errors",
    "SqlSyntaxError": "errors",
    "UnsupportedError": "errors",
    "VsqlError": "errors",
    "Pipeline": "pipeline",
    "PipelineMetrics": "pipeline",
    "StepOutput": "pipeline",
    "QuerySettings": "settings",
    "LogicalPlan": "sql.plan",
    "compile_query": "sql.statements",
    "compile_statement": "sql.statements",
}
"""Where each public name lives. Names load on first use, so importing a light module of the
engine (its errors, its settings) does not load the planner and the kernels."""


__getattr__ = lazy_exports(__name__, _HOMES)
