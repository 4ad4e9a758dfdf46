"""A worker process for the rebalancing test: a ``vsql.runtime.workers`` process that kills itself
with SIGKILL once it has read ``--die-after`` records.

Usage: python dying_worker.py --die-after N WORKER-ARGUMENTS...
"""

from __future__ import annotations

import os
import signal
import sys

from vsql.runtime.workers.process import main
from vsql.runtime.workers.worker import WorkerStats


def run() -> int:
    argv = sys.argv[1:]
    at = argv.index("--die-after")
    limit = int(argv[at + 1])
    del argv[at : at + 2]

    def die_midway(stats: WorkerStats) -> None:
        if stats.counters.records_in >= limit:
            os.kill(os.getpid(), signal.SIGKILL)

    return main(argv, on_progress=die_midway)


if __name__ == "__main__":
    sys.exit(run())
