"""The registry of benchmark workloads: a query, where its input comes from, and its reference.

Every workload runs vsql's own engine (``Pipeline``) on data from the seeded trades generator;
``ndjson`` workloads include decoding JSON text with the same decoder file and Kafka inputs use.
``kafka`` workloads read the trades from an embedded broker (consume and decode with one consumer
tier, or the whole query through ``run_query``) and are measured against a bare
``consume(num_messages=...)`` loop over the same topic; since producing their input takes a while,
``DEFAULT_WORKLOADS`` leaves them out (``vsql bench run --all`` or ``--quick`` includes them).
``kafka_workers`` runs the end-to-end query in 2 worker processes (``vsql run``) over an
8-partition topic; its reference is the same run with 1 worker, so its normalized figure is the
speed-up (see ``vsql.bench.workers``).
``decode_json`` has no query: it measures NDJSON decoding alone.
``cli`` workloads time a whole ``vsql -e`` child process over an NDJSON file (start-up, imports,
reading, decoding, the query and writing its JSON results), against a child process running the
per-record ``json.loads`` loop over the same file (``JSON_LOOP_PROCESS``; see
``vsql.bench.process``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = [
    "BARE_CONSUME",
    "DEFAULT_WORKLOADS",
    "JSON_LOOP_PROCESS",
    "ONE_WORKER",
    "WORKLOADS",
    "InputKind",
    "Workload",
    "workload",
]

_AGGREGATES = (
    "COUNT(*) AS trades, SUM(qty) AS volume, AVG(price) AS avg_price, MIN(price) AS low, MAX(price) AS high"
)


class InputKind(Enum):
    """How a workload's records reach the engine."""

    ARROW = "arrow"
    NDJSON = "ndjson"
    KAFKA = "kafka"
    CLI = "cli"
    """An NDJSON file read by a ``vsql -e`` child process."""


@dataclass(frozen=True)
class Workload:
    """One benchmark: ``sql`` over ``records`` generated trades, compared with ``reference``.

    A Kafka workload with a ``tier`` only consumes and decodes with that consumer tier; with
    ``workers`` it runs ``sql`` in that many worker processes; otherwise it runs ``sql`` end to end
    in this process. An NDJSON workload without ``sql`` only decodes (every field).
    """

    name: str
    sql: str | None
    input: InputKind
    reference: str
    description: str
    keys: int = 100
    tier: str | None = None
    workers: int | None = None


BARE_CONSUME = "bare_consume"
"""The reference of Kafka workloads: a bare confluent-kafka ``consume(num_messages=...)`` loop."""
ONE_WORKER = "one_worker"
"""The reference of worker workloads: the same query and topic with one worker process."""
JSON_LOOP_PROCESS = "json_loop_process"
"""The reference of ``cli`` workloads: a child process running ``json_loop`` over the same file."""

_TUMBLING = f"SELECT symbol, {_AGGREGATES} FROM trades GROUP BY symbol WINDOW TUMBLING(1s) EMIT FINAL"

WORKLOADS: dict[str, Workload] = {
    workload.name: workload
    for workload in (
        Workload(
            "tumbling",
            f"SELECT symbol, {_AGGREGATES} FROM trades GROUP BY symbol WINDOW TUMBLING(1s) EMIT FINAL",
            InputKind.ARROW,
            "dict_loop",
            "1 s tumbling GROUP BY over pre-decoded Arrow batches",
        ),
        Workload(
            "tumbling_ndjson",
            f"SELECT symbol, {_AGGREGATES} FROM trades GROUP BY symbol WINDOW TUMBLING(1s) EMIT FINAL",
            InputKind.NDJSON,
            "json_loop",
            "the tumbling query from NDJSON bytes, decoding included",
        ),
        Workload(
            "cli_tumbling_ndjson",
            _TUMBLING,
            InputKind.CLI,
            JSON_LOOP_PROCESS,
            "the whole `vsql -e` process running the tumbling query over an NDJSON file",
        ),
        Workload(
            "decode_json",
            None,
            InputKind.NDJSON,
            "json_loop",
            "NDJSON bytes decoded to Arrow batches, no query",
        ),
        Workload(
            "sliding",
            f"SELECT symbol, {_AGGREGATES} FROM trades GROUP BY symbol WINDOW SLIDING(10s, 1s) EMIT FINAL",
            InputKind.ARROW,
            "dict_loop",
            "10 s windows every 1 s (panes of 1 s)",
        ),
        Workload(
            "session",
            f"SELECT symbol, {_AGGREGATES} FROM trades GROUP BY symbol WINDOW SESSION(500ms) EMIT FINAL",
            InputKind.ARROW,
            "dict_loop",
            "per-symbol sessions with a 500 ms gap",
        ),
        Workload(
            "emit_changes",
            f"SELECT symbol, {_AGGREGATES} FROM trades GROUP BY symbol WINDOW TUMBLING(1s) EMIT CHANGES",
            InputKind.ARROW,
            "dict_loop",
            "the tumbling query emitting one updated row per input row",
        ),
        Workload(
            "continuous_groupby",
            f"SELECT symbol, {_AGGREGATES} FROM trades GROUP BY symbol EMIT FINAL",
            InputKind.ARROW,
            "dict_loop",
            "GROUP BY without WINDOW",
        ),
        Workload(
            "select_where",
            "SELECT symbol, price * qty AS notional FROM trades WHERE side = 'buy' AND qty > 100",
            InputKind.ARROW,
            "dict_loop",
            "stateless filter and projection",
        ),
        Workload(
            "rows",
            "SELECT symbol, AVG(price) OVER (ROWS WINDOW BUFFER 100 ROWS PARTITION BY symbol) AS ma, "
            "LAG(price, 1) OVER (ROWS WINDOW BUFFER 100 ROWS PARTITION BY symbol) AS prev FROM trades",
            InputKind.ARROW,
            "dict_loop",
            "AVG and LAG over a 100-row buffer per symbol",
        ),
        Workload(
            "high_cardinality",
            f"SELECT symbol, {_AGGREGATES} FROM trades GROUP BY symbol WINDOW TUMBLING(1s) EMIT FINAL",
            InputKind.ARROW,
            "dict_loop",
            "the tumbling query over 100,000 keys",
            keys=100_000,
        ),
        *(
            Workload(
                f"kafka_consume_{tier}",
                _TUMBLING,
                InputKind.KAFKA,
                BARE_CONSUME,
                f"consume and decode trades from the embedded broker, {tier} tier",
                tier=tier,
            )
            for tier in ("standard", "buffered", "dedicated")
        ),
        Workload(
            "kafka_e2e",
            _TUMBLING,
            InputKind.KAFKA,
            BARE_CONSUME,
            "the tumbling query from the embedded broker through run_query (buffered tier)",
        ),
        Workload(
            "kafka_workers",
            _TUMBLING,
            InputKind.KAFKA,
            ONE_WORKER,
            "the kafka_e2e query on an 8-partition topic in 2 worker processes (steady state)",
            workers=2,
        ),
    )
}

DEFAULT_WORKLOADS: tuple[str, ...] = tuple(
    name for name, work in WORKLOADS.items() if work.input is not InputKind.KAFKA
)
"""What ``vsql bench run`` measures when no workload is named."""


def workload(name: str) -> Workload:
    """The workload called ``name``; raises KeyError listing the known names."""
    try:
        return WORKLOADS[name]
    except KeyError:
        raise KeyError(f"unknown workload {name!r}; known: {', '.join(WORKLOADS)}") from None
