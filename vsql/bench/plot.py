"""PNG charts of bench runs, drawn with matplotlib's Agg canvas (no display, no pyplot state).

- ``throughput.png``: normalized throughput per workload (records/s over the reference loop's),
  the current run next to the baseline when there is one.
- ``memory.png``: peak RSS against records processed (N/10 and N) per workload, for the
  workloads whose memory was measured; a flat line is bounded state.
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from vsql.bench.result import BenchRun

__all__ = ["plot_memory", "plot_throughput", "write_plots"]

_BAR_WIDTH = 0.4


def _save(figure: Figure, path: Path) -> Path:
    FigureCanvasAgg(figure)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    return path


def plot_throughput(current: BenchRun, path: Path, *, baseline: BenchRun | None = None) -> Path:
    """Bar chart of normalized throughput per workload of ``current`` (and of ``baseline``, side
    by side, for the workloads it has); returns ``path``."""
    names = current.names
    figure = Figure(figsize=(max(6.0, 0.8 * len(names) + 2), 4.5))
    axes = figure.subplots()
    positions = range(len(names))
    current_values = [result.normalized for result in current.results]
    if baseline is not None:
        base_values = [
            result.normalized if (result := baseline.result(name)) is not None else 0.0 for name in names
        ]
        axes.bar(
            [p - _BAR_WIDTH / 2 for p in positions], base_values, _BAR_WIDTH, label="baseline", color="0.6"
        )
        axes.bar([p + _BAR_WIDTH / 2 for p in positions], current_values, _BAR_WIDTH, label="current")
        axes.legend()
    else:
        axes.bar(list(positions), current_values, 2 * _BAR_WIDTH, label="current")
    axes.axhline(1.0, color="0.3", linewidth=0.8, linestyle="--")
    axes.set_xticks(list(positions), names, rotation=35, ha="right")
    axes.set_ylabel("throughput / reference loop (x)")
    axes.set_title(f"vsql bench: normalized throughput ({current.records:,} records)")
    return _save(figure, path)


def plot_memory(run: BenchRun, path: Path) -> Path | None:
    """Line chart of peak RSS (MiB) against records processed, one line per workload with memory
    figures; returns ``path``, or None (nothing written) when no workload has them."""
    measured = [result for result in run.results if result.memory_points]
    if not measured:
        return None
    figure = Figure(figsize=(7, 4.5))
    axes = figure.subplots()
    for result in measured:
        counts, peaks = zip(*result.memory_points, strict=True)
        axes.plot(counts, peaks, marker="o", label=result.name)
    axes.set_xscale("log")
    axes.set_xlabel("records processed")
    axes.set_ylabel("peak RSS (MiB)")
    axes.set_ylim(0, 1.25 * max(peak for result in measured for _, peak in result.memory_points))
    axes.set_title("vsql bench: peak memory against records processed")
    axes.legend(fontsize="small", ncols=3, loc="lower right")
    return _save(figure, path)


def write_plots(directory: Path, current: BenchRun, *, baseline: BenchRun | None = None) -> list[Path]:
    """Write ``throughput.png`` and (when memory was measured) ``memory.png`` into ``directory``
    (created if needed); returns the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = [plot_throughput(current, directory / "throughput.png", baseline=baseline)]
    memory = plot_memory(current, directory / "memory.png")
    if memory is not None:
        written.append(memory)
    return written
