"""vsql side by side with other engines on the tumbling and sliding workloads (``vsql bench peers``).

Each peer (Quix Streams and Bytewax, the streaming frameworks; DuckDB and Polars, batch engines
as the vectorized lower bound) lives in its own module behind the ``Peer`` protocol of
``base.py``; ``runner.py`` checks each against vsql's windows, then times both in the same run;
``command.py`` holds the command's arguments and outputs. The optional extra ``vsql[peers]``
installs the peers.
"""

from vsql.bench.peers.command import add_peers_arguments, run_peers

__all__ = ["add_peers_arguments", "run_peers"]
