"""What one run of a query did, counted as it runs."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RunStats"]


@dataclass
class RunStats:
    """Counters of one query run.

    Attributes:
        records_in: input records decoded (good rows only).
        rows_out: result rows emitted.
        dead_letter_count: undecodable or mistyped records plus rows the engine rejected (late rows
            under ``late.data.strategy = dead_letter``).
        late_count: rows found late, whatever the strategy.
        elapsed_s: wall time spent decoding and running, in seconds.
        watermark_ms: the query watermark at the end, if any.
        expired_count: Kafka records that expired from the broker before they were read.
        source_status: ``ok``, or what the source is struggling with (``retrying: ...`` while
            the broker does not answer).
    """

    records_in: int = 0
    rows_out: int = 0
    dead_letter_count: int = 0
    late_count: int = 0
    elapsed_s: float = 0.0
    watermark_ms: int | None = None
    expired_count: int = 0
    source_status: str = "ok"

    @property
    def records_per_s(self) -> float:
        """Input records per second of elapsed time."""
        return self.records_in / self.elapsed_s if self.elapsed_s > 0 else 0.0
