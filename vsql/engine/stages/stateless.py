"""The stateless stage: WHERE, then the SELECT list, row for row."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from vsql.engine.scalar import compile_scalar
from vsql.engine.sql.plan import LogicalPlan
from vsql.engine.stages import StageOutput

__all__ = ["StatelessStage"]


class StatelessStage:
    """Filters batches; the pipeline projects them."""

    watermark_ms = None
    state_slots = 0
    held_since_seq = None

    def __init__(self, plan: LogicalPlan) -> None:
        self._where = compile_scalar(plan.where) if plan.where is not None else None

    def process(self, batch: pa.RecordBatch) -> StageOutput:
        table = pa.Table.from_batches([batch])
        if self._where is not None:
            keep = np.asarray(pa.array(self._where.evaluate(batch)).fill_null(False), dtype=bool)
            table = table.filter(pa.array(keep))
        return StageOutput(frames=[table])

    def finish(self) -> StageOutput:
        return StageOutput()

    def mark_idle(self, partition: int) -> StageOutput:
        """No watermark here: idleness changes nothing."""
        return StageOutput()

    def expect_partitions(self, partitions: list[int]) -> None:
        """No watermark here."""

    def observe_progress(self, partitions: np.ndarray, event_ms: np.ndarray) -> StageOutput:
        """No watermark here: progress changes nothing."""
        return StageOutput()

    def suppress_emitted(self, watermark_ms: int) -> None:
        """No windows here."""
