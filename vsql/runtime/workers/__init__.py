"""Partition-parallel workers: one query run by several processes in Kafka consumer groups.

``vsql run --workers N`` starts N worker processes per stage (``supervisor.py``); each joins the
stage's consumer group, owns the partitions the group assigns it, one task per partition
(``tasks.py``), and writes to the query's sink. Queries whose state is not keyed by the message
key repartition through an internal topic first (``stages.py``, ``repartition.py``).
"""

from vsql.runtime.workers.queries import WorkerQuery
from vsql.runtime.workers.stages import (
    Topology,
    compile_script,
    describe_topology,
    plan_topology,
    script_of,
)
from vsql.runtime.workers.supervisor import WorkerGroup, run_workers
from vsql.runtime.workers.worker import Role, WorkerStats, run_worker

__all__ = [
    "Role",
    "Topology",
    "WorkerGroup",
    "WorkerQuery",
    "WorkerStats",
    "compile_script",
    "describe_topology",
    "plan_topology",
    "run_worker",
    "run_workers",
    "script_of",
]
