"""The runtime: one client API (``Runtime``) over sessions, query runs, jobs and topics.

The shell, the dashboard, scripts and ``vsql run`` use ``Runtime`` and the values it hands out
(``Prepared``, ``RunResult``, ``Counters``, ``JobInfo``, ``ResultShape``, ``FieldInfo``) and nothing
else of this package. Inside, one ``QueryDriver`` runs a query's engine with its ledgers, idle
partitions, sinks and counters, for the in-process loop (``run.py``) and for worker tasks alike.
"""

from vsql.runtime.client import BrokerOpener, RunResult, Runtime
from vsql.runtime.counters import Counters, Sampler, plural
from vsql.runtime.datagen import DEMO_RATE, DEMO_TOPIC
from vsql.runtime.jobs import ALL_JOBS, JobInfo, JobKind, JobState
from vsql.runtime.prepared import Prepared, StatementKind
from vsql.runtime.shape import ResultShape, resolve_output_mode
from vsql.runtime.topics import FieldInfo

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
