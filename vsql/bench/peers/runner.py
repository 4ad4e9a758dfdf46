"""Runs vsql and its peers on the same data in the same run, and relates their throughputs.

For each workload and each setup some available peer has (in memory, through Kafka), the runner:

1. computes vsql's windows on a small input (``check_records`` trades) and each peer's on the
   same input; a peer whose rows differ is reported with the difference and never timed;
2. times vsql in that setup and every peer that passed, ``repeat`` times each, interleaved (vsql,
   then each peer, per round) so drift in the machine's load hits all alike; medians are kept.

In-memory runs share one generated data set (``vsql bench run``'s seed and keys); Kafka runs read
one topic of the embedded broker (``vsql bench run kafka_e2e``'s), produced once.
"""

from __future__ import annotations

import logging
import statistics
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

import pyarrow as pa

from vsql.bench.measure import BATCH_ROWS
from vsql.bench.peers.base import Peer, PeerData, Setup
from vsql.bench.peers.bytewax import BytewaxPeer
from vsql.bench.peers.check import closed_by_later_records, difference
from vsql.bench.peers.duckdb import DuckDbPeer
from vsql.bench.peers.engine import VsqlEngine
from vsql.bench.peers.polars import PolarsPeer
from vsql.bench.peers.quix import QuixPeer
from vsql.bench.workloads import Workload, workload
from vsql.datagen import EventSpec, generate

if TYPE_CHECKING:
    from vsql.bench.kafka import KafkaInputs

__all__ = ["PEER_WORKLOADS", "PeerResult", "PeerStatus", "default_peers", "run_peers_side_by_side"]

logger = logging.getLogger(__name__)

PEER_WORKLOADS = ("tumbling", "sliding")
"""The workloads peers implement."""

_CHECK_RECORDS = 20_000
_CHECK_PARTITIONS = 4
_KAFKA_START_MS = 1_700_000_000_000
"""Kafka check data starts here: librdkafka stamps a message timestamp of 0 with the produce time."""


class PeerStatus(Enum):
    """What became of a peer on one workload."""

    MEASURED = "measured"
    UNAVAILABLE = "unavailable"
    DIFFERS = "differs"


@dataclass(frozen=True)
class PeerResult:
    """One peer on one workload: its median records/s and vsql's in the same setup and run.

    Unless ``status`` is MEASURED, both rates are None and ``reason`` says why (the missing
    package, or the first difference from vsql's windows).
    """

    peer: str
    setup: Setup
    detail: str
    workload: str
    records: int
    status: PeerStatus
    records_per_s: float | None = None
    vsql_records_per_s: float | None = None
    vsql_detail: str = ""
    reason: str | None = None

    @property
    def ratio(self) -> float | None:
        """vsql's throughput over the peer's (above 1: vsql is faster), or None when unmeasured."""
        if self.records_per_s is None or self.vsql_records_per_s is None:
            return None
        return self.vsql_records_per_s / self.records_per_s


def default_peers() -> list[Peer]:
    """Every peer vsql knows, batch lower bounds first."""
    return [DuckDbPeer(), PolarsPeer(), BytewaxPeer(), QuixPeer()]


def run_peers_side_by_side(
    names: Sequence[str],
    *,
    records: int,
    repeat: int = 3,
    peers: Sequence[Peer] | None = None,
    progress: Callable[[str], None] = logger.info,
) -> list[PeerResult]:
    """Measure vsql and ``peers`` (default: ``default_peers()``) on the workloads ``names``.

    Args:
        names: workload names, each in ``PEER_WORKLOADS``.
        records: records per timed run (the check uses at most 20,000).
        repeat: timed runs per engine; the median is reported.
        peers: the peers to try; unavailable ones are reported with their reason.
        progress: receives one line per step.

    Returns:
        One result per (workload, peer), in workload then peer order.

    Raises:
        ValueError: a workload peers do not implement, or ``records``/``repeat`` below 1.
    """
    unknown = [name for name in names if name not in PEER_WORKLOADS]
    if unknown or records < 1 or repeat < 1:
        raise ValueError(
            f"peers run {', '.join(PEER_WORKLOADS)} with records and repeat >= 1; "
            f"got workloads {', '.join(names)}, records {records}, repeat {repeat}"
        )
    chosen = list(default_peers() if peers is None else peers)
    reasons = {id(peer): peer.available() for peer in chosen}
    ready = [peer for peer in chosen if reasons[id(peer)] is None]
    with ExitStack() as stack:
        inputs = _Inputs(records, check_records=min(records, _CHECK_RECORDS), stack=stack)
        results: list[PeerResult] = []
        for work in (workload(name) for name in names):
            measured: dict[int, PeerResult] = {}
            for setup in Setup:
                group = [peer for peer in ready if peer.setup is setup]
                if group:
                    outcomes = _side_by_side(work, setup, group, inputs, repeat=repeat, progress=progress)
                    measured.update(zip(map(id, group), outcomes, strict=True))
            for peer in chosen:
                results.append(measured.get(id(peer)) or _unavailable(peer, work, records, reasons[id(peer)]))
    return results


