"""Running queries: sessions, the run loop, sources, sinks and background queries.

The CLI, the scenario runner, the shell and the bench run queries through this package; none of
them talks to the engine's Pipeline or to Kafka clients directly.
"""

from vsql.runtime.inputs import bind_input, sample_schema
from vsql.runtime.run import run_finite, run_query
from vsql.runtime.session import Session
from vsql.runtime.stats import RunStats

__all__ = ["RunStats", "Session", "bind_input", "run_finite", "run_query", "sample_schema"]
