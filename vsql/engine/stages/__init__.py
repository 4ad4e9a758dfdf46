"""Pipeline stages: what a query does with each batch (stateless, aggregate, rows windows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pyarrow as pa

__all__ = ["Stage", "StageOutput"]


@dataclass
class StageOutput:
    """What one stage call produced: frames to project, dead letters, and the late-row count."""

    frames: list[pa.Table] = field(default_factory=list)
    dead_letters: list[pa.Table] = field(default_factory=list)
    late_count: int = 0


class Stage(Protocol):
    """One query's stateful core. ``process`` is called once per batch in arrival order; ``finish``
    once at the end of a finite input."""

    def process(self, batch: pa.RecordBatch) -> StageOutput:
        """Consume one batch."""

    def finish(self) -> StageOutput:
        """End of input: close everything still open."""

    def mark_idle(self, partition: int) -> StageOutput:
        """``partition`` delivered nothing for the idle timeout: stop it holding the watermark."""

    def expect_partitions(self, partitions: list[int]) -> None:
        """``partitions`` have data waiting: each holds the watermark until it delivers."""

    def observe_progress(self, partitions: np.ndarray, event_ms: np.ndarray) -> StageOutput:
        """Each ``partitions[i]`` has reached event time ``event_ms[i]`` without rows here: the
        watermark moves as if rows with those times had arrived, and windows it closes emit."""

    def suppress_emitted(self, watermark_ms: int) -> None:
        """An earlier run emitted every window the watermark ``watermark_ms`` had closed."""

    @property
    def watermark_ms(self) -> int | None:
        """The query watermark, if the stage tracks one."""

    @property
    def state_slots(self) -> int:
        """State slots currently held."""

    @property
    def held_since_seq(self) -> int | None:
        """Arrival number (0-based, over every row passed to ``process``) of the oldest row whose
        effect the stage still holds in state; None when it holds none."""
