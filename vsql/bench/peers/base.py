"""What every peer shares: the Protocol, the input of a run, the window shape and the result rows.

A peer is another engine (a streaming framework or a batch engine) that computes the windowed
aggregation of vsql's ``tumbling`` and ``sliding`` workloads::

    SELECT symbol, COUNT(*) AS trades, SUM(qty) AS volume, AVG(price) AS avg_price,
           MIN(price) AS low, MAX(price) AS high
    FROM trades GROUP BY symbol WINDOW SLIDING(size, advance) EMIT FINAL

Windows are ``[k*advance_ms, k*advance_ms + size_ms)`` in epoch ms, none starting below 0; a
tumbling window is a sliding one with ``advance_ms == size_ms``. Peers take the window shape from
the workload's plan and compute those fixed aggregates; the bench checks their rows against
vsql's before it times them, so a ratio never compares different work.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import Enum
from functools import cached_property
from typing import TYPE_CHECKING, Protocol

import pyarrow as pa

from vsql.engine.sql.plan import SlidingSpec, TumblingSpec
from vsql.engine.sql.statements import compile_query

if TYPE_CHECKING:
    from vsql.bench.kafka import KafkaInputs
    from vsql.bench.workloads import Workload

__all__ = [
    "PEER_REQUIREMENTS",
    "RESULT_SCHEMA",
    "BatchPeer",
    "Peer",
    "PeerData",
    "Setup",
    "WindowShape",
    "missing_module",
    "result_table",
]

RESULT_SCHEMA = pa.schema(
    [
        ("symbol", pa.string()),
        ("window_start", pa.int64()),
        ("window_end", pa.int64()),
        ("trades", pa.int64()),
        ("volume", pa.int64()),
        ("avg_price", pa.float64()),
        ("low", pa.float64()),
        ("high", pa.float64()),
    ]
)
"""The rows every peer's ``results`` returns: one per (symbol, window), bounds in epoch ms."""


PEER_REQUIREMENTS = {
    "quixstreams": "quixstreams>=3",
    "bytewax": "bytewax>=0.21",
    "polars": "polars>=1",
    "duckdb": "duckdb>=1.1",
}
"""The requirement that installs each peer's package, as the ``peers`` extra of pyproject.toml
lists it: a skip message names it, so ``pip install`` of that line installs what is missing
whether or not vsql's own installed metadata knows the extra."""


class Setup(Enum):
    """Where a peer reads its input; vsql is measured the same way for each row of the table."""

    IN_MEMORY = "in memory"
    KAFKA = "through Kafka"


@dataclass(frozen=True)
class WindowShape:
    """A workload's windows: ``size_ms`` long, one starting every ``advance_ms``.

    Peers aggregate in panes of ``advance_ms`` and combine ``panes_per_window`` panes per window,
    so ``size_ms`` must be a multiple of ``advance_ms`` (true of every workload peers run).
    """

    size_ms: int
    advance_ms: int

    def __post_init__(self) -> None:
        if self.advance_ms <= 0 or self.size_ms % self.advance_ms:
            raise ValueError(
                f"size_ms ({self.size_ms}) must be a positive multiple of advance_ms ({self.advance_ms})"
            )

    @property
    def panes_per_window(self) -> int:
        """How many ``advance_ms`` panes one window covers (1 for tumbling windows)."""
        return self.size_ms // self.advance_ms

    @classmethod
    def of(cls, work: Workload) -> WindowShape:
        """The shape of ``work``'s WINDOW clause (a tumbling window advances by its size).

        Raises:
            ValueError: the workload has no tumbling or sliding window; the message describes the
                window it has.
        """
        window = compile_query(work.sql).window if work.sql is not None else None
        if not isinstance(window, TumblingSpec | SlidingSpec):
            has = "no window" if window is None else window.describe()
            raise ValueError(f"workload {work.name!r} has {has}; peers run TUMBLING and SLIDING windows only")
        return cls(size_ms=window.size_ms, advance_ms=window.advance_ms)