def _unavailable(peer: Peer, work: Workload, records: int, reason: str | None) -> PeerResult:
    return PeerResult(
        peer=peer.name,
        setup=peer.setup,
        detail=peer.detail,
        workload=work.name,
        records=records,
        status=PeerStatus.UNAVAILABLE,
        reason=reason,
    )


def _side_by_side(
    work: Workload,
    setup: Setup,
    peers: list[Peer],
    inputs: _Inputs,
    *,
    repeat: int,
    progress: Callable[[str], None],
) -> list[PeerResult]:
    """Check, then time, ``peers`` of one setup against vsql in that setup; one result per peer,
    in ``peers`` order."""
    vsql = VsqlEngine(setup)
    check = inputs.check_data(setup, work)
    expected = vsql.results(work, check)
    base = {"setup": setup, "workload": work.name, "records": inputs.records, "vsql_detail": vsql.detail}
    results: dict[str, PeerResult] = {}
    passed: list[Peer] = []
    for peer in peers:
        progress(f"{work.name}: checking {peer.name} {setup.value} on {check.records:,} records")
        want = expected if peer.flushes_at_end else closed_by_later_records(expected, check)
        differs = difference(want, peer.results(work, check))
        if differs is None:
            passed.append(peer)
        else:
            results[peer.name] = PeerResult(
                peer=peer.name, detail=peer.detail, status=PeerStatus.DIFFERS, reason=differs, **base
            )
    if passed:
        data = inputs.data(setup, work)
        rates: dict[str, list[float]] = {peer.name: [] for peer in [vsql, *passed]}
        for round_index in range(repeat):
            for engine in [vsql, *passed]:
                progress(f"{work.name}: timing {engine.name} {setup.value}, run {round_index + 1}/{repeat}")
                rates[engine.name].append(engine.run(work, data))
        vsql_rate = statistics.median(rates[vsql.name])
        for peer in passed:
            results[peer.name] = PeerResult(
                peer=peer.name,
                detail=peer.detail,
                status=PeerStatus.MEASURED,
                records_per_s=statistics.median(rates[peer.name]),
                vsql_records_per_s=vsql_rate,
                **base,
            )
    return [results[peer.name] for peer in peers]


class _Inputs:
    """The data of one bench run: generated once per (setup, key count), Kafka started on first
    need and stopped with ``stack``."""

    def __init__(self, records: int, *, check_records: int, stack: ExitStack) -> None:
        self.records = records
        self._check_records = check_records
        self._stack = stack
        self._kafka: KafkaInputs | None = None
        self._cache: dict[tuple[Setup, int, bool], PeerData] = {}

    def data(self, setup: Setup, work: Workload) -> PeerData:
        """The timed input: ``records`` trades in memory, or the Kafka inputs' topic of them."""
        key = (setup, work.keys, False)
        if key not in self._cache:
            if setup is Setup.KAFKA:
                kafka = self._broker()
                self._cache[key] = PeerData(self.records, kafka=kafka, topic=kafka.topic(self.records))
            else:
                self._cache[key] = PeerData(
                    self.records, batches=_trades(self.records, work.keys, start_ms=0)
                )
        return self._cache[key]

    def check_data(self, setup: Setup, work: Workload) -> PeerData:
        """The small input of the correctness check, in memory and (for Kafka) in its own topic."""
        key = (setup, work.keys, True)
        if key not in self._cache:
            start_ms = _KAFKA_START_MS if setup is Setup.KAFKA else 0
            batches = _trades(self._check_records, work.keys, start_ms=start_ms)
            if setup is Setup.KAFKA:
                from vsql.bench.kafka import produce_rate  # noqa: PLC0415 - Kafka only when needed

                kafka = self._broker()
                topic = f"vsql_peers_check_{work.keys}_{self._check_records}"
                kafka.broker.create_topic(topic, _CHECK_PARTITIONS)
                produce_rate(kafka.broker, topic, list(batches))
                self._cache[key] = PeerData(self._check_records, batches=batches, kafka=kafka, topic=topic)
            else:
                self._cache[key] = PeerData(self._check_records, batches=batches)
        return self._cache[key]

    def _broker(self) -> KafkaInputs:
        if self._kafka is None:
            from vsql.bench.kafka import KafkaInputs  # noqa: PLC0415 - starts a broker only when needed

            self._kafka = self._stack.enter_context(KafkaInputs())
        return self._kafka


def _trades(records: int, keys: int, *, start_ms: int) -> tuple[pa.RecordBatch, ...]:
    """Seeded trades as ``vsql bench run`` generates them (seed 7, 65,536-row batches)."""
    spec = EventSpec(kind="trades", count=records, keys=keys, seed=7, start_ms=start_ms)
    return tuple(generate(spec, batch_rows=BATCH_ROWS))
