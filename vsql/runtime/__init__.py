"""The runtime: one client API (``Runtime``) over sessions, query runs, jobs and topics.

The shell, the dashboard, scripts and ``vsql run`` use ``Runtime`` and the values it hands out
(``Prepared``, ``RunResult``, ``Counters``, ``JobInfo``, ``ResultShape``, ``FieldInfo``) and nothing
else of this package. Inside, one ``QueryDriver`` runs a query's engine with its ledgers, idle
partitions, sinks and counters, for the in-process loop (``run.py``) and for worker tasks alike.

Public names load on first use: a front end that only needs ``JobState`` or ``Counters`` does not
load the engine and the Kafka clients with them.
"""

from typing import TYPE_CHECKING

from vsql.exports import lazy_exports

if TYPE_CHECKING:
    from vsql.runtime.client import DEMO_RATE, DEMO_TOPIC, BrokerOpener, RunResult, Runtime
    from vsql.runtime.counters import Counters, Sampler, plural
    from vsql.runtime.jobs import ALL_JOBS, JobInfo, JobKind, JobState
    from vsql.runtime.prepared import Prepared, StatementKind
    from vsql.runtime.shape import ResultShape, resolve_output_mode
    from vsql.runtime.topic_fields import FieldInfo

__all__ = [
    "ALL_JOBS",
    "DEMO_RATE",
    "DEMO_TOPIC",
    "BrokerOpener",
    "Counters",
    "FieldInfo",
    "JobInfo",
    "JobKind",
    "JobState",
    "Prepared",
    "ResultShape",
    "RunResult",
    "Runtime",
    "Sampler",
    "StatementKind",
    "plural",
    "resolve_output_mode",
]

_HOMES = {
    "DEMO_RATE": "client",
    "DEMO_TOPIC": "client",
    "BrokerOpener": "client",
    "RunResult": "client",
    "Runtime": "client",
    "Counters": "counters",
    "Sampler": "counters",
    "plural": "counters",
    "ALL_JOBS": "jobs",
    "JobInfo": "jobs",
    "JobKind": "jobs",
    "JobState": "jobs",
    "Prepared": "prepared",
    "StatementKind": "prepared",
    "ResultShape": "shape",
    "resolve_output_mode": "shape",
    "FieldInfo": "topic_fields",
}

__getattr__ = lazy_exports(__name__, _HOMES)