@dataclass(frozen=True)
class PeerData:
    """The input of one run: ``records`` generated trades, in arrival order, event times ascending.

    ``batches`` holds the trades as Arrow batches (columns ``_timestamp``, ``symbol``, ``price``,
    ``qty``, ``side``); it may be empty when a run reads only ``topic``. ``topic`` names the
    Kafka topic on ``kafka``'s broker holding the same trades as JSON values keyed by symbol, with
    the event time as message timestamp; both are None for in-memory runs.
    """

    records: int
    batches: tuple[pa.RecordBatch, ...] = ()
    kafka: KafkaInputs | None = None
    topic: str | None = None

    def __post_init__(self) -> None:
        held = sum(batch.num_rows for batch in self.batches)
        if self.batches and held != self.records:
            raise ValueError(f"records is {self.records} but the batches hold {held} rows")

    def table(self) -> pa.Table:
        """``batches`` as one table (no copy)."""
        return pa.Table.from_batches(self.batches)

    @cached_property
    def rows(self) -> list[dict]:
        """The trades as one dict per record, built on first use and kept, for peers that take
        Python objects."""
        return self.table().to_pylist()


class Peer(Protocol):
    """An engine measured side by side with vsql.

    The runner calls ``available`` once; when it returns a reason, the peer is reported as
    skipped with that reason and neither ``results`` nor ``run`` is called. Otherwise it calls
    ``results`` on a small input and compares the rows with vsql's, then ``run`` on the measured
    input, ``repeat`` times.
    """

    @property
    def name(self) -> str:
        """Short name shown in the table (``duckdb``, ``quix``...)."""
        ...

    @property
    def setup(self) -> Setup:
        """Where the peer reads its input; decides which vsql figure it is compared with."""
        ...

    @property
    def detail(self) -> str:
        """How the peer is set up, in a few words (shown in the table)."""
        ...

    @property
    def flushes_at_end(self) -> bool:
        """False when the peer has no end of input: windows still open after a key's last record
        are never emitted, and the check expects only windows whose end is at or before the last
        event time of their key."""
        ...

    def available(self) -> str | None:
        """None when the peer can run here, else why not (a missing package, with its extra)."""
        ...

    def run(self, work: Workload, data: PeerData) -> float:
        """Process all of ``data`` with ``work``'s query and return records per second.

        The clock covers the processing only: inputs are prepared (decoded, loaded) before it
        starts, as for vsql in the same setup.
        """
        ...

    def results(self, work: Workload, data: PeerData) -> pa.Table:
        """Process ``data`` and return every emitted window as rows of ``RESULT_SCHEMA``."""
        ...


class BatchPeer(ABC):
    """A peer whose one timed call returns all its windows as an Arrow table with the columns of
    ``RESULT_SCHEMA`` (the batch engines): ``run`` and ``results`` both come from ``execute``."""

    def run(self, work: Workload, data: PeerData) -> float:
        """Records/s of ``execute``'s timed part."""
        seconds, _ = self.execute(work, data)
        return data.records / seconds

    def results(self, work: Workload, data: PeerData) -> pa.Table:
        """``execute``'s rows, cast and sorted as ``result_table`` does."""
        _, rows = self.execute(work, data)
        return result_table({name: rows[name] for name in rows.column_names})

    @abstractmethod
    def execute(self, work: Workload, data: PeerData) -> tuple[float, pa.Table]:
        """Compute ``work``'s windows over ``data``; the seconds the computation took (loading the
        input excluded, fetching the result included) and the rows."""


def missing_module(module: str, *, package: str) -> str | None:
    """None when ``module`` imports, else a reason naming the command that installs ``package``
    (a key of ``PEER_REQUIREMENTS``) and the ``vsql[peers]`` extra that holds it."""
    try:
        importlib.import_module(module)
    except ImportError as error:
        return (
            f"{package} is not installed ({error}); pip install '{PEER_REQUIREMENTS[package]}' "
            "(part of the vsql[peers] extra)"
        )
    return None


def result_table(columns: dict[str, object]) -> pa.Table:
    """Rows given column by column, cast to ``RESULT_SCHEMA`` and sorted by window, then symbol."""
    table = pa.table(columns).select(RESULT_SCHEMA.names).cast(RESULT_SCHEMA)
    return table.sort_by([("window_start", "ascending"), ("symbol", "ascending")])
