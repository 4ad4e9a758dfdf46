"""The bottom toolbar: broker address, running queries and the last query's throughput."""

from __future__ import annotations

from collections.abc import Callable

from prompt_toolkit.formatted_text import StyleAndTextTuples

from vsql.repl.catalog import Catalog
from vsql.runtime import Counters, JobState

__all__ = ["create_toolbar_tokens"]


def create_toolbar_tokens(
    *, broker: str, catalog: Catalog, last_status: Callable[[], Counters | None]
) -> Callable[[], StyleAndTextTuples]:
    """A function giving the toolbar's text, called by prompt-toolkit on every redraw.

    It reads only cached values (the catalog's queries, the shell's last status), never the broker.

    Args:
        broker: the broker, as ``Runtime.broker_label`` names it.
        catalog: where the running queries are cached.
        last_status: the final counters of the last foreground query, if any.
    """

    def tokens() -> StyleAndTextTuples:
        running = [job for job in catalog.queries if job.state is JobState.RUNNING]
        rate = sum(job.counters.records_per_s for job in running)
        parts: StyleAndTextTuples = [
            ("class:bottom-toolbar.broker", f" {broker} "),
            ("class:bottom-toolbar", "| "),
            ("class:bottom-toolbar.queries", f"{len(running)} running"),
        ]
        if running:
            parts.append(("class:bottom-toolbar.rate", f" {rate:,.0f} rec/s"))
        status = last_status()
        if status is not None:
            parts += [
                ("class:bottom-toolbar", " | last query "),
                ("class:bottom-toolbar.rate", f"{status.records_per_s:,.0f} rec/s, {status.rows_out:,} rows"),
            ]
        parts.append(("class:bottom-toolbar.hint", "  [Esc-Enter] run  [Ctrl-R] history  [Ctrl-D] exit"))
        return parts

    return tokens
