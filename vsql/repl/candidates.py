"""Completion candidates: ``suggest``'s typed suggestions filled in with names, best first.

Names come from a ``NameSource`` (the catalog's cached topics, sampled columns and queries), the
shell statement names, and the engine's function and setting lists. Prefix matches come first,
then names containing the word. Pure: the shell's prompt-toolkit completer and the dashboard's
editor both turn these candidates into their own completion widgets.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from vsql.engine.columns import KEY as KEY_COLUMN
from vsql.engine.columns import OFFSET, PARTITION, TIMESTAMP, WINDOW_END, WINDOW_START
from vsql.engine.settings import SETTING_KEYS
from vsql.repl.suggest import Column, Command, Function, Keyword, Query, Setting, Suggestion, Topic, suggest
from vsql.repl.vocabulary import FUNCTION_NAMES
from vsql.runtime import ALL_JOBS, JobInfo, JobState

__all__ = ["Candidate", "NameSource", "candidates"]

_SYSTEM_COLUMNS = (KEY_COLUMN, TIMESTAMP, PARTITION, OFFSET, WINDOW_START, WINDOW_END)


@dataclass(frozen=True)
class Candidate:
    """One completion.

    Attributes:
        text: what to insert.
        start_position: where the replaced text starts, relative to the cursor (0 or negative).
        display: how to list it.
        meta: what kind of name it is (``keyword``, ``topic``, ``column``, ...).
    """

    text: str
    start_position: int
    display: str
    meta: str


class NameSource(Protocol):
    """The metadata names come from; reads must not block (``vsql.repl.catalog.Catalog``)."""

    @property
    def topics(self) -> tuple[str, ...]:
        """Topic names."""

    @property
    def queries(self) -> tuple[JobInfo, ...]:
        """Queries of the session."""

    def columns(self, topic: str) -> tuple[str, ...]:
        """Sampled value columns of ``topic``, empty when not sampled yet."""


def candidates(
    full_text: str, text_before_cursor: str, *, names: NameSource, command_names: Sequence[str]
) -> list[Candidate]:
    """The candidates at the cursor, best first, each text once.

    Args:
        full_text: the whole buffer.
        text_before_cursor: the buffer up to the cursor.
        names: cached broker metadata.
        command_names: the shell statement names offered where a statement starts.
    """
    found = suggest(full_text, text_before_cursor)
    seen: set[str] = set()
    chosen = []
    for item in found.items:
        for candidate in _complete(item, word=found.word, names=names, command_names=command_names):
            if candidate.text not in seen:
                seen.add(candidate.text)
                chosen.append(candidate)
    return chosen


def _complete(
    item: Suggestion, *, word: str, names: NameSource, command_names: Sequence[str]
) -> list[Candidate]:
    if isinstance(item, Command):
        return _command_candidates(command_names, typed=item.typed)
    if isinstance(item, Keyword):
        return _matching(item.words, word=word, meta="keyword", match_case=True)
    if isinstance(item, Function):
        return _matching(FUNCTION_NAMES, word=word, meta="function", match_case=True)
    if isinstance(item, Topic):
        return _matching(names.topics, word=word, meta="topic")
    if isinstance(item, Column):
        columns = names.columns(item.topic) if item.topic else ()
        return _matching((*columns, *_SYSTEM_COLUMNS), word=word, meta="column")
    if isinstance(item, Setting):
        return _matching(SETTING_KEYS, word=word, meta="setting")
    if isinstance(item, Query):
        running = [job.job_id for job in names.queries if job.state is JobState.RUNNING]
        return _matching((*running, ALL_JOBS), word=word, meta="query")
    raise TypeError(f"unknown suggestion {item!r}")


def _matching(names: Iterable[str], *, word: str, meta: str, match_case: bool = False) -> list[Candidate]:
    """Names starting with ``word``, then names containing it; case-insensitive.

    With ``match_case``, names are offered in lower case when the user types in lower case.
    """
    lowered = word.lower()
    prefixed = [name for name in names if name.lower().startswith(lowered)]
    containing = [name for name in names if lowered and lowered in name.lower() and name not in prefixed]
    lower_case = match_case and bool(word) and word.islower()
    texts = [name.lower() if lower_case else name for name in (*prefixed, *containing)]
    return [Candidate(text, start_position=-len(word), display=text, meta=meta) for text in texts]


def _command_candidates(names: Sequence[str], *, typed: str) -> list[Candidate]:
    wanted = " ".join(typed.upper().split())
    if typed[-1:].isspace() and wanted:
        wanted += " "
    lower_case = bool(typed.strip()) and typed.strip().islower()
    return [
        Candidate(
            name.lower() if lower_case else name, start_position=-len(typed), display=name, meta="command"
        )
        for name in names
        if name.startswith(wanted)
    ]
