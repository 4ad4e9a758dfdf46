"""How ``vsql run`` spreads a query over workers: its stages and whether rows are shuffled.

Workers of one stage form one Kafka consumer group; each owns a share of the stage's input
partitions and the state of the keys in them, so every key's state must live in one partition.
That holds without a shuffle when the query is stateless, or when its grouping keys include the
message key (``GROUP BY _key``, or a field the source declares as its key with
``'<source>.key' = '<field>'``). Otherwise a first stage repartitions: it writes each row to the
internal topic ``<group id>-repartition`` keyed by the grouping keys, and a second stage, its own
consumer group, reads that topic and runs the query.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from sqlglot import exp

from vsql.engine.columns import KEY
from vsql.engine.errors import UnsupportedError
from vsql.engine.settings import QuerySettings
from vsql.engine.sql.plan import LogicalPlan
from vsql.engine.sql.statements import SetStatement, UnsetStatement, compile_statement, split_statements

__all__ = [
    "Topology",
    "compile_script",
    "default_group_id",
    "describe_topology",
    "plan_topology",
    "script_of",
]

_REPARTITION_SUFFIX = "-repartition"


@dataclass(frozen=True)
class Topology:
    """The stages of one query run by workers.

    Attributes:
        group_id: the consumer group of the workers reading the source topic.
        source_topic: the query's input topic.
        shuffle_keys: the expressions rows are repartitioned by (empty: one global group, every
            row goes to one partition); None when no shuffle is needed.
        reason: why rows are (or are not) shuffled, for EXPLAIN and logs.
    """

    group_id: str
    source_topic: str
    shuffle_keys: tuple[exp.Expression, ...] | None
    reason: str

    @property
    def is_shuffled(self) -> bool:
        """True when a repartition stage runs before the query."""
        return self.shuffle_keys is not None

    @property
    def repartition_topic(self) -> str:
        """The internal topic between the two stages (used only when shuffled)."""
        return self.group_id + _REPARTITION_SUFFIX

    @property
    def aggregate_group_id(self) -> str:
        """The consumer group of the workers reading the repartition topic."""
        return self.group_id + _REPARTITION_SUFFIX


def compile_script(text: str) -> LogicalPlan:
    """The query of a ``vsql run`` script: ``SET``/``UNSET`` statements, then exactly one query.

    Raises:
        SqlSyntaxError, PlanError: a statement is rejected.
        UnsupportedError: the script holds no query, or more than one.
    """
    properties: dict[str, str] = {}
    plan: LogicalPlan | None = None
    for statement in split_statements(text):
        compiled = compile_statement(statement, settings=QuerySettings.from_properties(properties))
        if isinstance(compiled, SetStatement):
            properties[compiled.key] = compiled.value
        elif isinstance(compiled, UnsetStatement):
            properties.pop(compiled.key, None)
        elif plan is not None:
            raise UnsupportedError("vsql run runs one query per script; found a second one")
        else:
            plan = compiled
    if plan is None:
        raise UnsupportedError("vsql run needs a query (SELECT or CREATE STREAM ... AS SELECT)")
    return plan


def script_of(properties: Mapping[str, str], statement: str) -> str:
    """The script that runs ``statement`` under these SET properties, for workers to compile."""
    sets = "".join(f"SET {_quoted(key)} = {_quoted(value)};\n" for key, value in properties.items())
    return sets + statement


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def default_group_id(plan: LogicalPlan) -> str:
    """``vsql-run-<sink name>`` for ``CREATE STREAM``, else ``vsql-run-<hash of the SQL>``: the same
    query started on several machines joins the same group."""
    if plan.sink is not None:
        return f"vsql-run-{plan.sink.name.lower()}"
    return "vsql-run-" + hashlib.sha1(plan.sql.encode(), usedforsecurity=False).hexdigest()[:10]


def plan_topology(plan: LogicalPlan, *, group_id: str | None = None) -> Topology:
    """Decide the stages of ``plan`` (see the module docstring).

    Args:
        plan: the compiled query.
        group_id: the source stage's consumer group; default ``default_group_id(plan)``.

    Raises:
        UnsupportedError: ROWS windows with different PARTITION BY lists (no single key to
            repartition by).
    """
    group = group_id or default_group_id(plan)
    topic = plan.settings.topic_of(plan.source.name)
    keys, what = _state_keys(plan)
    if keys is None:
        return Topology(group, topic, None, "stateless: each partition is processed by its reader")
    key_field = plan.settings.source_property(plan.source.name, "key")
    if any(_is_message_key(key, key_field) for key in keys):
        declared = f", '{plan.source.name.lower()}.key' = '{key_field}'" if key_field else ""
        return Topology(group, topic, None, f"{what} includes the message key{declared}: no shuffle")
    if not keys:
        return Topology(group, topic, (), "one global group: every row goes to one partition")
    listed = ", ".join(key.sql(dialect="vsql") for key in keys)
    hint = f"; declare '{plan.source.name.lower()}.key' = '<field>' when producers key by it"
    return Topology(group, topic, keys, f"{what} {listed} is not the message key{hint}")


def describe_topology(topology: Topology) -> str:
    """One line for EXPLAIN: the stages, their topics and consumer groups, and why."""
    if topology.shuffle_keys is None:
        return (
            f"1 stage: the workers of group '{topology.group_id}' share the partitions of "
            f"{topology.source_topic} ({topology.reason})"
        )
    keys = ", ".join(key.sql(dialect="vsql") for key in topology.shuffle_keys) or "one constant key"
    return (
        f"2 stages: group '{topology.group_id}' repartitions {topology.source_topic} by {keys} into "
        f"topic '{topology.repartition_topic}', group '{topology.aggregate_group_id}' runs the query "
        f"on it ({topology.reason})"
    )


def _state_keys(plan: LogicalPlan) -> tuple[tuple[exp.Expression, ...] | None, str]:
    """The expressions a query's state is keyed by (None: no state), and what they are called."""
    if plan.is_aggregate:
        return plan.group_by, "GROUP BY"
    if not plan.rows_calls:
        return None, ""
    lists = {tuple(key.sql(dialect="vsql") for key in call.window.partition_by) for call in plan.rows_calls}
    if len(lists) > 1:
        raise UnsupportedError(
            f"workers need one PARTITION BY list shared by every ROWS window of the query, found {len(lists)}"
        )
    return plan.rows_calls[0].window.partition_by, "PARTITION BY"


def _is_message_key(expression: exp.Expression, key_field: str | None) -> bool:
    if not isinstance(expression, exp.Column) or expression.table:
        return False
    name = expression.name.lower()
    return name == KEY or (key_field is not None and name == key_field.strip().lower())
