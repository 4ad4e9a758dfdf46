"""The metrics panel: the watched query's figures, its rates over time and its memory growth.

Figures: input and output rates and totals, batch latency p50/p99, process RSS and the engine's
state slots, watermark and event-time lag (wall clock minus watermark), late, dead-letter and
expired counts, and consumer lag per partition. Sparklines plot records/s and rows/s over the
last samples; a plot shows RSS and state slots against records processed, which stays flat
when state is bounded by open windows, as it should be.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Label, Sparkline, Static
from textual_plotext import PlotextPlot

from vsql.runtime import Counters, Sampler
from vsql.tui.sampling import MetricsHistory

__all__ = ["MetricsPanel", "figures_text"]

_NONE = "-"


def _time_of_day(epoch_ms: int) -> str:
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    return moment.strftime("%H:%M:%S.") + f"{epoch_ms % 1000:03d}"


def _number(value: float | None, spec: str) -> str:
    return _NONE if value is None else format(value, spec)


def _lag_text(partition_lag: Mapping[int, int]) -> str:
    if not partition_lag:
        return _NONE
    return "  ".join(f"p{partition} {behind:,}" for partition, behind in sorted(partition_lag.items()))


def figures_text(sample: Counters | None) -> str:
    """The panel's figures as lines about 34 characters wide; dashes before the first sample."""
    if sample is None:
        empty = [_pair(left, None, right, None) for left, right in _PAIRS]
        return "\n".join([*empty, "watermark -", "consumer lag -", "no query followed yet"])
    values = (
        (f"{sample.records_per_s:,.0f}", f"{sample.rows_per_s:,.0f}"),
        (f"{sample.records_in:,}", f"{sample.rows_out:,}"),
        (_number(sample.latency_p50_ms, ",.2f"), _number(sample.latency_p99_ms, ",.2f")),
        (f"{sample.memory_mb:,.1f}", f"{sample.state_slots:,}"),
        (f"{sample.late_count:,}", f"{sample.dead_letter_count:,}"),
    )
    lines = [_pair(left, a, right, b) for (left, right), (a, b) in zip(_PAIRS, values, strict=True)]
    watermark = _NONE if sample.watermark_ms is None else _time_of_day(sample.watermark_ms)
    event_lag = _NONE if sample.event_lag_ms is None else f"{sample.event_lag_ms / 1000:,.1f} s"
    lines.append(f"watermark {watermark}  lag {event_lag}")
    lines.append(f"consumer lag {_lag_text(sample.partition_lag)}")
    status = f"source {sample.source_status}"
    if sample.expired_count:
        status += f"; {sample.expired_count:,} expired unread"
    lines.append(status)
    return "\n".join(lines)


_PAIRS = (
    ("in/s", "out/s"),
    ("in", "out"),
    ("p50 ms", "p99 ms"),
    ("RSS MiB", "slots"),
    ("late", "dlq"),
)
"""Labels of the figures shown two per line: input/output rates and totals, batch latency,
memory (process RSS, engine state slots), late and dead-letter counts."""


def _pair(left: str, left_value: str | None, right: str, right_value: str | None) -> str:
    return f"{left:<7}{left_value or _NONE:>10} {right:<6}{right_value or _NONE:>10}"


class MetricsPanel(VerticalScroll):
    """Figures, rate sparklines and a memory plot of one query at a time.

    Args:
        id: the widget id.
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._history = MetricsHistory()
        self._sampler = Sampler(self.show, interval_s=0.0)
        self.watched: str | None = None
        """The query shown: ``foreground`` or a background query id; None before any."""

    def compose(self) -> ComposeResult:
        """Figures, two sparklines, the memory plot."""
        yield Static(figures_text(None), id="figures")
        yield Label("records/s", classes="series-label")
        yield Sparkline([], id="records-rate")
        yield Label("rows/s", classes="series-label")
        yield Sparkline([], id="rows-rate")
        yield PlotextPlot(id="memory-plot")

    def on_mount(self) -> None:
        """Title the empty plot."""
        self._draw_memory()

    def follow(self, query: str) -> None:
        """Follow ``query`` from now on: forget the previous one's history."""
        self.watched = query
        self._history.clear()
        self.border_title = f"metrics: {query}"
        self._redraw()

    def show(self, sample: Counters) -> None:
        """Add a sample of the watched query and redraw."""
        self._history.add(sample)
        self._redraw()

    def show_counters(self, query: str, counters: Counters) -> None:
        """Show the counters of background query ``query`` polled from the UI thread; rates are
        since the previous call for the same query (from following it when not)."""
        if self.watched != query:
            self.follow(query)
            self._sampler = Sampler(self.show, interval_s=0.0)
        self._sampler.observe(counters)

    def _redraw(self) -> None:
        self.query_one("#figures", Static).update(figures_text(self._history.latest))
        self.query_one("#records-rate", Sparkline).data = self._history.records_per_s
        self.query_one("#rows-rate", Sparkline).data = self._history.rows_per_s
        self._draw_memory()

    def _draw_memory(self) -> None:
        plot = self.query_one("#memory-plot", PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.title("RSS MiB / state slots vs records")
        records, rss, slots = self._history.memory
        if records:
            plt.plot(records, rss, label="RSS MiB", marker="braille")
            plt.plot(records, slots, label="state slots", marker="braille", yside="right")
        plot.refresh()
