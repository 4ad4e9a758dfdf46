"""The dashboard's link to the runtime: a session on a broker and the names completion reads.

A ``Connection`` is opened in a worker thread (opening a broker blocks) and handed to the App in a
``BrokerReady`` message; a broker switch opens a new one and closes the old. No Textual import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from vsql.repl.catalog import Catalog
from vsql.runtime import Runtime

__all__ = ["Connection", "RuntimeOpener"]

RuntimeOpener = Callable[[str | None], Runtime]
"""Opens a session on the Kafka cluster at a bootstrap address, or on a new embedded broker for
None (with the demo generator running when the dashboard was asked for it): a broker switch."""


@dataclass(frozen=True)
class Connection:
    """A runtime and the catalog of topic, column and query names refreshed from it.

    Attributes:
        runtime: the session the dashboard runs statements on.
        catalog: cached names for completion, refreshed in the background.
        label: the broker, as the title bar shows it.
    """

    runtime: Runtime
    catalog: Catalog
    label: str

    @classmethod
    def open(cls, open_runtime: Callable[[], Runtime]) -> Connection:
        """Open a session (blocking: it connects to the broker) and start its catalog.

        Raises:
            VsqlError: the broker cannot be opened, or the demo cannot start.
        """
        runtime = open_runtime()
        label = runtime.broker_label
        catalog = Catalog(runtime)
        catalog.start()
        return cls(runtime=runtime, catalog=catalog, label=label)

    def close(self) -> None:
        """Stop the catalog and every job, and close the broker the session opened."""
        self.catalog.stop()
        self.runtime.close()
