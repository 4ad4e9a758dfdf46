"""Plain-text and JSON reports of bench results."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TextIO

from vsql.bench.runner import WorkloadResult

__all__ = ["write_json", "write_table"]


def write_table(results: list[WorkloadResult], out: TextIO) -> None:
    """An aligned table: one line per workload."""
    header = (
        f"{'workload':<20}{'records/s':>14}{'us/rec':>9}{'spread':>8}{'p99 ms':>9}"
        f"{'reference':>14}{'ref rec/s':>12}{'x ref':>8}{'peak MB':>9}{'growth':>8}"
    )
    out.write(header + "\n" + "-" * len(header) + "\n")
    for result in results:
        peak = f"{result.peak_rss_mb:9.0f}" if result.peak_rss_mb is not None else f"{'-':>9}"
        growth = f"{result.memory_growth:8.2f}" if result.memory_growth is not None else f"{'-':>8}"
        out.write(
            f"{result.name:<20}{result.records_per_s:>14,.0f}{result.us_per_record:>9.3f}"
            f"{100 * result.spread:>7.1f}%{result.batch_latency_ms[2]:>9.2f}{result.reference:>14}"
            f"{result.reference_records_per_s:>12,.0f}{result.normalized:>8.2f}{peak}{growth}\n"
        )


def write_json(results: list[WorkloadResult], out: TextIO) -> None:
    """The results as one JSON document."""
    document = [{**asdict(result), "normalized": result.normalized} for result in results]
    json.dump(document, out, indent=2)
    out.write("\n")
