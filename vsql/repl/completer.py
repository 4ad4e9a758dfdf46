"""Completion: suggestions from ``suggest`` turned into prompt-toolkit completions with names.

Names come from the catalog's cache (topics, sampled columns, queries), the command registry, the
engine's function and setting lists. Prefix matches come first, then names containing the word.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from vsql.engine.columns import KEY as KEY_COLUMN
from vsql.engine.columns import OFFSET, PARTITION, TIMESTAMP, WINDOW_END, WINDOW_START
from vsql.engine.settings import SETTING_KEYS
from vsql.repl.backend import ALL_QUERIES, QueryState
from vsql.repl.catalog import Catalog
from vsql.repl.suggest import Column, Command, Function, Keyword, Query, Setting, Suggestion, Topic, suggest
from vsql.repl.vocabulary import FUNCTION_NAMES

__all__ = ["SqlCompleter"]

_SYSTEM_COLUMNS = (KEY_COLUMN, TIMESTAMP, PARTITION, OFFSET, WINDOW_START, WINDOW_END)


class SqlCompleter(Completer):
    """Completes keywords, functions, topics, columns, settings, commands and query ids.

    Args:
        catalog: cached broker metadata.
        command_names: the shell statement names.
    """

    def __init__(self, catalog: Catalog, *, command_names: Sequence[str]) -> None:
        self._catalog = catalog
        self._command_names = tuple(command_names)

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterator[Completion]:
        """The completions at the cursor, best first."""
        found = suggest(document.text, document.text_before_cursor)
        seen: set[str] = set()
        for item in found.items:
            for completion in self._complete(item, word=found.word):
                if completion.text not in seen:
                    seen.add(completion.text)
                    yield completion

    def _complete(self, item: Suggestion, *, word: str) -> Iterable[Completion]:
        if isinstance(item, Command):
            return _command_completions(self._command_names, typed=item.typed)
        if isinstance(item, Keyword):
            return _matching(item.words, word=word, meta="keyword", match_case=True)
        if isinstance(item, Function):
            return _matching(FUNCTION_NAMES, word=word, meta="function", match_case=True)
        if isinstance(item, Topic):
            return _matching(self._catalog.topics, word=word, meta="topic")
        if isinstance(item, Column):
            columns = self._catalog.columns(item.topic) if item.topic else ()
            return _matching((*columns, *_SYSTEM_COLUMNS), word=word, meta="column")
        if isinstance(item, Setting):
            return _matching(SETTING_KEYS, word=word, meta="setting")
        if isinstance(item, Query):
            running = [query.query_id for query in self._catalog.queries if query.state is QueryState.RUNNING]
            return _matching((*running, ALL_QUERIES), word=word, meta="query")
        raise TypeError(f"unknown suggestion {item!r}")


def _matching(names: Iterable[str], *, word: str, meta: str, match_case: bool = False) -> list[Completion]:
    """Names starting with ``word``, then names containing it; case-insensitive.

    With ``match_case``, names are offered in lower case when the user types in lower case.
    """
    lowered = word.lower()
    prefixed = [name for name in names if name.lower().startswith(lowered)]
    containing = [name for name in names if lowered and lowered in name.lower() and name not in prefixed]
    lower_case = match_case and bool(word) and word.islower()
    return [
        Completion(name.lower() if lower_case else name, start_position=-len(word), display_meta=meta)
        for name in (*prefixed, *containing)
    ]


def _command_completions(names: Sequence[str], *, typed: str) -> list[Completion]:
    wanted = " ".join(typed.upper().split())
    if typed[-1:].isspace() and wanted:
        wanted += " "
    lower_case = bool(typed.strip()) and typed.strip().islower()
    return [
        Completion(
            name.lower() if lower_case else name,
            start_position=-len(typed),
            display=name,
            display_meta="command",
        )
        for name in names
        if name.startswith(wanted)
    ]
