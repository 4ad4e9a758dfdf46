"""What may come at the cursor: statement text in, typed suggestions out.

Pure text analysis, with no terminal and no metadata: ``suggest("SELECT  FROM trades", "SELECT ")``
says "a column of ``trades``, a function or a keyword"; the completer fills in the names. Only the
statement under the cursor counts (text after the last top-level ``;``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vsql.engine.sql.script import find_unterminated
from vsql.repl.vocabulary import (
    SQL_KEYWORDS,
    STATEMENT_KEYWORDS,
    STREAMING_KEYWORDS,
    WINDOW_KINDS,
    WINDOW_SLOT_KEYWORDS,
)

__all__ = [
    "Column",
    "Command",
    "Function",
    "Keyword",
    "Query",
    "Setting",
    "Suggestion",
    "Suggestions",
    "Topic",
    "suggest",
]


@dataclass(frozen=True)
class Keyword:
    """One of ``words``."""

    words: tuple[str, ...]


@dataclass(frozen=True)
class Function:
    """A function name (scalar or aggregate)."""


@dataclass(frozen=True)
class Topic:
    """A topic name."""


@dataclass(frozen=True)
class Column:
    """A column of ``topic`` (None when the statement names no topic yet)."""

    topic: str | None


@dataclass(frozen=True)
class Setting:
    """A setting key, inside a quoted string."""


@dataclass(frozen=True)
class Command:
    """A shell statement whose name starts with ``typed``: the statement so far, as written.

    A completion replaces all of ``typed``, since a command name may span several words.
    """

    typed: str


@dataclass(frozen=True)
class Query:
    """The id of a running query (or ``ALL``)."""


Suggestion = Keyword | Function | Topic | Column | Setting | Command | Query


@dataclass(frozen=True)
class Suggestions:
    """The suggestions for one cursor position.

    Attributes:
        word: the partial word before the cursor, which a completion replaces.
        items: what may replace it, most specific first.
    """

    word: str
    items: tuple[Suggestion, ...]


_TOKEN = re.compile(
    r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`|--[^\n]*|/\*.*?\*/|[A-Za-z_][\w.]*|\d+\w*|\S""",
    re.DOTALL,
)
_WORD_BEFORE_CURSOR = re.compile(r"[\w.]*$")
_FROM_TOPIC = re.compile(r"\b(?:FROM|JOIN)\s+[`\"]?([A-Za-z_][\w.\-]*)", re.IGNORECASE)
_QUOTED_SETTING_CONTEXT = re.compile(r"(?:\bUNSET|\bSET|[(,])\s*$", re.IGNORECASE)

_TOPIC_AFTER = frozenset({"FROM", "JOIN", "DESCRIBE", "PRINT", "TO"})
_EXPRESSION_AFTER = frozenset(
    {"SELECT", "WHERE", "BY", "HAVING", "ON", "AND", "OR", "NOT", ",", "(", "=", "<", ">", "+", "-", "*", "/"}
)
_EXPRESSION_AFTER |= {"WHEN", "THEN", "ELSE", "CASE", "DISTINCT", "<=", ">=", "<>", "!="}
_FOLLOWERS: dict[str, tuple[str, ...]] = {
    "WINDOW": WINDOW_KINDS,
    "EMIT": ("CHANGES", "FINAL"),
    "GROUP": ("BY",),
    "ORDER": ("BY",),
    "PARTITION": ("BY",),
    "CREATE": ("STREAM", "TABLE"),
    "EXPIRE": ("AFTER",),
    **{first: (rest,) for first, _, rest in (words.partition(" ") for words in WINDOW_SLOT_KEYWORDS) if rest},
}
_CLAUSE_KEYWORDS = (
    "FROM",
    "WHERE",
    "GROUP BY",
    "HAVING",
    "WINDOW",
    "EMIT CHANGES",
    "EMIT FINAL",
    "LIMIT",
    "WITH",
    "AS",
    "AND",
    "OR",
    "OVER",
    "PARTITION BY",
    "ORDER BY",
    "GRACE PERIOD",
    "EXPIRE AFTER",
    "ROWS WINDOW BUFFER",
    "FROM BEGINNING",
    "RATE",
    "TO",
)
_ALL_KEYWORDS = tuple(dict.fromkeys((*SQL_KEYWORDS, *STREAMING_KEYWORDS)))


def suggest(full_text: str, text_before_cursor: str) -> Suggestions:
    """The suggestions at the cursor.

    Args:
        full_text: the whole buffer, used to find the statement's FROM topic even when the cursor
            is before it (``SELECT | FROM trades``).
        text_before_cursor: the buffer up to the cursor.

    Returns:
        The partial word before the cursor and what may replace it.
    """
    statement_start = _statement_start(text_before_cursor)
    before = text_before_cursor[statement_start:]
    statement = _statement_at(full_text, statement_start)
    unterminated = find_unterminated(before)
    if unterminated is not None:
        offset, closer = unterminated
        if closer == "'" and _QUOTED_SETTING_CONTEXT.search(before[:offset]):
            return Suggestions(word=before[offset + 1 :], items=(Setting(),))
        return Suggestions(word="", items=())
    word = _WORD_BEFORE_CURSOR.search(before).group(0)  # type: ignore[union-attr]
    tokens = _code_tokens(before[: len(before) - len(word)])
    items = _items_after(tokens, typed=before.lstrip(), statement=statement)
    return Suggestions(word=word, items=items)


def _items_after(tokens: list[str], *, typed: str, statement: str) -> tuple[Suggestion, ...]:
    if not tokens:
        return (Command(typed=typed), Keyword(words=STATEMENT_KEYWORDS))
    upper = [token.upper() for token in tokens]
    previous = upper[-1]
    is_command_prefix = all(_is_word(token) for token in upper) and len(upper) <= 2
    command: tuple[Suggestion, ...] = (Command(typed=typed),) if is_command_prefix else ()
    if upper[0] == "HELP":
        return (Command(typed=typed[len(tokens[0]) :].lstrip()),)
    if previous == "TERMINATE":
        return (Query(),)
    if previous == "SHOW":
        return command
    if previous == "FROM" and upper[0] == "PRINT":
        return (Keyword(words=("BEGINNING",)),)
    if previous in _TOPIC_AFTER and not (previous == "TO" and upper[0] != "DATAGEN"):
        return (*command, Topic())
    if previous in _FOLLOWERS:
        return (*command, Keyword(words=_FOLLOWERS[previous]))
    if previous in _EXPRESSION_AFTER:
        return (Column(topic=_from_topic(statement)), Function(), Keyword(words=_ALL_KEYWORDS))
    return (*command, Keyword(words=_CLAUSE_KEYWORDS + _ALL_KEYWORDS))


def _statement_start(text: str) -> int:
    """Offset just after the last top-level ``;`` of ``text``, 0 when there is none."""
    start = 0
    for match in _TOKEN.finditer(text):
        if match.group(0) == ";":
            start = match.end()
    return start


def _statement_at(full_text: str, start: int) -> str:
    """The statement of ``full_text`` that begins at ``start``, up to its ``;``."""
    rest = full_text[start:]
    for match in _TOKEN.finditer(rest):
        if match.group(0) == ";":
            return rest[: match.start()]
    return rest


def _code_tokens(text: str) -> list[str]:
    return [token for token in _TOKEN.findall(text) if not token.startswith(("--", "/*"))]


def _is_word(token: str) -> bool:
    return token[:1].isalpha()


def _from_topic(statement: str) -> str | None:
    match = _FROM_TOPIC.search(statement)
    return match.group(1) if match else None
