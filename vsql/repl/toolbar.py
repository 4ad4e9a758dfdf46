"""The bottom toolbar: broker address, running queries and the last query's throughput.

The prompt redraws it every ``TOOLBAR_REFRESH_S`` while the user sits at the prompt, so the running
queries' rates (refreshed by the catalog in the background) move on their own.
"""

from __future__ import annotations

from collections.abc import Callable

from prompt_toolkit.formatted_text import StyleAndTextTuples

from vsql.repl.catalog import Catalog
from vsql.runtime import Counters, JobState, plural

__all__ = ["TOOLBAR_REFRESH_S", "create_toolbar_tokens"]

TOOLBAR_REFRESH_S = 1.0
"""Seconds between two redraws of an idle prompt (and its toolbar)."""


def create_toolbar_tokens(
    *, broker: str, catalog: Catalog, last_status: Callable[[], Counters | None]
) -> Callable[[], StyleAndTextTuples]:
    """A function giving the toolbar's text, called by prompt-toolkit on every redraw.

    It reads only cached values (the catalog's queries, the shell's last status), never the broker.

    Args:
        broker: the broker, as ``Runtime.broker_label`` names it.
        catalog: where the running queries are cached.
        last_status: the counters of the last foreground query (its final ones once it ended), if any.
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
            figures = f"{status.records_per_s:,.0f} rec/s, {plural(status.rows_out, 'row')}"
            parts += [("class:bottom-toolbar", " | last query "), ("class:bottom-toolbar.rate", figures)]
        parts.append(("class:bottom-toolbar.hint", "  [Esc-Enter] run  [Ctrl-R] history  [Ctrl-D] exit"))
        return parts

    return tokens
