"""Completion: the shared completion candidates turned into prompt-toolkit completions.

Candidates (``vsql.repl.candidates``) come from ``suggest`` plus the catalog's cached names, the
command registry, and the engine's function and setting lists.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from vsql.repl.candidates import NameSource, candidates

__all__ = ["SqlCompleter"]


class SqlCompleter(Completer):
    """Completes keywords, functions, topics, columns, settings, commands and query ids.

    Args:
        catalog: cached broker metadata.
        command_names: the shell statement names.
    """

    def __init__(self, catalog: NameSource, *, command_names: Sequence[str]) -> None:
        self._catalog = catalog
        self._command_names = tuple(command_names)

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterator[Completion]:
        """The completions at the cursor, best first."""
        found = candidates(
            document.text,
            document.text_before_cursor,
            names=self._catalog,
            command_names=self._command_names,
        )
        for candidate in found:
            yield Completion(
                candidate.text,
                start_position=candidate.start_position,
                display=candidate.display,
                display_meta=candidate.meta,
            )
