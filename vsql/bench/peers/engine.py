"""vsql itself, in each setup a peer can have, so every ratio compares like with like.

In memory it runs the workload's ``Pipeline`` over the pre-decoded Arrow batches, as
``vsql bench run tumbling`` does; through Kafka it runs the query end to end from the embedded
broker with ``run_query`` (buffered tier, JSON decoding included), as ``vsql bench run kafka_e2e``
does, on the same topic the Kafka peers read.
"""

from __future__ import annotations

import time
from dataclasses import replace

import pyarrow as pa

from vsql.bench.peers.base import PeerData, Setup, result_table
from vsql.bench.workloads import InputKind, Workload
from vsql.engine.columns import WINDOW_END, WINDOW_START
from vsql.engine.pipeline import Pipeline, StepOutput
from vsql.engine.sql.statements import compile_query

__all__ = ["VsqlEngine"]

_DETAILS = {
    Setup.IN_MEMORY: "pre-decoded Arrow batches of 65,536 rows",
    Setup.KAFKA: "kafka_e2e: run_query, buffered tier, JSON decode",
}


class VsqlEngine:
    """vsql's engine measured in ``setup``; implements the ``Peer`` protocol."""

    name = "vsql"
    flushes_at_end = True

    def __init__(self, setup: Setup) -> None:
        self.setup = setup
        self.detail = _DETAILS[setup]

    def available(self) -> str | None:
        """vsql always runs."""
        return None

    def run(self, work: Workload, data: PeerData) -> float:
        """Records/s of the in-memory pipeline over ``data.batches``, or of the end-to-end query
        over ``data.topic`` (which must be the Kafka inputs' topic of ``data.records`` trades).

        Raises:
            ValueError: a Kafka run without Kafka inputs, or on another topic.
        """
        if self.setup is Setup.KAFKA:
            if data.kafka is None or data.topic != data.kafka.topic(data.records):
                raise ValueError("a Kafka run needs the Kafka inputs' topic of data.records trades")
            kafka_work = replace(work, input=InputKind.KAFKA, tier=None)
            return data.kafka.measure(kafka_work, data.records).records_per_s
        pipeline = Pipeline(compile_query(work.sql))
        started = time.perf_counter()
        for batch in data.batches:
            pipeline.process(batch)
        pipeline.finish()
        return data.records / (time.perf_counter() - started)

    def results(self, work: Workload, data: PeerData) -> pa.Table:
        """The engine's windows over ``data.batches`` (in memory in both setups: the Kafka path
        feeds the same engine, and the scenarios prove both paths give the same rows)."""
        pipeline = Pipeline(compile_query(work.sql))
        outputs = [pipeline.process(batch) for batch in data.batches]
        outputs.append(pipeline.finish())
        return _rows(outputs)


def _rows(outputs: list[StepOutput]) -> pa.Table:
    rows = pa.concat_tables([output.rows for output in outputs if output.rows.num_rows])
    context = pa.concat_tables([output.context for output in outputs if output.context.num_rows])
    return result_table(
        {
            **{name: rows[name] for name in rows.column_names},
            "window_start": context[WINDOW_START],
            "window_end": context[WINDOW_END],
        }
    )
